"""Label Studio full JSON exports (annotations/*.json) to the normalized tables of `tables.py`.

Files are read (`exports`), their tasks and annotations converted (`task`), their result items
recognised (`quick`) or checked (`items`), and the rows gathered into Arrow (`rows`). Offsets
are code points, as Label Studio 1.23 stores them; the `text` column is sliced from the stored
article text and `export_text` keeps the export's `value.text` only for comparison.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pourparlers import workers
from pourparlers.atomic import output_folder, write_bytes
from pourparlers.convert.exports import MAX_EXPORT_BYTES, gc_paused, read_export
from pourparlers.convert.rows import TABLES, Counts, Rows
from pourparlers.convert.task import TaskResult, convert_task
from pourparlers.errors import Problem
from pourparlers.repo import Repo
from pourparlers.tables import ALTERNATE, GOLD
from pourparlers.taxonomy import Taxonomy

__all__ = ["ALTERNATE", "GOLD", "MAX_EXPORT_BYTES", "TABLES", "ArticleTexts", "ConvertResult",
           "TaskResult", "convert_exports", "convert_task", "write_tables"]

# From 2,000 export files on, runs of 500 consecutive files (a few seconds of work, a few
# hundred MB at most) are converted in forked workers.
CONVERT_RUNS = workers.Runs(parallel_from=2_000, size=500)
BATCH_ROWS = 200_000   # rows gathered as tuples before they go to Arrow


@dataclass
class ConvertResult:
    tables: dict[str, pa.Table]
    problems: list[Problem]
    summary: list[dict]


class ArticleTexts(Mapping[str, str]):
    """Article id -> stored text, read from the articles table when a task asks for it.

    The texts stay in Arrow: a dict of every text as Python strings would cost twice their
    size at corpus scale, and a forked worker shares the Arrow buffers with its parent.
    """

    def __init__(self, articles: pa.Table) -> None:
        texts = articles.column("text")
        self._chunks = texts.chunks
        self._where: dict[str, tuple[int, int]] = {}
        ids = articles.column("article_id")
        position = 0
        for number, chunk in enumerate(self._chunks):
            names = ids.slice(position, len(chunk)).to_pylist()
            self._where.update((name, (number, row)) for row, name in enumerate(names))
            position += len(chunk)

    def __getitem__(self, article_id: str) -> str:
        number, row = self._where[article_id]
        return self._chunks[number][row].as_py()

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


@dataclass
class _Part:
    """What converting a run of consecutive files gave: the files' sorted tables, problems,
    summary rows, and the articles converted (in order) with their file."""

    tables: dict[str, pa.Table]
    problems: list[Problem]
    summary: list[dict]
    converted: list[tuple[str, str]]



def convert_exports(repo: Repo, exports: Mapping[str, Path], articles: pa.Table, taxonomy: Taxonomy,
                    advance: Callable[[int], object] | None = None) -> ConvertResult:
    """Convert every export into the four annotation tables, collecting all problems.

    `exports` maps each export's name (as problems and `source_file` give it, e.g.
    `annotations/<id>.json`) to the file to read. Files are converted in name order (so a
    duplicate article is always reported on the same file). At corpus scale runs of consecutive
    files are converted in forked workers (`CONVERT_RUNS`) and joined in order: the result is
    the same as converting in one process. `advance(n)` is called as n more files are done.
    """
    texts = ArticleTexts(articles)
    named = sorted(exports.items())

    def convert_run(run: Sequence[tuple[str, Path]], done: workers.Progress | None) -> _Part:
        return _convert_files(run, texts, taxonomy, done)

    with gc_paused():
        parts = workers.map_runs(convert_run, named, CONVERT_RUNS, advance)
    part = _joined(parts) if len(parts) > 1 else parts[0]
    if part is None:   # (the progress bar is already full)
        part = _convert_files(named, texts, taxonomy)
    return ConvertResult(part.tables, _unloaded_articles(part.problems, repo), part.summary)


def _convert_files(named: Sequence[tuple[str, Path]], texts: Mapping[str, str], taxonomy: Taxonomy,
                   advance: Callable[[int], object] | None = None) -> _Part:
    """Convert files one after the other into one sorted set of tables."""
    rows = Rows()
    problems: list[Problem] = []
    summary: list[dict] = []
    seen: dict[str, str] = {}
    with gc_paused():
        for file, path in named:
            problems += _convert_file(path, file, texts, taxonomy, rows, seen, summary)
            if rows.pending >= BATCH_ROWS:
                rows.flush()
            if advance is not None:
                advance(1)
        tables = rows.tables()
    return _Part(tables, problems, summary, [(aid, file) for aid, file in seen.items()])


def _joined(parts: list[_Part]) -> _Part | None:
    """The parts of consecutive runs as one, or None when they cannot join into exactly the
    one-process result: when an article is in two runs (a duplicate must be reported on its
    later file) or the runs' articles do not come in order (each part is sorted, so their
    concatenation is). Such exports are already reported as wrongly named or duplicated."""
    if not _in_order(parts):
        return None
    tables = {name: pa.concat_tables([part.tables[name] for part in parts]) for name in TABLES}
    return _Part(tables, [p for part in parts for p in part.problems],
                 [row for part in parts for row in part.summary],
                 [pair for part in parts for pair in part.converted])


def _in_order(parts: list[_Part]) -> bool:
    """Whether the parts' articles are distinct and ascending from one part to the next."""
    last = ""
    for part in parts:
        ids = sorted(article_id for article_id, _ in part.converted)
        if ids and ids[0] <= last:
            return False
        last = ids[-1] if ids else last
    return True


def _unloaded_articles(problems: list[Problem], repo: Repo) -> list[Problem]:
    """An article with metadata in raw/ but not among the articles given was refused when raw/
    was read (hash drift, unreadable text): say so rather than "not in raw/".

    Only ids that passed `ARTICLE_ID` reach `unknown-article`, so the path stays in raw/.
    """
    out = []
    for p in problems:
        if p.code == "unknown-article" and (repo.raw / f"{p.article_id}.json").exists():
            p = dataclasses.replace(
                p, message=f"article {p.article_id} is in raw/ but could not be read; its "
                           "annotations are not checked",
                expected="the raw/ problem of this article fixed first",
                hint="fix the problem reported on raw/ for this article (`pourparlers validate`)")
        out.append(p)
    return out


def _convert_file(path: Path, file: str, articles_by_id: Mapping[str, str], taxonomy: Taxonomy,
                  rows: Rows, seen: dict[str, str], summary: list[dict]) -> list[Problem]:
    """One export file; its parsed objects are freed when this returns."""
    counts = Counts()
    file_problems: list[Problem] = []
    article_ids: list[str] = []
    tasks, trouble = read_export(path, file)
    file_problems += trouble
    for index, task in enumerate(tasks or ()):
        done = convert_task(task, file=file, articles_by_id=articles_by_id, taxonomy=taxonomy,
                            rows=rows, seen=seen, index=index)
        counts.add(done.counts)
        file_problems += done.problems
        if done.article_id:
            article_ids.append(done.article_id)
    summary.append(_summary_row(file, article_ids, counts, len(file_problems)))
    return file_problems


def _summary_row(file: str, article_ids: list[str], counts: Counts, n_problems: int) -> dict:
    return {
        "file": file,
        "article_id": ", ".join(article_ids),
        "tasks": counts.tasks,
        "annotations": f"{counts.gold}/{counts.alternate}/{counts.cancelled}",
        "gold": counts.gold,
        "alternate": counts.alternate,
        "cancelled": counts.cancelled,
        "regions": counts.regions,
        "choices": counts.choices,
        "relations": counts.relations,
        "other": counts.other,
        "converted": counts.converted,
        "rejected": counts.rejected,
        "rows": counts.rows,
        "problems": n_problems,
    }


def write_tables(tables: dict[str, pa.Table], folder: Path) -> list[Path]:
    """Write each table as `<folder>/<name>.parquet` and return the paths.

    Every table is serialized before anything is written; the folder appears whole or not at
    all (written as a staging sibling, then renamed). It must be new, empty, or an earlier
    output of `write_tables`: any other folder is refused, never emptied.
    """
    import pyarrow.parquet as pq

    folder = Path(folder)
    payloads = {}
    for name, table in tables.items():
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        payloads[f"{name}.parquet"] = buffer.getvalue()
    with output_folder(folder, "tables") as tmp:
        for file_name, data in payloads.items():
            write_bytes(tmp / file_name, data)
    return [folder / file_name for file_name in payloads]

