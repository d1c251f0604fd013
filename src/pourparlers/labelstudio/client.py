"""The connection to a Label Studio server, through `label-studio-sdk` only.

The URL comes from `--url`, else $LABEL_STUDIO_URL, else the local server of `.labelstudio/`;
the token from $LABEL_STUDIO_API_KEY, else (local server only) from its generated credentials.
The token is never printed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

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
    if url:
        check_url(url)
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
            raise PourparlersError(f"no API token for {redacted(url)}",
                                   f"set {TOKEN_ENV} to your Label Studio access token", code="labelstudio-error")
        token = credentials(repo.labelstudio_home).token
    return LabelStudio(base_url=url, api_key=token), url.rstrip("/")




def redacted(url: str) -> str:
    """`url` with any password (and token-like query) replaced, for messages."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.split(':')[0]}:***@{host}" if ":" in user else f"{user}@{host}"
        return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))
    except ValueError:
        return "<the URL given>"


def check_url(url: str) -> str:
    """`url` if it is an http(s) URL with a host, else a `labelstudio-error` that says so."""
    try:
        parts = urlsplit(url)
        parts.port   # noqa: B018 - raises ValueError for a port that is not a number
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise PourparlersError(f"{redacted(url)} is not an http(s) URL of a Label Studio server",
                               "pass e.g. --url http://127.0.0.1:8089", code="labelstudio-error")
    return url


@contextmanager
def server_errors(url: str) -> Iterator[None]:
    """Turn what the SDK and httpx raise into a `labelstudio-error` naming the (redacted) URL:
    a server not listening, a refused token, a request the server rejects."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    where = redacted(url)
    try:
        yield
    except httpx.HTTPError as error:
        raise PourparlersError(f"cannot talk to Label Studio at {where}: {type(error).__name__}: "
                               f"{str(error)[:200]}", "is the server running? `pourparlers server "
                               "status` for the local one; check --url", code="labelstudio-error") from None
    except httpx.InvalidURL as error:
        raise PourparlersError(f"{where}: {error}", "pass e.g. --url http://127.0.0.1:8089",
                               code="labelstudio-error") from None
    except ApiError as error:
        hint = {401: f"the token was refused: set {TOKEN_ENV} to an access token of this server",
                403: "the token's user may not do this: ask the server's admin",
                404: "the server has no such project or task: check --url and --project"}
        raise PourparlersError(f"Label Studio at {where} refused a request (HTTP {error.status_code}): "
                               f"{str(error.body)[:200]}", hint.get(error.status_code, "see the server's log"),
                               code="labelstudio-error") from None
