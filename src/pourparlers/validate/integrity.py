"""The checks across rows and tables that a per-table contract cannot express: offsets into
the article text, text hashes, articles that exist, repeated spans and ids, one gold annotation.

Each check is a lazy polars query of its failing rows (a `Pending`, with the function that words
them); Python only touches failing rows, so a corpus with 1 % bad rows costs about what a clean
one does. `validate.checks` declares which query serves which check and what tables it needs.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl
import pyarrow

from pourparlers.display import first_difference
from pourparlers.errors import HINT_CONVERT, HINT_INVISIBLE, HINT_OFFSETS, Problem, problem
from pourparlers.tables import GOLD
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate.contracts import ID_COLUMN, SHA256_PATTERN, polars_types, repeated
from pourparlers.validate.locate import NOUN, at, locate, location_exprs, show

SPAN_TABLES = ("entities", "events", "stances")
ANNOTATION_TABLES = ("entities", "events", "event_arguments", "stances")

# A query of failing rows (or a function giving it once what it waits for is ready) and the
# function that words those rows as problems.
Pending = tuple[pl.LazyFrame | Callable[[], pl.LazyFrame], Callable[[pl.DataFrame], list[Problem]]]


@dataclass
class Context:
    """What the queries read: the usable tables as polars frames, the taxonomy, which tables'
    ids repeat (their lookups are deduplicated), the articles' Arrow text column if any, where
    the articles come from (for messages), and a thread for work that runs beside the queries."""

    frames: dict[str, pl.DataFrame]
    taxonomy: Taxonomy
    duplicated: set[str] = field(default_factory=set)
    arrow_text: pyarrow.ChunkedArray | None = None
    articles_in: str = "raw/"
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=1))

    @cached_property
    def article_lookup(self) -> pl.DataFrame:
        return article_lookup(self.frames["articles"], "articles" in self.duplicated)

    @cached_property
    def entity_lookup(self):
        from pourparlers.validate.references import entity_lookup

        return entity_lookup(self.frames["entities"], "entities" in self.duplicated)


# Columns that only the contracts check: the integrity checks never read them, so their
# polars copies are dropped after the contracts, before the joins.
CONTRACT_ONLY = frozenset({"task_id", "annotator", "realis", "polarity", "title",
                           "source", "url", "published", "date_precision", "language", "notes"})


def usable(name: str, df: pl.DataFrame) -> pl.DataFrame | None:
    """The table in its declared layout without its `CONTRACT_ONLY` columns, or None when it
    cannot be read as such."""
    types = polars_types(name)
    if any(column not in df.columns for column in types):
        return None
    try:
        frame = df.select([pl.col(c).cast(t, strict=True) for c, t in types.items()])
    except pl.exceptions.PolarsError:
        return None
    return frame.drop(*(c for c in types if c in CONTRACT_ONLY))


def flag(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null(False)


def same_annotation(prefix: str) -> pl.Expr:
    return flag((pl.col(f"{prefix}_article") == pl.col("article_id"))
                 & (pl.col(f"{prefix}_annotation") == pl.col("annotation_id")))


def one_per_key(frame: pl.LazyFrame, key: str, duplicated: bool) -> pl.DataFrame:
    """A lookup table with one row per key (the first), so a left join never adds rows.

    Deduplicating costs a hash pass; it is skipped when the contract found the ids unique.
    """
    if duplicated:
        frame = frame.unique(key, keep="first", maintain_order=True)
    return frame.collect()


def article_lookup(articles: pl.DataFrame, duplicated: bool = True) -> pl.DataFrame:
    """article_id -> text and its length, one row per article, in one chunk (see `_spans`).

    Without a text (a text-free release) the length is the recorded `n_chars`: offsets are
    still checked against it, span texts cannot be."""
    length = pl.col("text").str.len_chars()
    if "n_chars" in articles.columns:
        length = pl.coalesce(length, pl.col("n_chars").cast(pl.UInt32, strict=False))
    frame = articles.lazy().select("article_id", pl.col("text").alias("_doc"), length.alias("_doc_len"))
    return one_per_key(frame, "article_id", duplicated).rechunk()


def unknown_articles_in(name: str, df: pl.DataFrame, article_ids: pl.Series,
                        where: str = "raw/") -> Pending:
    """Rows of `df` (located as rows of table `name`) whose article_id is not in `article_ids`."""
    missing = (df.lazy()
               .filter(~pl.col("article_id").is_in(article_ids.implode()))
               .select(location_exprs(name, df.columns)))

    def report(missing: pl.DataFrame) -> list[Problem]:
        return [
            at(row, "unknown-article",
                f"{NOUN.get(name, f'a row of {name}')} refers to article {show(row['_article'])}, "
                f"which is not in {where}",
                field="articles.article_id",
                hint="ingest the article with `pourparlers ingest`, or remove the export of an "
                     "article that is not in raw/")
            for row in missing.iter_rows(named=True)
        ]
    return missing, report


def span_check(name: str, df: pl.DataFrame, lookup: pl.DataFrame, field: str | None = None) -> Pending:
    """Offsets inside the article text and span texts equal to `text[start:end]`, for rows of
    `df` located as rows of table `name` (columns article_id, start, end, text, export_text);
    `field` names the text column in messages (default `<name>.text`)."""
    return _spans(name, df, lookup, field or f"{name}.text")


def _spans(name: str, df: pl.DataFrame, lookup: pl.DataFrame, field: str) -> Pending:
    """Offsets inside the article text; `text` and `export_text` equal `text[start:end]`.

    Each row gets its article's text (a string view, no copy), sliced by polars, whose
    `str.slice` counts code points like Python does. Only the article's row number goes
    through the join, and the text is gathered by it: joining the text itself onto 2M entity
    rows held 200 MB more at 50k articles and took 1.5x the time. Gathering from a lookup in
    several chunks was far worse (5x the time, 600 MB more), hence its single chunk.
    """
    rows = lookup.lazy().select("article_id").with_row_index("_doc_row")
    row = pl.col("_doc_row")
    start, end = pl.col("start"), pl.col("end")
    has_doc = pl.col("_doc_len").is_not_null()
    ordered = (start >= 0) & (end > start)
    inside = end <= pl.col("_doc_len")
    span = (pl.when(has_doc & ordered & inside)
            .then(pl.col("_doc").str.slice(start, end - start)))
    failing = (
        df.lazy()
        .with_row_index("_row")
        .join(rows, on="article_id", how="left")
        .with_columns(pl.lit(lookup["_doc"]).gather(row).alias("_doc"),
                      pl.lit(lookup["_doc_len"]).gather(row).alias("_doc_len"))
        .with_columns(span.alias("_span"))
        .with_columns(
            flag(has_doc & ordered & ~inside).alias("_outside"),
            flag(pl.col("_span").is_not_null() & (pl.col("text") != pl.col("_span")))
            .alias("_text_bad"),
            flag(pl.col("_span").is_not_null() & pl.col("export_text").is_not_null()
                  & (pl.col("export_text") != pl.col("_span"))).alias("_export_bad"),
        )
        .filter(pl.col("_outside") | pl.col("_text_bad") | pl.col("_export_bad"))
        .select("_row", "_span", "_doc_len", "_outside", "_text_bad", "_export_bad")
    )

    def report(failing: pl.DataFrame) -> list[Problem]:
        problems = []
        located = locate(name, df, failing, ["start", "end", "text", "export_text"])
        for row in located.iter_rows(named=True):
            s, e = row["start"], row["end"]
            if row["_outside"]:
                problems.append(at(
                    row, "offset-range",
                    f"span [{s}:{e}] ends after the article text ({row['_doc_len']} characters)",
                    expected=f"0 <= start < end <= {row['_doc_len']}", field=f"{name}.end",
                    hint=HINT_OFFSETS))
                continue
            shown = f"text[{s}:{e}] is {show(row['_span'])}"
            parts, invisible = [], False
            for bad, said, value in ((row["_text_bad"], "the span text is", row["text"]),
                                     (row["_export_bad"], "the Label Studio export says", row["export_text"])):
                if bad:
                    difference, unseen = first_difference(str(value), row["_span"])
                    parts.append(f"{said} {show(value)} ({difference})")
                    invisible |= unseen
            problems.append(at(row, "span-text-mismatch", f"{shown} but " + " and ".join(parts),
                                expected=show(row["_span"]), field=field,
                                hint=HINT_INVISIBLE if invisible else HINT_OFFSETS))
        return problems
    return failing, report


def _utf8_chunks(column: pyarrow.ChunkedArray) -> Iterable[pyarrow.Array]:
    if not (pyarrow.types.is_string(column.type) or pyarrow.types.is_large_string(column.type)):
        column = column.cast(pyarrow.large_string())
    return column.chunks


def _sha256_column(column: pyarrow.ChunkedArray) -> list[str | None]:
    """SHA-256 of each string, hashed straight from the Arrow UTF-8 buffer (no Python str)."""
    digests: list[str | None] = []
    for chunk in _utf8_chunks(column):
        if len(chunk) == 0:
            continue
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = memoryview(offsets_buffer).cast(
            "q" if pyarrow.types.is_large_string(chunk.type) else "i")
        data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
        valid = chunk.is_valid().to_pylist()
        base = chunk.offset
        for i in range(len(chunk)):
            if not valid[i]:
                digests.append(None)
                continue
            digests.append(hashlib.sha256(data[offsets[base + i]:offsets[base + i + 1]]).hexdigest())
    return digests


def _text_hashes(articles: pl.DataFrame, digests: Future[list[str | None]]) -> Pending:
    """Texts whose SHA-256 or length differs from the recorded one; the digests are waited for
    only when the query is collected."""
    def failing() -> pl.LazyFrame:
        return _hash_query(articles, digests.result())

    def report(failing: pl.DataFrame) -> list[Problem]:
        problems = []
        for row in failing.iter_rows(named=True):
            if row["_sha"] is not None and row["text_sha256"] != row["_sha"]:
                problems.append(at(
                    row, "hash-mismatch",
                    f"text_sha256 {row['text_sha256']} is not the SHA-256 of the article text",
                    expected=row["_sha"], field="articles.text_sha256",
                    hint="raw/ is never edited: restore the raw file with git, or ingest the "
                         "new text as a new article"))
            if row["_len"] is not None and row["n_chars"] != row["_len"]:
                problems.append(at(
                    row, "n-chars-mismatch",
                    f"n_chars is {row['n_chars']} but the text has {row['_len']} characters",
                    expected=str(row["_len"]), field="articles.n_chars", hint=HINT_CONVERT))
        return problems
    return failing, report


def _hash_query(articles: pl.DataFrame, digests: list[str | None]) -> pl.LazyFrame:
    checked = articles.lazy().select(
        *location_exprs("articles", articles.columns), "text_sha256", "n_chars",
        pl.col("text").str.len_chars().alias("_len"),
        pl.Series("_sha", digests, dtype=pl.String),
    )
    return checked.filter(
        flag(pl.col("text_sha256").str.contains(SHA256_PATTERN)
             & (pl.col("text_sha256") != pl.col("_sha")))
        | flag(pl.col("n_chars") != pl.col("_len"))
    )


def _duplicates(name: str, df: pl.DataFrame, keys: list[str], code: str, what: str) -> Pending:
    """Rows of one annotation that repeat the same annotation (same keys).

    Repeated 64-bit hashes of the keys find the candidates cheaply; the exact comparison
    then runs on those few rows only.
    """
    scope = ["article_id", "annotation_id", *keys]
    hashed = df.lazy().with_columns(pl.struct(scope).hash().alias("_hash"))
    candidates = repeated(hashed.select("_hash"))
    failing = (hashed.join(candidates, on="_hash", how="semi")
               .filter(pl.struct(scope).is_duplicated())
               .select(*location_exprs(name, df.columns), *scope))

    def report(failing: pl.DataFrame) -> list[Problem]:
        groups: dict[tuple, list[str]] = defaultdict(list)
        rows = list(failing.iter_rows(named=True))
        for row in rows:
            groups[tuple(row[k] for k in scope)].append(row["_region"] or "")
        problems = []
        for row in rows:
            regions = groups[tuple(row[k] for k in scope)]
            described = ", ".join(f"{k}={show(row[k])}" for k in keys)
            problems.append(at(
                row, code,
                f"the same {what} ({described}) is annotated {len(regions)} times in this "
                f"annotation (regions {', '.join(sorted(regions))})",
                expected=f"each {what} once per annotation", field=f"{name}.{', '.join(keys)}",
                hint="delete the extra region or relation in Label Studio and export again"))
        return problems
    return failing, report


def _cross_table_ids(frames: dict[str, pl.DataFrame]) -> Pending:
    """Ids are unique within a table by contract; here: no id names rows of two tables.

    64-bit hashes that repeat among the ids of all the tables (`_repeated`) give the
    candidates, whose exact ids are then compared (at 50k articles 0.15 s instead of 0.23 s
    for probing each pair of tables with `is_in`).
    """
    hashed = {name: frames[name].lazy().select(pl.col(ID_COLUMN[name]).alias("_id"),
                                               pl.col(ID_COLUMN[name]).hash().alias("_hash"))
              for name in SPAN_TABLES}
    candidates = repeated(pl.concat([frame.select("_hash") for frame in hashed.values()]))
    found = pl.concat([
        frame.join(candidates, on="_hash", how="semi")
        .select("_id", pl.lit(name).alias("_table"))
        for name, frame in hashed.items()
    ]).filter(pl.col("_id").is_not_null())
    return found, lambda found: _shared_id_problems(frames, found)


def _shared_id_problems(frames: dict[str, pl.DataFrame], found: pl.DataFrame) -> list[Problem]:
    seen: dict[str, set[str]] = defaultdict(set)
    for id_, table in found.iter_rows():
        seen[id_].add(table)
    tables_of = {id_: tables for id_, tables in seen.items() if len(tables) > 1}
    if not tables_of:
        return []
    shared = pl.Series(list(tables_of), dtype=pl.String)
    problems = []
    for name in SPAN_TABLES:
        column = ID_COLUMN[name]
        rows = (frames[name].lazy().filter(pl.col(column).is_in(shared.implode()))
                .select(*location_exprs(name, frames[name].columns), column).collect())
        for row in rows.iter_rows(named=True):
            others = ", ".join(sorted(tables_of[row[column]] - {name}))
            problems.append(at(
                row, "duplicate-id", f"{column} {show(row[column])} also names a row of {others}",
                expected="ids unique across entities, events and stances",
                field=f"{name}.{column}",
                hint="a region id was used for two kinds of region: re-run `pourparlers "
                     "convert` and report a bug"))
    return problems


def _gold(frames: dict[str, pl.DataFrame]) -> Pending:
    """Articles with more than one gold annotation. An annotation whose rows name two
    articles counts in both (never in whichever one a query happens to keep)."""
    annotations = pl.concat([
        frames[name].lazy().filter(pl.col("layer") == GOLD)
        .select("article_id", "annotation_id", "source_file")
        .unique()
        for name in ANNOTATION_TABLES
    ]).unique()
    conflicts = (annotations.group_by("article_id")
                 .agg(pl.col("annotation_id").unique().sort(), pl.col("source_file").min())
                 .filter(pl.col("annotation_id").list.len() > 1))

    def report(conflicts: pl.DataFrame) -> list[Problem]:
        return [
            problem("gold-conflict",
                    f"article has {len(row['annotation_id'])} gold annotations "
                    f"({', '.join(str(a) for a in row['annotation_id'])})",
                    file=row["source_file"], article_id=row["article_id"],
                    expected="exactly one annotation with layer 'gold'", field="layer",
                    hint="mark a single annotation of the task as ground truth in Label Studio")
            for row in conflicts.iter_rows(named=True)
        ]
    return conflicts, report


# -- the queries, one entry point each, as `validate.checks` names them ------------------------


def unknown_articles(context: Context) -> list[Pending]:
    """Every annotation row names an article of the articles table."""
    article_ids = context.frames["articles"]["article_id"]
    return [unknown_articles_in(name, context.frames[name], article_ids, context.articles_in)
            for name in ANNOTATION_TABLES]


def spans(context: Context) -> list[Pending]:
    """Offsets inside the text, and every span text equal to `text[start:end]`."""
    return [_spans(name, context.frames[name], context.article_lookup, f"{name}.text")
            for name in SPAN_TABLES]


def text_hashes(context: Context) -> list[Pending]:
    """Each article text has its SHA-256 and length. The digests are computed in a thread while
    the other queries run (hashlib releases the GIL on buffers of this size)."""
    text = context.arrow_text
    if text is None:
        text = pyarrow.chunked_array([context.frames["articles"]["text"].to_arrow()])
    return [_text_hashes(context.frames["articles"], context.pool.submit(_sha256_column, text))]


def duplicates(context: Context) -> list[Pending]:
    """No span or argument relation is annotated twice in one annotation."""
    frames = context.frames
    return [
        _duplicates("entities", frames["entities"], ["type", "start", "end"], "duplicate-span",
                    "entity span"),
        _duplicates("events", frames["events"], ["type", "start", "end"], "duplicate-span",
                    "event trigger"),
        _duplicates("stances", frames["stances"], ["start", "end", "target", "holder_id"],
                    "duplicate-span", "stance"),
        _duplicates("event_arguments", frames["event_arguments"], ["event_id", "role", "mention_id"],
                    "duplicate-relation", "argument relation"),
    ]


def shared_ids(context: Context) -> list[Pending]:
    """No id names rows of two tables (within a table, the contracts check)."""
    return [_cross_table_ids(context.frames)]


def gold(context: Context) -> list[Pending]:
    """One gold annotation per article."""
    return [_gold(context.frames)]
