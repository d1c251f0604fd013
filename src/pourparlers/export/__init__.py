"""Interchange exports of a release: one module per format, each read back by its users' own
tool in the tests.

    conll    CoNLL-2003-style IOB2 (`conll.py`)        spacy    DocBin files (`docbin.py`)
    brat     standoff .txt/.ann + annotation.conf        bigbio   BigBIO KB schema (`bigbio.py`)
    plover   one row per event, POLECAT-style (`plover.py`)
    stances  the stance network, CSV and GraphML (`stances.py`)

Every format is generated from a built release (`--release DIR`, or the repository built into a
temporary folder first, so both give the same files) and from the taxonomy of the repository
(labels, roles, PLOVER mappings: nothing is spelled here). Rows are read a batch of articles at
a time (`ReleaseReader`) and written as they come, so an export never holds the corpus. The
output folder is written atomically (`atomic.output_folder`: it replaces only a new or empty folder
or an earlier export of the same format) and carries `export.json`: what was written and what
the format could not carry, counted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pourparlers import atomic
from pourparlers.errors import PourparlersError
from pourparlers.repo import Repo

MARKER = "export.json"


class ExportError(PourparlersError):
    """An export could not be written (no release, a text-free one, a release of another taxonomy,
    a missing consumer library)."""

    code = "export-refused"


@dataclass(frozen=True)
class ExportResult:
    format: str
    path: Path
    written: dict[str, int]   # what the files hold, counted
    lost: dict[str, int]      # what the format cannot carry, counted


def _formats() -> dict[str, Callable]:
    from pourparlers.export import bigbio, brat, conll, docbin, plover, stances

    return {"conll": conll.write, "spacy": docbin.write, "brat": brat.write, "bigbio": bigbio.write,
            "plover": plover.write, "stances": stances.write}


FORMATS = ("conll", "spacy", "brat", "bigbio", "plover", "stances")


def export(fmt: str, out: Path, repo: Repo, *, release: Path | None = None) -> ExportResult:
    """Write the export `fmt` of the release (or of the repository) into `out`, atomically.
    (The reader imports `datasets`: imported here, not when the CLI lists the formats.)"""
    from pourparlers.export.reader import ReleaseReader
    from pourparlers.release.versions import release_or_build

    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}", f"one of {', '.join(FORMATS)}")
    out = Path(out)
    kind = f"export {fmt}"
    atomic.check_replaceable(out, kind)   # before any work (a build of the repository first)
    taxonomy = repo.taxonomy()
    with release_or_build(repo, release, "export") as folder:
        reader = ReleaseReader(folder, taxonomy, ExportError)
        with atomic.output_folder(out, kind) as staged:
            written, lost = _formats()[fmt](reader, staged, taxonomy)
            summary = {"format": fmt, "release": reader.version, "written": written, "lost": lost}
            atomic.write_text(staged / MARKER, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return ExportResult(fmt, out, written, lost)


__all__ = ["FORMATS", "MARKER", "ExportError", "ExportResult", "export"]
