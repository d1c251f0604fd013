"""The checks any config of a release can have, whatever its layout: unique ids, articles that
exist, label ids inside their ClassLabel; and the tokens of `ner` and `ner_sentences` (offsets
and token texts), checked by validate's own queries. `validate.released` runs them on the configs
it does not read back into validate's tables (`ner`, `ner_sentences`, `actors`, and configs added
later), and the label ids on every config.

A row is named by its `id`, but an `actors` row by its `canonical_id` (the corpus's actors are no
article's: they have no `article_id`).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from datasets import ClassLabel, Features, List

from pourparlers.build.features import has_label
from pourparlers.errors import Problem, problem
from pourparlers.validate.fused import duplicate_id_problems
from pourparlers.validate.integrity import Pending, span_check, unknown_articles_in
from pourparlers.validate.locate import at

HINT_RELEASE = ("a release is built from validated data: its files were edited or damaged after the "
                "build, or the build has a bug. Download or build the release again; if a fresh "
                "build shows this too, report a bug")
ARTICLES_IN = "the release's articles"


def collect(pending: Iterable[Pending]) -> list[Problem]:
    """The problems of queries made by `integrity` (each collected, then worded)."""
    return [p for failing, report in pending for p in report(failing.collect())]


ROW_KEY = {"actors": "canonical_id"}
"""The column that names a row of a config, where it is not `id`."""


def row_key(config: str) -> str:
    return ROW_KEY.get(config, "id")


def article_column(config: str, columns: list[str]) -> str | None:
    """The column of a config's rows that names their article: `article_id`, else the row's id
    (an article's own row, as in `documents`); none for the actors."""
    return "article_id" if "article_id" in columns else "id" if row_key(config) == "id" else None


def with_location(config: str, frame: pl.DataFrame) -> pl.DataFrame:
    """A generic config's rows with the location columns `locate` reads."""
    article = article_column(config, frame.columns)
    return frame.with_columns(pl.col("_file").alias("source_file"),
                              (pl.col(article).cast(pl.String) if article else pl.lit(None, pl.String))
                              .alias("article_id"),
                              pl.col(row_key(config)).cast(pl.String).alias("region_id"))


def row_problems(config: str, frame: pl.DataFrame, article_ids: pl.Series) -> list[Problem]:
    """Unique ids and articles that exist, for a config with no table layout here."""
    problems = []
    key = row_key(config)
    if key not in frame.columns:
        return problems
    located = with_location(config, frame)
    repeated = located.with_row_index("_index").filter(pl.col(key).is_duplicated())["_index"]
    if len(repeated):
        problems += duplicate_id_problems(config, located, key, repeated)
    if "article_id" in frame.columns:
        problems += collect([unknown_articles_in(config, located, article_ids, ARTICLES_IN)])
    return problems


def _outside(value: pl.Expr, label: ClassLabel) -> pl.Expr:
    return value.is_not_null() & ~value.is_between(0, label.num_classes - 1)


def label_id_problems(config: str, frame: pl.DataFrame, features: Features,
                      skip: Iterable[str] = ()) -> list[Problem]:
    """Every ClassLabel id of a config outside its ClassLabel, but for the paths in `skip`;
    located at the nearest item with an id (else the row), the message giving the exact path.

    Lists are exploded one level at a time, with the item's index kept as a number; a list of
    labels (`ner_tags`) is first narrowed to the rows that hold a bad id, so the tokens of a
    whole corpus are never one row each."""
    skip = set(skip)
    problems: list[Problem] = []
    article, key = article_column(config, frame.columns), row_key(config)

    def report(rows: pl.DataFrame, label: ClassLabel, path: str, indices: list[str]) -> None:
        n = label.num_classes
        for row in rows.filter(_outside(pl.col("_v"), label)).iter_rows(named=True):
            at_path = path
            for index in indices:
                at_path = at_path.replace("[]", f"[{row[index]}]", 1)
            located = frame.row(row["_row"], named=True)
            problems.append(problem(
                "unknown-label", f"{at_path} is label id {row['_v']}, outside its ClassLabel ({n} names)",
                file=located["_file"], article_id=located[article] if article else "",
                region_id=row["_region"] if row["_region"] is not None else located[key],
                expected=f"an id from 0 to {n - 1}", field=f"{config}.{path}", hint=HINT_RELEASE))

    def walk(rows: pl.DataFrame, feature, path: str, indices: list[str]) -> None:
        if isinstance(feature, ClassLabel):
            report(rows, feature, path, indices)
        elif isinstance(feature, dict):
            for name, inner in feature.items():
                if has_label(inner) and f"{path}.{name}" not in skip:
                    walk(rows.with_columns(pl.col("_v").struct.field(name).alias("_v")), inner,
                         f"{path}.{name}", indices)
        elif isinstance(feature, List):
            inner, index = feature.feature, f"_i{len(indices)}"
            rows = rows.filter(pl.col("_v").list.len() > 0)
            if isinstance(inner, ClassLabel):
                rows = rows.filter(pl.col("_v").list.eval(_outside(pl.element(), inner)).list.any())
            items = rows.with_columns(pl.int_ranges(pl.col("_v").list.len()).alias(index)).explode("_v", index)
            if isinstance(inner, dict) and "id" in inner:
                items = items.with_columns(pl.col("_v").struct.field("id").alias("_region"))
            walk(items, inner, f"{path}[]", [*indices, index])

    for name, feature in features.items():
        if has_label(feature) and name not in skip and name in frame.columns:
            walk(frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
                              pl.lit(None, pl.String).alias("_region"), pl.col(name).alias("_v")),
                 feature, name, [])
    return problems


NER_ROWS = 1_000
"""Rows of a token config checked at once: one row per token is made for these only."""
TOKEN_CONFIGS = ("ner", "ner_sentences")


def token_problems(config: str, frame: pl.DataFrame, lookup: pl.DataFrame) -> list[Problem]:
    """The tokens of `ner` (an article a row) or `ner_sentences` (a sentence a row): as many
    offsets and tags as tokens, offsets ordered and inside the article, each token equal to
    `text[start:end]`; and a sentence's own span (a text-free release has no tokens or texts)."""
    if not {"token_starts", "token_ends", "ner_tags", "tokens"} <= set(frame.columns):
        return []
    problems = [p for part in frame.iter_slices(NER_ROWS) for p in _token_batch(config, part, lookup)]
    if {"start", "end", "text"} <= set(frame.columns):
        sentences = with_location(config, frame).select(
            "article_id", "source_file", "region_id", "start", "end", pl.col("text").cast(pl.String),
            pl.lit(None, pl.String).alias("export_text"))
        problems += span_problems(config, sentences, lookup, "start", "end", "text")
    return problems


def span_problems(config: str, spans: pl.DataFrame, lookup: pl.DataFrame, start: str, end: str,
                  text: str) -> list[Problem]:
    """Spans (article_id, source_file, region_id, start, end, text, export_text) of a config:
    a start before the text, an empty or reversed span, and otherwise validate's span query;
    `start`, `end` and `text` name the config's columns in messages."""
    problems = []
    for row in spans.filter((pl.col("start") < 0) | (pl.col("end") <= pl.col("start"))).iter_rows(named=True):
        where = {"_file": row["source_file"], "_article": row["article_id"], "_annotation": None,
                 "_region": row["region_id"]}
        if row["start"] < 0:
            problems.append(at(where, "offset-range", f"span starts before the text: start {row['start']}",
                               expected="start >= 0", field=f"{config}.{start}", hint=HINT_RELEASE))
        else:
            problems.append(at(where, "offset-order", f"empty or reversed span: start {row['start']}, "
                               f"end {row['end']}", expected="end > start", field=f"{config}.{end}",
                               hint=HINT_RELEASE))
    ordered = spans.filter((pl.col("start") >= 0) & (pl.col("end") > pl.col("start")))
    return problems + collect([span_check(config, ordered, lookup, f"{config}.{text}")])


def _token_batch(config: str, frame: pl.DataFrame, lookup: pl.DataFrame) -> list[Problem]:
    n = pl.col("token_starts").list.len()
    same = ((pl.col("token_ends").list.len() == n) & (pl.col("ner_tags").list.len() == n)
            & (pl.col("tokens").is_null() | (pl.col("tokens").list.len() == n))).fill_null(False)
    located = with_location(config, frame)
    problems = [
        at({"_file": row["_file"], "_article": row["article_id"], "_annotation": None, "_region": row["id"]},
           "invalid-value", f"{config} row has {row['t']} tokens, {row['s']} token_starts, {row['e']} "
           f"token_ends and {row['g']} ner_tags", expected="one offset pair and one tag per token",
           field=f"{config}.token_starts", hint=HINT_RELEASE)
        for row in located.filter(~same).select(
            "_file", "article_id", "id", t=pl.col("tokens").list.len(), s=n,
            e=pl.col("token_ends").list.len(), g=pl.col("ner_tags").list.len()).iter_rows(named=True)]
    # A token is named by its index, after its sentence's id in `ner_sentences` (a `ner` row's id
    # is its article's). The other lists are left out: they would repeat per token.
    good = located.filter(same).select("article_id", "source_file", "tokens", "token_starts", "token_ends",
                                       pl.int_ranges(n).alias("_i"),
                                       pl.when(pl.col("id") != pl.col("article_id")).then(pl.col("id"))
                                       .alias("_row"))
    with_text = good.filter(pl.col("tokens").is_not_null()).explode("tokens", "token_starts", "token_ends", "_i")
    without = (good.filter(pl.col("tokens").is_null()).explode("token_starts", "token_ends", "_i")
               .with_columns(pl.lit(None, pl.String).alias("tokens")))
    token = pl.format("token {}", "_i")
    tokens = pl.concat([part.select(
        "article_id", "source_file",
        pl.when(pl.col("_row").is_null()).then(token).otherwise(pl.format("{} token {}", "_row", "_i"))
        .alias("region_id"),
        pl.col("token_starts").alias("start"), pl.col("token_ends").alias("end"),
        pl.col("tokens").cast(pl.String).alias("text"), pl.lit(None, pl.String).alias("export_text"))
        for part in (with_text, without)])
    return problems + span_problems(config, tokens, lookup, "token_starts", "token_ends", "tokens")
