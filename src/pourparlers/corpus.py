"""The repository's corpus as tables: `raw/` + `annotations/` read, converted and checked.

This is what `validate`, `build` and later `release` share, so every command sees the same
data and the same problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from rich.console import Console
from rich.progress import Progress

from pourparlers.convert import convert_exports
from pourparlers.errors import PourparlersError, Problem
from pourparlers.ingest import load_articles
from pourparlers.paths import ANNOTATIONS_DIR_NAME
from pourparlers.taxonomy import Taxonomy, load_taxonomy
from pourparlers.validate import ValidationReport, validate_corpus

PROGRESS_FROM = 200  # files; below that a run takes well under a second
VERSION_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\]", re.MULTILINE)


@dataclass
class Corpus:
    root: Path
    taxonomy: Taxonomy
    tables: dict[str, pa.Table]
    report: ValidationReport
    summary: list[dict] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.report.problems


def taxonomy_of(root: Path) -> Taxonomy:
    return load_taxonomy(Path(root) / "schema" / "taxonomy.yaml")


def annotation_files(root: Path) -> list[Path]:
    return sorted((Path(root) / ANNOTATIONS_DIR_NAME).glob("*.json"), key=lambda path: path.name)


def load_corpus(root: Path) -> Corpus:
    """Read, convert and validate everything; problems are collected, never raised."""
    root = Path(root)
    taxonomy = taxonomy_of(root)
    files = annotation_files(root)
    with Progress(console=Console(stderr=True), transient=True,
                  disable=len(files) < PROGRESS_FROM) as progress:
        reading = progress.add_task("Reading raw/", total=None)
        articles, article_problems = load_articles(root, lambda done, total: progress.update(
            reading, completed=done, total=total))
        bar = progress.add_task("Converting exports", total=len(files))
        converted = convert_exports(files, articles, taxonomy, root,
                                    advance=lambda n: progress.advance(bar, n))
    tables = {"articles": articles, **converted.tables}
    report = validate_corpus(tables, taxonomy, extra_problems=[*article_problems, *converted.problems])
    return Corpus(root, taxonomy, tables, report, converted.summary)


def gold(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Only the rows of the annotations chosen for the release (layer "gold")."""
    out = {}
    for name, table in tables.items():
        if "layer" in table.column_names:
            keep = pc.equal(table["layer"], "gold")
            if not pc.all(keep).as_py():   # a filter copies the table even when it keeps every row
                table = table.filter(keep)
        out[name] = table
    return out


def current_version(root: Path) -> str:
    """The dataset version: the newest `## [x.y.z]` heading of CHANGELOG.md."""
    path = Path(root) / "CHANGELOG.md"
    try:
        match = VERSION_HEADING.search(path.read_text(encoding="utf-8"))
    except OSError:
        match = None
    if not match:
        raise PourparlersError(
            f"no version heading such as '## [0.1.0]' in {path}",
            "add one to CHANGELOG.md or pass --version",
        )
    return match.group(1)
