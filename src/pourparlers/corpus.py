"""The repository's corpus as tables: `raw/` + `annotations/` read, converted and checked.

This is what `validate`, `build`, `release`, `pull` and `annotate` share, so every command sees
the same data and the same problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pourparlers.convert import convert_exports
from pourparlers.errors import Problem
from pourparlers.raw import folder_problem, load_articles
from pourparlers.repo import Repo
from pourparlers.tables import GOLD
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate import ValidationReport, validate_corpus

PROGRESS_FROM = 200  # files; below that a run takes well under a second


@dataclass
class Corpus:
    repo: Repo
    taxonomy: Taxonomy
    tables: dict[str, pa.Table]
    report: ValidationReport
    summary: list[dict] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.report.problems


def annotation_files(repo: Repo) -> dict[str, Path]:
    """The exports of annotations/, by the name problems give them (`annotations/<id>.json`)."""
    files = sorted(repo.annotations.glob("*.json"), key=lambda path: path.name)
    return {repo.relative(path): path for path in files}


def load_corpus(repo: Repo, exports: Mapping[str, Path] | None = None) -> Corpus:
    """Read, convert and validate everything; problems are collected, never raised.

    `exports` replaces the files of annotations/ (name -> file to read): `pull` checks the
    files it is about to write this way.
    """
    taxonomy = repo.taxonomy()
    folder = repo.annotations
    missing = [] if exports is not None or (folder.is_dir() and not folder.is_symlink()) else [
        folder_problem(repo, folder)]
    exports = annotation_files(repo) if exports is None else exports
    with _progress(len(exports) >= PROGRESS_FROM) as progress:
        if progress is None:
            articles, article_problems = load_articles(repo)
            converted = convert_exports(repo, exports, articles, taxonomy)
        else:
            reading = progress.add_task("Reading raw/", total=None)
            articles, article_problems = load_articles(repo, lambda done, total: progress.update(
                reading, completed=done, total=total))
            bar = progress.add_task("Converting exports", total=len(exports))
            converted = convert_exports(repo, exports, articles, taxonomy,
                                        advance=lambda n: progress.advance(bar, n))
    tables = {"articles": articles, **converted.tables}
    report = validate_corpus(tables, taxonomy,
                             extra_problems=[*missing, *article_problems, *converted.problems])
    return Corpus(repo, taxonomy, tables, report, converted.summary)


def _progress(shown: bool):
    """A rich progress display on stderr, or nothing (a small corpus reads in well under a
    second: rich is not even imported then)."""
    if not shown:
        return nullcontext()
    from rich.console import Console
    from rich.progress import Progress

    return Progress(console=Console(stderr=True), transient=True)


def gold(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """Only the rows of the annotations chosen for the release (layer "gold")."""
    out = {}
    for name, table in tables.items():
        if "layer" in table.column_names:
            keep = pc.equal(table["layer"], GOLD)
            if not pc.all(keep).as_py():   # a filter copies the table even when it keeps every row
                table = table.filter(keep)
        out[name] = table
    return out
