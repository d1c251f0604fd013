"""The connection to a Label Studio server, through `label-studio-sdk` only.

The URL comes from `--url`, else $LABEL_STUDIO_URL, else the local server of `.labelstudio/`;
the token from $LABEL_STUDIO_API_KEY, else (local server only) from its generated credentials.
The token is never printed.
"""

from __future__ import annotations

import os

from pourparlers.errors import PourparlersError
from pourparlers.labelstudio.server import credentials, running
from pourparlers.repo import Repo

PROJECT_TITLE = "pourparlers"
TOKEN_ENV = "LABEL_STUDIO_API_KEY"
URL_ENV = "LABEL_STUDIO_URL"


def connect(repo: Repo, url: str | None = None):
    """A `label_studio_sdk.LabelStudio` client and the server's URL.

    The URL comes from `url`, else $LABEL_STUDIO_URL, else the local server started by
    `scripts/labelstudio`. The token comes from $LABEL_STUDIO_API_KEY, else (local server
    only) from the generated credentials in `.labelstudio/`; it is never printed.
    """
    try:
        from label_studio_sdk import LabelStudio
    except ImportError:
        raise PourparlersError("label-studio-sdk is not installed",
                               "install the extra: pip install -e '.[labelstudio]' (scripts/setup does)",
                               code="labelstudio-error") from None
    url = url or os.environ.get(URL_ENV)
    token = os.environ.get(TOKEN_ENV)
    local = running(repo.labelstudio_home)
    if not url:
        if local is None:
            raise PourparlersError("no Label Studio server to talk to",
                                   f"start the local one with `scripts/labelstudio start`, or pass --url "
                                   f"(or set {URL_ENV}) and set {TOKEN_ENV}", code="labelstudio-error")
        url = local.url
    if not token:
        if local is None or local.url.rstrip("/") != url.rstrip("/"):
            raise PourparlersError(f"no API token for {url}", f"set {TOKEN_ENV} to your Label Studio access token",
                                   code="labelstudio-error")
        token = credentials(repo.labelstudio_home).token
    return LabelStudio(base_url=url, api_key=token), url.rstrip("/")


