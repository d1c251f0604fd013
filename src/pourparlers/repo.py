"""The repository a command works on: found from the working folder, as git finds `.git`.

Every path the library uses is an attribute of `Repo`, so a reader sees in one place what a
repository holds, and no module joins folder names of its own. The repository is never the
package's install location: a regular install and a second clone each work on the folder the
user stands in (or `--root`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

from pourparlers.errors import PourparlersError

MARKER = PurePath("schema", "taxonomy.yaml")
"""What makes a folder a pourparlers repository."""


class RepoIdError(PourparlersError):
    """A Hugging Face repo id that is not ORG/NAME."""

    code = "repo-id-invalid"


REPO_ID_SETTING = "[tool.pourparlers] repo_id = \"ORG/NAME\" in pyproject.toml"


def check_repo_id(repo_id: str) -> str:
    """`repo_id` if it is a Hub dataset id `ORG/NAME`, else `RepoIdError`.

    Checked wherever an id is accepted (options, manifests), as the card prints it inside a
    code example and publish sends it to the Hub.
    """
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    shown = repr(repo_id) if len(str(repo_id)) <= 120 else repr(str(repo_id)[:120]) + "…"
    if not isinstance(repo_id, str) or repo_id.count("/") != 1:
        raise RepoIdError(f"repo id {shown} is not ORG/NAME")
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise RepoIdError(f"repo id {shown} is not a Hub repo id: {str(error).split(':')[0]}") from None
    return repo_id


SITE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~/%-]*)?$")


def check_site_url(url: object) -> str:
    """`url` if it is a plain https URL (host, optional port and path of URL-safe characters:
    the card prints it as a Markdown link), else `PourparlersError` [site-url-invalid]."""
    if isinstance(url, str) and len(url) <= 300 and SITE_URL.match(url):
        return url
    shown = repr(url) if len(str(url)) <= 120 else repr(str(url)[:120]) + "…"
    raise PourparlersError(f"[tool.pourparlers] site_url {shown} in pyproject.toml is not a plain https URL",
                           'e.g. site_url = "https://my-org.github.io/pourparlers/" (letters, digits, '
                           "'.', '-', '_', '~', '%' and '/' only)", code="site-url-invalid")


class NotARepository(PourparlersError):
    """No repository at the given folder or above the working folder."""

    code = "not-a-repository"


@dataclass(frozen=True)
class Repo:
    """A pourparlers repository: `root` holds raw/, annotations/, schema/ and the documents."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Repo:
        """The nearest folder at or above `start` (default: the working folder) that holds
        `schema/taxonomy.yaml`."""
        here = Path(start if start is not None else os.getcwd()).absolute()
        for folder in (here, *here.parents):
            if (folder / MARKER).is_file():
                return cls(folder)
        raise NotARepository(
            f"not inside a pourparlers repository ({here} and its parents hold no {MARKER})",
            "cd into one or pass --root")

    @classmethod
    def at(cls, root: Path | str) -> Repo:
        """The repository at exactly `root` (what `--root` names)."""
        folder = Path(root).absolute()
        if not (folder / MARKER).is_file():
            raise NotARepository(f"{folder} is not a pourparlers repository (no {MARKER})",
                                 "pass the folder that holds schema/taxonomy.yaml as --root")
        return cls(folder)

    # -- the data ----------------------------------------------------------------------------

    @property
    def raw(self) -> Path:
        """Articles exactly as received, with their metadata (`<article_id>.txt`/`.json`)."""
        return self.root / "raw"

    @property
    def annotations(self) -> Path:
        """Label Studio exports, one `<article_id>.json` per article."""
        return self.root / "annotations"

    @property
    def schema(self) -> Path:
        return self.root / "schema"

    @property
    def taxonomy_file(self) -> Path:
        return self.root / MARKER

    @property
    def actors_file(self) -> Path:
        """The corpus's actors: every canonical id a mention may carry."""
        return self.schema / "actors.yaml"

    @property
    def label_config_file(self) -> Path:
        """The Label Studio config generated from the taxonomy (checked in)."""
        return self.schema / "label_config.xml"

    # -- documents -----------------------------------------------------------------------------

    @property
    def changelog(self) -> Path:
        return self.root / "CHANGELOG.md"

    @property
    def card_template(self) -> Path:
        return self.root / "DATASET_CARD.md"

    @property
    def guidelines(self) -> Path:
        return self.root / "GUIDELINES.md"

    @property
    def citation(self) -> Path:
        return self.root / "CITATION.cff"

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"

    @property
    def problems_doc(self) -> Path:
        """Every problem and error code, generated from the catalogue (`pourparlers schema`)."""
        return self.root / "docs" / "problems.md"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def agreement_report(self) -> Path:
        """The JSON of `pourparlers agreement --out`, whose figures the card shows."""
        return self.reports / "agreement.json"

    # -- outputs and workspaces ----------------------------------------------------------------

    @property
    def dist(self) -> Path:
        """Built releases, one folder per version (not in git)."""
        return self.root / "dist"

    def release_dir(self, version: str) -> Path:
        return self.dist / version

    @property
    def labelstudio_home(self) -> Path:
        """The local Label Studio: its environment, data, log, PID and credentials (not in git)."""
        return self.root / ".labelstudio"

    # -- helpers -------------------------------------------------------------------------------

    def relative(self, path: Path | str) -> str:
        """`path` relative to the root in POSIX form, as problems name files; else as given."""
        text, base = os.fspath(path), os.path.join(os.fspath(self.root), "")
        if text.startswith(base):       # the usual case, without pathlib's cost per file
            inside = text[len(base):]
            plain = os.sep == "/" and "//" not in inside and "./" not in inside
            return inside if plain else PurePath(inside).as_posix()
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError):
            return PurePath(path).as_posix()

    def taxonomy(self):
        """The taxonomy of `schema/taxonomy.yaml` with the actors of `schema/actors.yaml`, each
        checked as it is read (`TaxonomyError`, `ActorsError`)."""
        from dataclasses import replace

        from pourparlers.actors import load_actors
        from pourparlers.taxonomy import load_taxonomy

        taxonomy = load_taxonomy(self.taxonomy_file, self.relative(self.taxonomy_file))
        actors = load_actors(self.actors_file, taxonomy.entity_types, self.relative(self.actors_file))
        return replace(taxonomy, actors=actors)

    def _settings(self) -> dict:
        """`[tool.pourparlers]` of pyproject.toml ({} without the file or the table)."""
        import tomllib

        try:
            with open(self.pyproject, "rb") as handle:
                config = tomllib.load(handle).get("tool", {}).get("pourparlers", {})
        except FileNotFoundError:
            return {}
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise RepoIdError(f"{self.relative(self.pyproject)} cannot be read: {error}",
                              "fix the TOML syntax") from None
        return config if isinstance(config, dict) else {}

    def hub_repo_id(self) -> str | None:
        """The Hub dataset repo of this corpus, `[tool.pourparlers] repo_id` of pyproject.toml
        (checked as `ORG/NAME`), or None when it is not set."""
        repo_id = self._settings().get("repo_id")
        return None if repo_id is None else check_repo_id(repo_id)

    def site_url(self) -> str | None:
        """Where the corpus browser (`pourparlers site`) is published, `[tool.pourparlers]
        site_url` of pyproject.toml (checked: a plain https URL), or None when it is not set."""
        url = self._settings().get("site_url")
        return None if url is None else check_site_url(url)
