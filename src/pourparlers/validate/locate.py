"""Failing rows located (file, article, annotation, region) and worded as problems.

Checks find failing rows by row number with the few columns they compare; only those rows get
their location gathered, and only they become Python objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import polars as pl

from pourparlers.errors import Problem, problem

NOUN = {"articles": "article", "entities": "entity mention", "events": "event",
        "event_arguments": "event argument", "stances": "stance"}


def location_exprs(name: str, columns: Iterable[str]) -> list[pl.Expr]:
    """file, article, annotation, region of each row (articles: their raw file)."""
    present = set(columns)
    wanted = (("raw_file", "article_id", None, None) if name == "articles"
              else ("source_file", "article_id", "annotation_id", "region_id"))
    aliases = ["_file", "_article", "_annotation", "_region"]
    if name == "event_arguments":  # a relation has no id: name it by its target and role
        wanted += ("target_region_id", "role")
        aliases += ["_target", "_role"]
    exprs = []
    for alias, column in zip(aliases, wanted, strict=True):
        if column in present:
            exprs.append(pl.col(column).cast(pl.String).alias(alias))
        else:
            exprs.append(pl.lit(None, pl.String).alias(alias))
    return exprs


def gather(name: str, df: pl.DataFrame, index: pl.Series, columns: Iterable[str]) -> pl.DataFrame:
    """The located rows at `index`, with the values of `columns`."""
    wanted = [c for c in dict.fromkeys(columns) if c in df.columns]
    rows = df.select(pl.all().gather(index))
    return rows.select(*location_exprs(name, df.columns), *[pl.col(c) for c in wanted])


def locate(name: str, df: pl.DataFrame, failing: pl.DataFrame,
            columns: Iterable[str] = ()) -> pl.DataFrame:
    """Failing rows found by row number (`_row`, into `df`), with their location and
    `columns` gathered from `df`.

    A query that carries only the columns it compares, and its row number, holds less in
    its joins than one that carries the location columns of every row along.
    """
    located = gather(name, df, failing["_row"], columns)
    return pl.concat([located, failing.drop("_row")], how="horizontal")


def at(row: dict, code: str, message: str, **fields: str) -> Problem:
    """A problem located at a row selected with `location_exprs`."""
    if "_target" in row:
        message = f"relation to region {row['_target']} ({row['_role'] or 'no role'}): {message}"
    return problem(code, message, file=row["_file"] or "", article_id=row["_article"] or "",
                   annotation_id=row["_annotation"] or "", region_id=row["_region"] or "",
                   **fields)


# `json.dumps(value, ensure_ascii=False)` without building an encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False).encode


def show(value: object, limit: int = 120) -> str:
    """A value as shown in a message: strings quoted and escaped (one line), long ones cut."""
    if value is None:
        return "null"
    if isinstance(value, str):
        if len(value) > limit:
            value = value[: limit - 1] + "…"
        return _JSON(value)
    return str(value)


def one_line(text: str) -> str:
    """`text` with its line breaks escaped, for one-line messages and logs."""
    return text.replace("\r", "\\r").replace("\n", "\\n")
