"""The static corpus browser (`pourparlers site`): a folder of HTML pages that opens from
`file://`, offline, with no server and no CDN.

- `articles/<id>.html`: the text with its gold annotations highlighted (nested mentions, event
  triggers, stance evidence, each labelled in the text); selecting one shows its details, an
  event's arguments and a stance's holder in the text; toggles per layer and type.
- `compare/<id>--<layer>-<n>.html`: gold and another annotation side by side, aligned line by
  line, every difference `pourparlers agreement` lists marked with its kind, and the figures.
- `actors/<canonical id>.html`: an actor's mentions, stances (target × polarity, evidence) and
  events by role.
- `index.html`: counts per config and label, the stance map and the events by date (static SVG
  from matplotlib), the agreement table, links to every article and actor.

Every element that shows an annotation carries its released id (`data-id`). The site is made from
a built release (`--release DIR`, or the repository built into a temporary folder first, as
`export` does) and written atomically (`atomic.output_folder`: it replaces only a new or empty
folder or an earlier site). Its stylesheet comes from npm (see `assets`), its figures from
matplotlib, its text from the release: the same release gives the same files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pourparlers import atomic
from pourparlers.errors import PourparlersError
from pourparlers.repo import Repo

KIND = "site"
SUMMARY = "site.json"


class SiteError(PourparlersError):
    """The site could not be built (no release, a text-free one, a release of another taxonomy,
    its stylesheet not installed)."""

    code = "site-refused"


@dataclass(frozen=True)
class SiteResult:
    path: Path
    version: str
    written: dict[str, int]


def site(repo: Repo, out: Path, *, release: Path | None = None) -> SiteResult:
    """Write the corpus browser of the release (or of the repository) into `out`, atomically."""
    from pourparlers.export.reader import ReleaseReader
    from pourparlers.release.versions import release_or_build
    from pourparlers.site.assets import copy_assets
    from pourparlers.site.model import Labels
    from pourparlers.site.render import write_pages

    out = Path(out)
    atomic.check_replaceable(out, KIND)   # before any work (a build of the repository first)
    taxonomy = repo.taxonomy()
    with release_or_build(repo, release, KIND) as folder:
        reader = ReleaseReader(folder, taxonomy, SiteError)
        with atomic.output_folder(out, KIND) as staged:
            versions = copy_assets(staged, taxonomy, SiteError)
            common = {"version": reader.version, "pico": versions.get("@picocss/pico", "")}
            written = write_pages(reader, staged, Labels.of(taxonomy, reader.actors()), common)
            atomic.write_text(staged / SUMMARY, json.dumps(
                {"release": reader.version, "written": written, "npm": versions}, indent=2) + "\n")
    return SiteResult(out, reader.version, written)


__all__ = ["KIND", "SUMMARY", "SiteError", "SiteResult", "site"]
