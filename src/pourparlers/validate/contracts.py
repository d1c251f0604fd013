"""The Pandera contracts of the normalized tables, generated from `tables.SCHEMAS` (columns,
types, nullability) and the taxonomy (label sets), so neither is copied by hand.

Each column's `metadata["rules"]` says what a failure of its check number N means (problem
code and wording), and the schema's `metadata["rules"]` does the same for dataframe checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from pourparlers.errors import HINT_CONVERT, HINT_METADATA, HINT_OFFSETS, HINT_RELABEL
from pourparlers.tables import DATE_PRECISIONS, LAYERS, SCHEMAS
from pourparlers.taxonomy import Taxonomy

TAXONOMY_FILE = "schema/taxonomy.yaml"
DATE_PATTERN = {"day": r"^\d{4}-\d{2}-\d{2}$", "month": r"^\d{4}-\d{2}$", "year": r"^\d{4}$"}
SHA256_PATTERN = r"^[0-9a-f]{64}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
ID_COLUMN = {"articles": "article_id", "entities": "mention_id", "events": "event_id",
             "stances": "stance_id"}


@dataclass(frozen=True)
class Rule:
    """What a failed contract check means: the problem code and how to word it.

    `message` is a template over the row's `columns` (already quoted for display).
    """

    code: str
    message: str
    columns: tuple[str, ...] = ()
    expected: str = ""
    field: str = ""
    hint: str = ""

def polars_types(name: str) -> dict[str, pl.DataType]:
    return dict(pl.from_arrow(SCHEMAS[name].empty_table()).schema)

def _required_hints(taxonomy: Taxonomy) -> dict[tuple[str, str], str]:
    """Columns nullable in the Arrow layout (so convert can keep the row) but required here."""
    controls = taxonomy.controls

    def choose(control: str) -> str:
        return (f"choose a value in the '{controls[control]}' choices of this region in Label "
                "Studio and export again")

    return {
        ("events", "realis"): choose("realis"),
        ("stances", "target"): choose("stance_target"),
        ("stances", "polarity"): choose("stance_polarity"),
        ("stances", "attribution"): choose("stance_attribution"),
        ("event_arguments", "role"): "label the relation with a role in Label Studio and export again",
    }


def _end_after_start(data) -> object:
    frame = data.lazyframe
    schema = frame.collect_schema()
    if not all(name in schema and schema[name].is_integer() for name in ("start", "end")):
        return True  # reported as missing-column / wrong-dtype instead
    return frame.select((pl.col("end") > pl.col("start")).alias("ok"))


def repeated(hashes: pl.LazyFrame) -> pl.LazyFrame:
    """The values of the one column `_hash` that occur more than once.

    Found by sorting: on 2M 64-bit hashes about twice as fast as a group-by, with a third of
    its memory.
    """
    ordered = hashes.sort("_hash")
    return ordered.filter(pl.col("_hash") == pl.col("_hash").shift(1)).unique()


def _unique_values(data) -> object:
    """Column values are unique, like `Column(unique=True)`, whose `is_duplicated` over
    millions of strings is the slowest part of a contract: 64-bit hashes that repeat
    (`repeated`) give the candidates first, and only those are compared exactly.
    """
    frame, column = data.lazyframe, pl.col(data.key)
    hashed = column.hash()
    candidates = repeated(frame.select(hashed.alias("_hash"))).collect()["_hash"]
    if candidates.is_empty():
        return True
    values = frame.filter(hashed.is_in(candidates.implode())).select(column).collect().to_series()
    twice = values.filter(values.is_duplicated() & values.is_not_null())
    return frame.select(~column.is_in(twice.implode()))


def _date_matches_precision(data) -> object:
    frame = data.lazyframe
    schema = frame.collect_schema()
    if not all(schema.get(name) == pl.String for name in ("published", "date_precision")):
        return True
    published, precision = pl.col("published"), pl.col("date_precision")
    ok = pl.when(precision == "unknown").then(published.is_null())
    for level, pattern in DATE_PATTERN.items():
        shaped = published.str.contains(pattern).fill_null(False)
        ok = ok.when(precision == level).then(shaped & _calendar_date(published, level))
    return frame.select(ok.otherwise(True).alias("ok"))


def _calendar_date(published: pl.Expr, level: str) -> pl.Expr:
    """A real date of the calendar (no 2025-13-45, no 2025-02-30): the day's date, or the first
    day of the month or year, parsed."""
    whole = {"day": published, "month": published + "-01", "year": published + "-01-01"}[level]
    return whole.str.to_date("%Y-%m-%d", strict=False).is_not_null()


def _column_checks(name: str, column: str,
                   label: tuple[tuple[str, ...], str] | None) -> list[tuple[pa.Check, Rule]]:
    """The value checks of one column, each with the rule that words its failures."""
    field = f"{name}.{column}"
    pairs: list[tuple[pa.Check, Rule]] = []
    if ID_COLUMN.get(name) == column:
        pairs.append((pa.Check(_unique_values, name="unique_values", error="unique values"),
                      Rule("duplicate-id", "(worded by fused.duplicate_id_problems)", (column,))))
    if label is not None:
        values, path = label
        pairs.append((pa.Check.isin(list(values)), Rule(
            "unknown-label", f"{column} {{{column}}} is not defined in the taxonomy", (column,),
            ", ".join(values), f"{TAXONOMY_FILE}: {path}", HINT_RELABEL)))
    if column == "start":
        pairs.append((pa.Check.ge(0), Rule(
            "offset-range", "span starts before the text: start {start}", ("start",),
            "start >= 0", field, HINT_OFFSETS)))
    if column == "layer":
        pairs.append((pa.Check.isin(list(LAYERS)), Rule(
            "invalid-value", "layer {layer} is neither gold nor alternate", (column,),
            ", ".join(LAYERS), field, HINT_CONVERT)))
    if name != "articles":
        return pairs
    if column == "text_sha256":
        pairs.append((pa.Check.str_matches(SHA256_PATTERN), Rule(
            "invalid-value", "text_sha256 {text_sha256} is not a SHA-256 hex digest", (column,),
            "64 lowercase hexadecimal digits", field, HINT_CONVERT)))
    elif column == "date_precision":
        pairs.append((pa.Check.isin(list(DATE_PRECISIONS)), Rule(
            "invalid-value", "date_precision {date_precision} is not a known precision",
            (column,), ", ".join(DATE_PRECISIONS), field, HINT_METADATA)))
    elif column == "language":
        pairs.append((pa.Check.str_matches(LANGUAGE_PATTERN), Rule(
            "invalid-value", "language {language} is not a BCP 47 language tag", (column,),
            "a tag such as fr", field, HINT_METADATA)))
    elif column == "n_chars":
        pairs.append((pa.Check.ge(0), Rule(
            "invalid-value", "n_chars {n_chars} is negative", (column,), "n_chars >= 0", field,
            HINT_CONVERT)))
    return pairs


def table_contracts(taxonomy: Taxonomy) -> dict[str, pa.DataFrameSchema]:
    """One Pandera (polars backend) contract per table, generated from `tables.SCHEMAS` (columns,
    types, nullability) and the taxonomy (label sets), so neither is copied by hand.

    Each column's `metadata["rules"]` says what a failure of its check number N means, and the
    schema's `metadata["rules"]` does the same for dataframe-level checks.
    """
    labels = taxonomy.label_columns()
    required = _required_hints(taxonomy)
    contracts = {}
    for name, arrow_schema in SCHEMAS.items():
        types = polars_types(name)
        columns = {}
        for arrow_field in arrow_schema:
            column = arrow_field.name
            label = labels.get((name, column))
            pairs = _column_checks(name, column, label)
            columns[column] = pa.Column(
                types[column], checks=[check for check, _ in pairs],
                nullable=arrow_field.nullable and (name, column) not in required,
                coerce=False,
                metadata={
                    "field": f"{TAXONOMY_FILE}: {label[1]}" if label else f"{name}.{column}",
                    "expected": ", ".join(label[0]) if label else "",
                    "hint": required.get((name, column), HINT_CONVERT),
                    "rules": [rule for _, rule in pairs],
                },
            )
        frame_checks: list[pa.Check] = []
        frame_rules: list[Rule] = []
        if "start" in arrow_schema.names:
            frame_checks.append(pa.Check(_end_after_start, name="end_after_start",
                                         error="end > start"))
            frame_rules.append(Rule(
                "offset-order", "empty or reversed span: start {start}, end {end}",
                ("start", "end"), "end > start", f"{name}.end", HINT_OFFSETS))
        if name == "articles":
            frame_checks.append(pa.Check(_date_matches_precision, name="date_matches_precision",
                                         error="published matches date_precision"))
            frame_rules.append(Rule(
                "date-mismatch", "published {published} is not a calendar date of date_precision "
                "{date_precision}", ("published", "date_precision"),
                "YYYY-MM-DD (day), YYYY-MM (month), YYYY (year), none (unknown)",
                "articles.published", HINT_METADATA))
        contracts[name] = pa.DataFrameSchema(
            columns, checks=frame_checks, strict=True, name=name,
            metadata={"rules": frame_rules},
        )
    return contracts

