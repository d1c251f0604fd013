"""Validate the normalized tables: Pandera contracts generated from the taxonomy, then the
integrity checks a per-table contract cannot express (offsets into the article text, references
between tables, roles per event type, stance holders).

Every failure becomes a `Problem` located by file, article, annotation and region; nothing stops
at the first one. Checks are vectorised polars queries, and Python only touches failing rows, so
a corpus with 1 % bad rows costs about what a clean one does. The contracts are Pandera's (polars
backend): their checks run fused in one query per table, and Pandera itself words the failures
of the rows and checks that query found failing (`_run_contract`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pyarrow
from pandera.api.polars.types import PolarsData
from pandera.backends.polars.checks import PolarsCheckBackend
from pandera.constants import CHECK_OUTPUT_KEY
from pandera.errors import SchemaError, SchemaErrors

from pourparlers.errors import Problem, problem
from pourparlers.tables import DATE_PRECISIONS, SCHEMAS
from pourparlers.taxonomy import Taxonomy

TAXONOMY_FILE = "schema/taxonomy.yaml"
AUTHORIAL = "AUTHORIAL"  # the attribution of the outlet's own voice: the one without a holder
LAYERS = ("gold", "alternate")
DATE_PATTERN = {"day": r"^\d{4}-\d{2}-\d{2}$", "month": r"^\d{4}-\d{2}$", "year": r"^\d{4}$"}
SHA256_PATTERN = r"^[0-9a-f]{64}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"

SPAN_TABLES = ("entities", "events", "stances")
ANNOTATION_TABLES = ("entities", "events", "event_arguments", "stances")
ID_COLUMN = {"articles": "article_id", "entities": "mention_id", "events": "event_id",
             "stances": "stance_id"}
NOUN = {"articles": "article", "entities": "entity mention", "events": "event",
        "event_arguments": "event argument", "stances": "stance"}

HINT_CONVERT = ("the tables come from `pourparlers convert` (articles from raw/): re-run it, and "
                "report a bug if this persists")
HINT_RELABEL = ("relabel the region in Label Studio and export again, or add the value to "
                f"{TAXONOMY_FILE} and run `pourparlers schema`")
HINT_METADATA = "fix the article's metadata in raw/<article_id>.json"
HINT_OFFSETS = ("Label Studio stores code-point offsets; a shift usually means UTF-16 offsets "
                "(emoji or other non-BMP characters before the span) or an article text changed "
                "after export: fix the region in Label Studio, re-export into annotations/, then "
                "`pourparlers convert`")

# The checklist: each check and the problem codes it reports, in the order shown to users.
CHECKS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (name, frozenset(codes)) for name, codes in (
        ("tables have the expected columns and types",
         ("missing-table", "missing-column", "unexpected-column", "wrong-dtype", "contract-error")),
        ("required values are present", ("missing-value",)),
        (f"labels are defined in {TAXONOMY_FILE}", ("unknown-label",)),
        ("values are well-formed (hash, date, language, layer)", ("invalid-value", "date-mismatch")),
        ("ids are unique", ("duplicate-id",)),
        ("every row's article exists", ("unknown-article",)),
        ("offsets are ordered and inside the article text", ("offset-range", "offset-order")),
        ("span text equals text[start:end]", ("span-text-mismatch",)),
        ("article text matches its SHA-256 and length", ("hash-mismatch", "n-chars-mismatch")),
        ("references resolve within their annotation", ("dangling-reference",)),
        ("event roles are allowed for the event type", ("role-not-allowed",)),
        ("argument fillers have an allowed entity type", ("filler-type-not-allowed",)),
        ("stance holders have an allowed entity type", ("holder-type-not-allowed",)),
        ("stance holder agrees with its attribution", ("stance-holder",)),
        ("no span or relation is annotated twice", ("duplicate-span", "duplicate-relation")),
        ("one gold annotation per article", ("gold-conflict",)),
    )
)
OTHER_CHECK = "raw/ and annotations/ read without loss (ingest, convert)"

# Integrity checks and the tables each needs; a check whose tables are malformed is not run.
NEEDS = {
    "every row's article exists": ("articles", *ANNOTATION_TABLES),
    "offsets are ordered and inside the article text": ("articles", *SPAN_TABLES),
    "span text equals text[start:end]": ("articles", *SPAN_TABLES),
    "article text matches its SHA-256 and length": ("articles",),
    "references resolve within their annotation": ("entities", "events", "event_arguments",
                                                   "stances"),
    "event roles are allowed for the event type": ("entities", "events", "event_arguments"),
    "argument fillers have an allowed entity type": ("entities", "events", "event_arguments"),
    "stance holders have an allowed entity type": ("entities", "stances"),
    "stance holder agrees with its attribution": ("entities", "stances"),
    "no span or relation is annotated twice": ("entities", "events", "event_arguments",
                                               "stances"),
    "one gold annotation per article": ANNOTATION_TABLES,
    "ids are unique": SPAN_TABLES,
}


# A check across rows or tables: the lazy query of its failing rows, and how to word them.
Pending = tuple[pl.LazyFrame, Callable[[pl.DataFrame], list[Problem]]]


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


@dataclass
class ValidationReport:
    """Everything wrong with the data, and the checklist that says which checks found it."""

    problems: list[Problem]
    checks: list[tuple[str, bool, int]]

    @property
    def ok(self) -> bool:
        return not self.problems and all(passed for _, passed, _ in self.checks)


# --------------------------------------------------------------------------- contracts


def _polars_types(name: str) -> dict[str, pl.DataType]:
    return dict(pl.from_arrow(SCHEMAS[name].empty_table()).schema)


def _labels(taxonomy: Taxonomy) -> dict[tuple[str, str], tuple[tuple[str, ...], str]]:
    """Every label column and the taxonomy list it must come from (with its YAML path)."""
    return {
        ("entities", "type"): (taxonomy.entity_types, "entity_types"),
        ("events", "type"): (taxonomy.event_types, "event_types"),
        ("events", "realis"): (taxonomy.realis, "realis"),
        ("event_arguments", "role"): (taxonomy.roles, "event_types[*].roles"),
        ("stances", "target"): (taxonomy.stance_targets, "stance.targets"),
        ("stances", "polarity"): (taxonomy.polarities, "stance.polarities"),
        ("stances", "attribution"): (taxonomy.attributions, "stance.attributions"),
    }


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


def _repeated(hashes: pl.LazyFrame) -> pl.LazyFrame:
    """The values of the one column `_hash` that occur more than once.

    Found by sorting: on 2M 64-bit hashes about twice as fast as a group-by, with a third of
    its memory.
    """
    ordered = hashes.sort("_hash")
    return ordered.filter(pl.col("_hash") == pl.col("_hash").shift(1)).unique()


def _unique_values(data) -> object:
    """Column values are unique, like `Column(unique=True)`, whose `is_duplicated` over
    millions of strings is the slowest part of a contract: 64-bit hashes that repeat
    (`_repeated`) give the candidates first, and only those are compared exactly.
    """
    frame, column = data.lazyframe, pl.col(data.key)
    hashed = column.hash()
    candidates = _repeated(frame.select(hashed.alias("_hash"))).collect()["_hash"]
    if candidates.is_empty():
        return True
    values = frame.filter(hashed.is_in(candidates.implode())).select(column).collect().to_series()
    repeated = values.filter(values.is_duplicated() & values.is_not_null())
    return frame.select(~column.is_in(repeated.implode()))


def _date_matches_precision(data) -> object:
    frame = data.lazyframe
    schema = frame.collect_schema()
    if not all(schema.get(name) == pl.String for name in ("published", "date_precision")):
        return True
    published, precision = pl.col("published"), pl.col("date_precision")
    ok = pl.when(precision == "unknown").then(published.is_null())
    for level, pattern in DATE_PATTERN.items():
        ok = ok.when(precision == level).then(published.str.contains(pattern).fill_null(False))
    return frame.select(ok.otherwise(True).alias("ok"))


def _column_checks(name: str, column: str,
                   label: tuple[tuple[str, ...], str] | None) -> list[tuple[pa.Check, Rule]]:
    """The value checks of one column, each with the rule that words its failures."""
    field = f"{name}.{column}"
    pairs: list[tuple[pa.Check, Rule]] = []
    if ID_COLUMN.get(name) == column:
        pairs.append((pa.Check(_unique_values, name="unique_values", error="unique values"),
                      Rule("duplicate-id", "(worded by _duplicate_id_problems)", (column,))))
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
    labels = _labels(taxonomy)
    required = _required_hints(taxonomy)
    contracts = {}
    for name, arrow_schema in SCHEMAS.items():
        types = _polars_types(name)
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
                "date-mismatch", "published {published} does not match date_precision "
                "{date_precision}", ("published", "date_precision"),
                "YYYY-MM-DD (day), YYYY-MM (month), YYYY (year), none (unknown)",
                "articles.published", HINT_METADATA))
        contracts[name] = pa.DataFrameSchema(
            columns, checks=frame_checks, strict=True, name=name,
            metadata={"rules": frame_rules},
        )
    return contracts


# --------------------------------------------------------------------------- locating rows


def _location_exprs(name: str, columns: Iterable[str]) -> list[pl.Expr]:
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


def _gather(name: str, df: pl.DataFrame, index: pl.Series, columns: Iterable[str]) -> pl.DataFrame:
    """The located rows at `index`, with the values of `columns`."""
    wanted = [c for c in dict.fromkeys(columns) if c in df.columns]
    rows = df.select(pl.all().gather(index))
    return rows.select(*_location_exprs(name, df.columns), *[pl.col(c) for c in wanted])


def _locate(name: str, df: pl.DataFrame, failing: pl.DataFrame,
            columns: Iterable[str] = ()) -> pl.DataFrame:
    """Failing rows found by row number (`_row`, into `df`), with their location and
    `columns` gathered from `df`.

    A query that carries only the columns it compares, and its row number, holds less in
    its joins than one that carries the location columns of every row along.
    """
    located = _gather(name, df, failing["_row"], columns)
    return pl.concat([located, failing.drop("_row")], how="horizontal")


def _at(row: dict, code: str, message: str, **fields: str) -> Problem:
    """A problem located at a row selected with `_location_exprs`."""
    if "_target" in row:
        message = f"relation to region {row['_target']} ({row['_role'] or 'no role'}): {message}"
    return problem(code, message, file=row["_file"] or "", article_id=row["_article"] or "",
                   annotation_id=row["_annotation"] or "", region_id=row["_region"] or "",
                   **fields)


# `json.dumps(value, ensure_ascii=False)` without building an encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _show(value: object, limit: int = 120) -> str:
    """A value as shown in a message: strings quoted and escaped (one line), long ones cut."""
    if value is None:
        return "null"
    if isinstance(value, str):
        if len(value) > limit:
            value = value[: limit - 1] + "…"
        return _JSON(value)
    return str(value)


# --------------------------------------------------------------------------- contract problems


def _plain(contract: pa.DataFrameSchema) -> bool:
    """The contract only checks (no parsing, coercion, defaults or regex columns): what
    `_failing_rows` knows how to run; anything else goes to Pandera whole."""
    return (not contract.coerce and not contract.unique and not contract.ordered
            and not contract.add_missing_columns and not contract.parsers
            and not contract.drop_invalid_rows
            and all(not column.coerce and not column.regex and column.required
                    and column.default is None and not column.parsers
                    and not column.drop_invalid_rows for column in contract.columns.values()))


def _check_output(check: pa.Check, frame: pl.LazyFrame, key: str) -> pl.LazyFrame | bool:
    """A check's boolean output per row, computed by Pandera's own check backend (same
    function, same reduction of multi-column outputs, same treatment of nulls) but not
    collected yet."""
    builtin = getattr(check._check_fn, "__name__", None)
    if builtin is not None and check.is_builtin_check(builtin):  # as `Check.__call__` does
        check._check_fn = check.get_builtin_check_fn(builtin)
    backend_class = check.get_backend(frame)
    if backend_class is not PolarsCheckBackend:
        raise TypeError("another Pandera check backend is configured")
    backend = backend_class(check)
    out = backend.apply(PolarsData(backend.preprocess(frame, key), key))
    if isinstance(out, bool):
        return out
    result = pl.col(CHECK_OUTPUT_KEY)
    return out.select(result | result.is_null() if check.ignore_na else result.fill_null(False))


def _failing_rows(df: pl.DataFrame,
                  contract: pa.DataFrameSchema) -> tuple[pl.Series, pa.DataFrameSchema] | None:
    """The rows that fail a value check of the contract, found in one fused query, and the
    contract narrowed to the checks they fail.

    Pandera's polars backend collects once per check (and again for its bookkeeping); here
    every check's row output is concatenated side by side and collected once. None means
    the table needs Pandera as a whole: columns or types are wrong, a check failed for the
    whole table, or the contract uses features this pass does not run.
    """
    if not _plain(contract) or set(df.columns) != set(contract.columns):
        return None
    frame = df.lazy()
    outputs: list[tuple[str | int, pl.LazyFrame | bool]] = []  # (column | frame check number)
    try:
        contract.register_default_backends(pl.LazyFrame)  # as `validate` does first
        for column_name, column in contract.columns.items():
            dtype = df.schema[column_name]
            if column.dtype is not None and not column.dtype.check(
                    dtype, PolarsData(frame.select(column_name), column_name)):
                return None
            value = pl.col(column_name)
            if not column.nullable:
                present = value.is_not_null()
                outputs.append((column_name, frame.select(
                    present & value.is_not_nan() if dtype.is_float() else present)))
            if column.unique:
                outputs.append((column_name, frame.select(~value.is_duplicated())))
            outputs += [(column_name, _check_output(check, frame, column_name))
                        for check in column.checks]
        outputs += [(number, _check_output(check, frame, "*"))
                    for number, check in enumerate(contract.checks)]
        if any(out is False for _, out in outputs):
            return None
        frames = [out.select(pl.all().alias(f"_{i}"))
                  for i, (_, out) in enumerate(outputs) if not isinstance(out, bool)]
        flags = (pl.concat(frames, how="horizontal").collect() if frames
                 else pl.DataFrame(height=df.height))
    except Exception:  # noqa: BLE001 - Pandera reports a check that cannot run
        return None
    if flags.height != df.height:
        return None
    failed = flags.select(pl.all().not_().any()).row(0, named=True)
    failing = {outputs[int(key[1:])][0] for key, bad in failed.items() if bad}
    rows = (flags.with_row_index().filter(~pl.all_horizontal(pl.exclude("index")))
            .get_column("index")) if failing else pl.Series("index", [], pl.UInt32)
    numbers = sorted(n for n in failing if isinstance(n, int))
    narrowed = pa.DataFrameSchema(
        {c: column for c, column in contract.columns.items() if c in failing},
        checks=[contract.checks[n] for n in numbers], strict=False, name=contract.name,
        metadata={"rules": [contract.metadata["rules"][n] for n in numbers]})
    return rows, narrowed


def _run_contract(name: str, df: pl.DataFrame, contract: pa.DataFrameSchema) -> list[Problem]:
    """Pandera's report on the rows and checks the fused pass found failing (or on the whole
    table when that pass cannot decide), with failure-case indices mapped back to `df`.

    Pandera there finds what it finds on the whole table because every check of the contracts
    is row-wise except `_unique_values`, and the rows it fails include every repetition of a
    repeated value; a check that no row fails has no failure case to lose.
    """
    failing = _failing_rows(df, contract)
    if failing is None:
        return _run_contract_whole(name, df, contract)
    rows, narrowed = failing
    if rows.is_empty():
        return []
    try:
        narrowed.validate(df[rows], lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        if cases["index"].has_nulls():  # a failure of the whole table: word it on all of it
            return _run_contract_whole(name, df, contract)
        cases = cases.with_columns(rows.gather(cases["index"]).alias("index"))
        return _failure_problems(name, df, narrowed, cases)
    except SchemaError:
        return _run_contract_whole(name, df, contract)
    return []


def _run_contract_whole(name: str, df: pl.DataFrame,
                        contract: pa.DataFrameSchema) -> list[Problem]:
    try:
        contract.validate(df, lazy=True)
    except SchemaErrors as errors:
        return _failure_problems(name, df, contract, errors.failure_cases)
    except SchemaError as error:
        return [problem("contract-error", f"table {name}: {error}", field=name)]
    return []


def _failure_problems(name: str, df: pl.DataFrame, contract: pa.DataFrameSchema,
                      failure_cases: pl.DataFrame) -> list[Problem]:
    """Turn Pandera's failure cases into Problems, mapping each row index back to the row."""
    problems = []
    table_cases = failure_cases.filter(pl.col("index").is_null())
    # a value check cannot run on a column of the wrong type: report the type only
    wrong_type = set(table_cases.filter(pl.col("check").str.starts_with("dtype("))["column"])
    for case in table_cases.iter_rows(named=True):
        if case["column"] in wrong_type and not case["check"].startswith("dtype("):
            continue
        problems.append(_table_problem(name, contract, case))
    rows = failure_cases.filter(pl.col("index").is_not_null())
    groups = rows.group_by(["schema_context", "column", "check", "check_number"],
                           maintain_order=True)
    for (context, column, check, number), group in groups:
        index = group["index"]
        if context == "DataFrameSchema" and number is not None:
            rule = contract.metadata["rules"][number]
        elif check == "not_nullable":
            meta = contract.columns[column].metadata
            rule = Rule("missing-value",
                        f"{NOUN[name]} has no {column} ({name}.{column} is null)", (),
                        meta["expected"], meta["field"], meta["hint"])
        elif check == "field_uniqueness":
            problems += _duplicate_id_problems(name, df, column, index)
            continue
        elif number is not None:
            rule = contract.columns[column].metadata["rules"][number]
            if rule.code == "duplicate-id":
                problems += _duplicate_id_problems(name, df, column, index)
                continue
        else:
            rule = Rule("contract-error", f"check {check} failed on {name}.{column}", (),
                        field=f"{name}.{column}", hint=HINT_CONVERT)
        located = _gather(name, df, index, rule.columns)
        for row in located.iter_rows(named=True):
            values = {c: _show(row.get(c)) for c in rule.columns}
            problems.append(_at(row, rule.code, rule.message.format(**values),
                                expected=rule.expected, field=rule.field, hint=rule.hint))
    return problems


def _table_problem(name: str, contract: pa.DataFrameSchema, case: dict) -> Problem:
    check, column, value = case["check"], case["column"], case["failure_case"]
    if check == "column_in_dataframe":
        expected = str(contract.columns[value].dtype) if value in contract.columns else ""
        return problem("missing-column", f"table {name} has no column {value}",
                       expected=expected, field=f"{name}.{value}", hint=HINT_CONVERT)
    if check == "column_in_schema":
        return problem("unexpected-column", f"table {name} has a column {value} that "
                       "src/pourparlers/tables.py does not define",
                       expected=", ".join(contract.columns), field=name, hint=HINT_CONVERT)
    if check and check.startswith("dtype("):
        return problem("wrong-dtype", f"column {name}.{column} has type {value}",
                       expected=str(contract.columns[column].dtype), field=f"{name}.{column}",
                       hint=HINT_CONVERT)
    return problem("contract-error",
                   f"check {check} on {name}.{column} could not run: {_one_line(str(value))}",
                   field=f"{name}.{column}", hint=HINT_CONVERT)


def _duplicate_id_problems(name: str, df: pl.DataFrame, column: str,
                           index: pl.Series) -> list[Problem]:
    located = _gather(name, df, index, [column])
    counts = Counter(located[column].to_list())
    return [
        _at(row, "duplicate-id",
            f"{column} {_show(row[column])} is used by {counts[row[column]]} rows of {name}",
            expected=f"each {column} once", field=f"{name}.{column}",
            hint="a region or an article was read twice: look for a duplicated export or "
                 "metadata file")
        for row in located.iter_rows(named=True)
    ]


# --------------------------------------------------------------------------- integrity


# Columns that only the contracts check: the integrity checks never read them, so their
# polars copies are dropped after the contracts, before the joins.
CONTRACT_ONLY = frozenset({"task_id", "annotator", "canonical_id", "realis", "polarity", "title",
                           "source", "url", "published", "date_precision", "language", "notes"})


def _usable(name: str, df: pl.DataFrame, unread: Iterable[str] = ()) -> pl.DataFrame | None:
    """The table in its declared layout without its `CONTRACT_ONLY` columns, or None when it
    cannot be read as such; `unread` columns were checked on the Arrow table instead."""
    unread = set(unread)
    types = {c: t for c, t in _polars_types(name).items() if c not in unread}
    if any(column not in df.columns for column in types):
        return None
    try:
        frame = df.select([pl.col(c).cast(t, strict=True) for c, t in types.items()])
    except pl.exceptions.PolarsError:
        return None
    return frame.drop(*(c for c in types if c in CONTRACT_ONLY))


def _flag(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null(False)


def _same_annotation(prefix: str) -> pl.Expr:
    return _flag((pl.col(f"{prefix}_article") == pl.col("article_id"))
                 & (pl.col(f"{prefix}_annotation") == pl.col("annotation_id")))


def _one_per_key(frame: pl.LazyFrame, key: str, duplicated: bool) -> pl.DataFrame:
    """A lookup table with one row per key (the first), so a left join never adds rows.

    Deduplicating costs a hash pass; it is skipped when the contract found the ids unique.
    """
    if duplicated:
        frame = frame.unique(key, keep="first", maintain_order=True)
    return frame.collect()


def _article_lookup(articles: pl.DataFrame, duplicated: bool) -> pl.DataFrame:
    """article_id -> text and its length, one row per article, in one chunk (see `_spans`)."""
    frame = articles.lazy().select("article_id", pl.col("text").alias("_doc"),
                                   pl.col("text").str.len_chars().alias("_doc_len"))
    return _one_per_key(frame, "article_id", duplicated).rechunk()


def _unknown_articles(name: str, df: pl.DataFrame, article_ids: pl.Series) -> Pending:
    missing = (df.lazy()
               .filter(~pl.col("article_id").is_in(article_ids.implode()))
               .select(_location_exprs(name, df.columns)))

    def report(missing: pl.DataFrame) -> list[Problem]:
        return [
            _at(row, "unknown-article",
                f"{NOUN[name]} refers to article {_show(row['_article'])}, which is not in raw/",
                field="articles.article_id",
                hint="ingest the article with `pourparlers ingest`, or remove the export of an "
                     "article that is not in raw/")
            for row in missing.iter_rows(named=True)
        ]
    return missing, report


def _spans(name: str, df: pl.DataFrame, lookup: pl.DataFrame) -> Pending:
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
            _flag(has_doc & ordered & ~inside).alias("_outside"),
            _flag(pl.col("_span").is_not_null() & (pl.col("text") != pl.col("_span")))
            .alias("_text_bad"),
            _flag(pl.col("_span").is_not_null() & pl.col("export_text").is_not_null()
                  & (pl.col("export_text") != pl.col("_span"))).alias("_export_bad"),
        )
        .filter(pl.col("_outside") | pl.col("_text_bad") | pl.col("_export_bad"))
        .select("_row", "_span", "_doc_len", "_outside", "_text_bad", "_export_bad")
    )

    def report(failing: pl.DataFrame) -> list[Problem]:
        problems = []
        located = _locate(name, df, failing, ["start", "end", "text", "export_text"])
        for row in located.iter_rows(named=True):
            s, e = row["start"], row["end"]
            if row["_outside"]:
                problems.append(_at(
                    row, "offset-range",
                    f"span [{s}:{e}] ends after the article text ({row['_doc_len']} characters)",
                    expected=f"0 <= start < end <= {row['_doc_len']}", field=f"{name}.end",
                    hint=HINT_OFFSETS))
                continue
            shown = f"text[{s}:{e}] is {_show(row['_span'])}"
            parts = []
            if row["_text_bad"]:
                parts.append(f"the span text is {_show(row['text'])}")
            if row["_export_bad"]:
                parts.append(f"the Label Studio export says {_show(row['export_text'])}")
            problems.append(_at(row, "span-text-mismatch", f"{shown} but " + " and ".join(parts),
                                expected=_show(row["_span"]), field=f"{name}.text",
                                hint=HINT_OFFSETS))
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


def _articles(articles: pl.DataFrame, digests: list[str | None]) -> Pending:
    checked = articles.lazy().select(
        *_location_exprs("articles", articles.columns), "text_sha256", "n_chars",
        pl.col("text").str.len_chars().alias("_len"),
        pl.Series("_sha", digests, dtype=pl.String),
    )
    failing = checked.filter(
        _flag(pl.col("text_sha256").str.contains(SHA256_PATTERN)
              & (pl.col("text_sha256") != pl.col("_sha")))
        | _flag(pl.col("n_chars") != pl.col("_len"))
    )

    def report(failing: pl.DataFrame) -> list[Problem]:
        problems = []
        for row in failing.iter_rows(named=True):
            if row["_sha"] is not None and row["text_sha256"] != row["_sha"]:
                problems.append(_at(
                    row, "hash-mismatch",
                    f"text_sha256 {row['text_sha256']} is not the SHA-256 of the article text",
                    expected=row["_sha"], field="articles.text_sha256",
                    hint="raw/ is never edited: restore the raw file with git, or ingest the "
                         "new text as a new article"))
            if row["_len"] is not None and row["n_chars"] != row["_len"]:
                problems.append(_at(
                    row, "n-chars-mismatch",
                    f"n_chars is {row['n_chars']} but the text has {row['_len']} characters",
                    expected=str(row["_len"]), field="articles.n_chars", hint=HINT_CONVERT))
        return problems
    return failing, report


@dataclass(frozen=True)
class EntityLookup:
    """mention_id -> article, annotation, type (one row per id), and whether the 64-bit hashes
    of its ids are all distinct (then `join` can key on them)."""

    table: pl.DataFrame
    hashes_distinct: bool

    def join(self, frame: pl.LazyFrame, column: str, prefix: str) -> pl.LazyFrame:
        """`frame` left-joined on `column`, the lookup's columns named `<prefix>_article` etc.

        Polars' left join on strings builds its hash table from the (large) lookup side; on
        the ids' 64-bit hashes it costs about half. Exact like the string join: the lookup's
        hashes are distinct, and a row whose hash names another id (or a null) gets nulls.
        """
        names = {name: f"{prefix}{name}" for name in self.table.columns if name != "_key"}
        if not self.hashes_distinct:
            return frame.join(self.table.lazy().drop("_key").rename(names),
                              left_on=column, right_on=f"{prefix}_id", how="left")
        same = _flag(pl.col("_id") == pl.col(column))
        return (frame.with_columns(pl.col(column).hash().alias("_key"))
                .join(self.table.lazy(), on="_key", how="left")
                .with_columns(pl.when(same).then(pl.col(name)).alias(alias)
                              for name, alias in names.items() if name != "_id")
                .drop("_key", *names))


def _entity_lookup(entities: pl.DataFrame, duplicated: bool) -> EntityLookup:
    frame = entities.lazy().select(pl.col("mention_id").alias("_id"),
                                   pl.col("article_id").alias("_article"),
                                   pl.col("annotation_id").alias("_annotation"),
                                   pl.col("type").alias("_type"),
                                   pl.col("mention_id").hash().alias("_key"))
    table = _one_per_key(frame, "_id", duplicated)
    return EntityLookup(table, table["_key"].n_unique() == table.height)


def _dangling(row: dict, column: str, target: str, prefix: str) -> Problem:
    where = ("does not exist" if row[f"{prefix}_article"] is None else
             f"belongs to article {row[f'{prefix}_article']}, annotation "
             f"{row[f'{prefix}_annotation']}")
    return _at(row, "dangling-reference",
               f"{column} {_show(row[column])} should name {target} of the same annotation but "
               f"{where}", field=f"{row['_table']}.{column}",
               hint="the relation points at a region that is missing or of another kind: fix "
                    "the relation in Label Studio and export again")


def _arguments(arguments: pl.DataFrame, events: pl.DataFrame, entity_lookup: EntityLookup,
               taxonomy: Taxonomy, run: set[str], duplicated: set[str]) -> Pending:
    """References of event arguments, role per event type, filler type per role."""
    sep = "\x1f"
    pairs = [f"{event}{sep}{role}" for event, roles in taxonomy.roles_of.items() for role in roles]
    triples = [f"{event}{sep}{role}{sep}{kind}" for event, roles in taxonomy.roles_of.items()
               for role, kinds in roles.items() for kind in kinds]
    event_lookup = _one_per_key(
        events.lazy().select(pl.col("event_id"), pl.col("article_id").alias("_e_article"),
                             pl.col("annotation_id").alias("_e_annotation"),
                             pl.col("type").alias("_e_type")),
        "event_id", "events" in duplicated).lazy()
    event_ok = _same_annotation("_e")
    mention_ok = _same_annotation("_m")
    pair = pl.concat_str([pl.col("_e_type"), pl.col("role")], separator=sep)
    triple = pl.concat_str([pl.col("_e_type"), pl.col("role"), pl.col("_m_type")], separator=sep)
    role_known = (pl.col("_e_type").is_in(list(taxonomy.event_types))
                  & pl.col("role").is_in(list(taxonomy.roles)))
    flags = {
        "_event_dangling": pl.col("event_id").is_not_null() & ~event_ok,
        "_mention_dangling": pl.col("mention_id").is_not_null() & ~mention_ok,
        "_role_bad": _flag(event_ok & role_known & ~pair.is_in(pairs)),
        "_filler_bad": _flag(event_ok & mention_ok & pair.is_in(pairs)
                             & pl.col("_m_type").is_in(list(taxonomy.entity_types))
                             & ~triple.is_in(triples)),
    }
    if "references resolve within their annotation" not in run:
        flags["_event_dangling"] = flags["_mention_dangling"] = pl.lit(False)
    if "event roles are allowed for the event type" not in run:
        flags["_role_bad"] = pl.lit(False)
    if "argument fillers have an allowed entity type" not in run:
        flags["_filler_bad"] = pl.lit(False)
    failing = (
        entity_lookup.join(arguments.lazy().with_row_index("_row")
                           .join(event_lookup, on="event_id", how="left"), "mention_id", "_m")
        .with_columns(**flags)
        .filter(pl.any_horizontal(*[pl.col(f) for f in flags]))
        .select("_row", "_e_article", "_e_annotation", "_e_type", "_m_article",
                "_m_annotation", "_m_type", *flags, pl.lit("event_arguments").alias("_table"))
    )

    def report(failing: pl.DataFrame) -> list[Problem]:
        problems = []
        located = _locate("event_arguments", arguments, failing, ["event_id", "mention_id", "role"])
        for row in located.iter_rows(named=True):
            if row["_event_dangling"]:
                problems.append(_dangling(row, "event_id", "an event", "_e"))
            if row["_mention_dangling"]:
                problems.append(_dangling(row, "mention_id", "an entity mention", "_m"))
            event_type, role = row["_e_type"], row["role"]
            if row["_role_bad"]:
                allowed = taxonomy.roles_of[event_type]
                problems.append(_at(
                    row, "role-not-allowed",
                    f"role {_show(role)} is not a role of {event_type} events",
                    expected=", ".join(allowed),
                    field=f"{TAXONOMY_FILE}: event_types[{event_type}].roles",
                    hint="relabel the relation with one of the expected roles in Label Studio"))
            if row["_filler_bad"]:
                problems.append(_at(
                    row, "filler-type-not-allowed",
                    f"the {role} of a {event_type} event is a {row['_m_type']} mention "
                    f"({_show(row['mention_id'])})",
                    expected=_filler_expected(taxonomy, event_type, role),
                    field=f"{TAXONOMY_FILE}: event_types[{event_type}].roles.{role}",
                    hint="link the role to a mention of an allowed type, or fix the mention's type"))
        return problems
    return failing, report


def _filler_expected(taxonomy: Taxonomy, event_type: str, role: str) -> str:
    """The allowed types, prefixed with the filler group's name when the YAML uses one."""
    types = ", ".join(taxonomy.roles_of[event_type][role])
    for event in taxonomy.raw.get("event_types", []):
        group = event.get("name") == event_type and event.get("roles", {}).get(role)
        if isinstance(group, str):
            return f"{group} = {types}"
    return types


def _stances(stances: pl.DataFrame, entity_lookup: EntityLookup, taxonomy: Taxonomy,
             run: set[str]) -> Pending:
    """Holder references, holder types, and holder versus AUTHORIAL attribution."""
    holder = pl.col("holder_id")
    attribution = pl.col("attribution")
    resolved = _same_annotation("_h")
    flags = {
        "_holder_dangling": _flag(holder.is_not_null() & ~resolved),
        "_holder_type_bad": _flag(resolved
                                  & pl.col("_h_type").is_in(list(taxonomy.entity_types))
                                  & ~pl.col("_h_type").is_in(list(taxonomy.holder_types))),
        "_holder_attribution": _flag(
            attribution.is_in(list(taxonomy.attributions))
            & ((holder.is_null() & (attribution != AUTHORIAL))
               | (holder.is_not_null() & (attribution == AUTHORIAL)))),
    }
    if "references resolve within their annotation" not in run:
        flags["_holder_dangling"] = pl.lit(False)
    if "stance holders have an allowed entity type" not in run:
        flags["_holder_type_bad"] = pl.lit(False)
    if "stance holder agrees with its attribution" not in run:
        flags["_holder_attribution"] = pl.lit(False)
    failing = (
        entity_lookup.join(stances.lazy().with_row_index("_row"), "holder_id", "_h")
        .with_columns(**flags)
        .filter(pl.any_horizontal(*[pl.col(f) for f in flags]))
        .select("_row", "_h_article", "_h_annotation", "_h_type", *flags,
                pl.lit("stances").alias("_table"))
    )

    def report(failing: pl.DataFrame) -> list[Problem]:
        problems = []
        located = _locate("stances", stances, failing, ["holder_id", "attribution"])
        for row in located.iter_rows(named=True):
            if row["_holder_dangling"]:
                problems.append(_dangling(row, "holder_id", "an entity mention", "_h"))
            if row["_holder_type_bad"]:
                problems.append(_at(
                    row, "holder-type-not-allowed",
                    f"the stance holder {_show(row['holder_id'])} is a {row['_h_type']} mention",
                    expected=", ".join(taxonomy.holder_types),
                    field=f"{TAXONOMY_FILE}: stance.holder_types",
                    hint="link the holder relation to a mention of an allowed type"))
            if row["_holder_attribution"]:
                if row["holder_id"] is None:
                    message = (f"stance attributed {row['attribution']} has no holder; only "
                               f"{AUTHORIAL} stances (the outlet's own voice) have none")
                    expected = f"a '{taxonomy.controls['holder_relation']}' relation to an entity"
                else:
                    message = (f"{AUTHORIAL} stance (the outlet's own voice) has a holder "
                               f"{_show(row['holder_id'])}")
                    expected = "no holder"
                problems.append(_at(
                    row, "stance-holder", message, expected=expected,
                    field=f"{TAXONOMY_FILE}: stance.attributions[{AUTHORIAL}]",
                    hint="add or remove the holder relation in Label Studio, or change the "
                         "attribution"))
        return problems
    return failing, report


def _duplicates(name: str, df: pl.DataFrame, keys: list[str], code: str, what: str) -> Pending:
    """Rows of one annotation that repeat the same annotation (same keys).

    Repeated 64-bit hashes of the keys find the candidates cheaply; the exact comparison
    then runs on those few rows only.
    """
    scope = ["article_id", "annotation_id", *keys]
    hashed = df.lazy().with_columns(pl.struct(scope).hash().alias("_hash"))
    candidates = _repeated(hashed.select("_hash"))
    failing = (hashed.join(candidates, on="_hash", how="semi")
               .filter(pl.struct(scope).is_duplicated())
               .select(*_location_exprs(name, df.columns), *scope))

    def report(failing: pl.DataFrame) -> list[Problem]:
        groups: dict[tuple, list[str]] = defaultdict(list)
        rows = list(failing.iter_rows(named=True))
        for row in rows:
            groups[tuple(row[k] for k in scope)].append(row["_region"] or "")
        problems = []
        for row in rows:
            regions = groups[tuple(row[k] for k in scope)]
            described = ", ".join(f"{k}={_show(row[k])}" for k in keys)
            problems.append(_at(
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
    candidates = _repeated(pl.concat([frame.select("_hash") for frame in hashed.values()]))
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
                .select(*_location_exprs(name, frames[name].columns), column).collect())
        for row in rows.iter_rows(named=True):
            others = ", ".join(sorted(tables_of[row[column]] - {name}))
            problems.append(_at(
                row, "duplicate-id", f"{column} {_show(row[column])} also names a row of {others}",
                expected="ids unique across entities, events and stances",
                field=f"{name}.{column}",
                hint="a region id was used for two kinds of region: re-run `pourparlers "
                     "convert` and report a bug"))
    return problems


def _gold(frames: dict[str, pl.DataFrame]) -> Pending:
    """Articles with more than one gold annotation. An annotation whose rows name two
    articles counts in both (never in whichever one a query happens to keep)."""
    annotations = pl.concat([
        frames[name].lazy().filter(pl.col("layer") == "gold")
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


def _integrity_problems(frames: dict[str, pl.DataFrame], arrow_text: pyarrow.ChunkedArray | None,
                        taxonomy: Taxonomy, run: set[str], duplicated: set[str]) -> list[Problem]:
    """The checks across rows and tables; `duplicated` names tables whose ids repeat.

    Each check is a lazy query of its failing rows, and Python only words failing rows. The
    queries run one after the other: together (`pl.collect_all`) they were no faster on two
    cores and held half a gigabyte more at 50k articles. The SHA-256 of the texts is computed
    meanwhile in a thread (hashlib releases the GIL on buffers of this size).
    """
    pending: list[Pending] = []
    digests: Future[list[str | None]] | None = None
    pool = ThreadPoolExecutor(max_workers=1)
    if "every row's article exists" in run:
        article_ids = frames["articles"]["article_id"]
        pending += [_unknown_articles(name, frames[name], article_ids)
                    for name in ANNOTATION_TABLES]
    if "span text equals text[start:end]" in run:
        lookup = _article_lookup(frames["articles"], "articles" in duplicated)
        pending += [_spans(name, frames[name], lookup) for name in SPAN_TABLES]
    if "article text matches its SHA-256 and length" in run:
        text = arrow_text
        if text is None:
            text = pyarrow.chunked_array([frames["articles"]["text"].to_arrow()])
        digests = pool.submit(_sha256_column, text)
    argument_checks = {"references resolve within their annotation",
                       "event roles are allowed for the event type",
                       "argument fillers have an allowed entity type"}
    stance_checks = {"references resolve within their annotation",
                     "stance holders have an allowed entity type",
                     "stance holder agrees with its attribution"}
    if (argument_checks | stance_checks) & run:
        entity_lookup = _entity_lookup(frames["entities"], "entities" in duplicated)
        if argument_checks & run:
            pending.append(_arguments(frames["event_arguments"], frames["events"],
                                      entity_lookup, taxonomy, run, duplicated))
        if stance_checks & run:
            pending.append(_stances(frames["stances"], entity_lookup, taxonomy, run))
    if "no span or relation is annotated twice" in run:
        pending += [
            _duplicates("entities", frames["entities"], ["type", "start", "end"],
                        "duplicate-span", "entity span"),
            _duplicates("events", frames["events"], ["type", "start", "end"],
                        "duplicate-span", "event trigger"),
            _duplicates("stances", frames["stances"], ["start", "end", "target", "holder_id"],
                        "duplicate-span", "stance"),
            _duplicates("event_arguments", frames["event_arguments"],
                        ["event_id", "role", "mention_id"], "duplicate-relation",
                        "argument relation"),
        ]
    if "ids are unique" in run:
        pending.append(_cross_table_ids(frames))
    if "one gold annotation per article" in run:
        pending.append(_gold(frames))
    with pool:
        problems = [p for query, report in pending for p in report(query.collect())]
        if digests is not None:
            query, report = _articles(frames["articles"], digests.result())
            problems += report(query.collect())
    return problems


# --------------------------------------------------------------------------- entry points


# Problem's own order (its dataclass fields compared in turn) as a key: one tuple per problem
# instead of two per comparison.
_ORDER = operator.attrgetter(*(f.name for f in dataclasses.fields(Problem) if f.compare))


# Nullable columns without checks that nothing after the contract reads: when an Arrow table
# has them with their declared type, the Arrow schema already says all the contract would, and
# they are never converted to polars (at 50k articles ~80 MB of string views and 0.04 s).
UNREAD = ("annotator", "canonical_id")


def _unread_columns(name: str, table: object, contract: pa.DataFrameSchema) -> list[str]:
    """The `UNREAD` columns of an Arrow table that pass its contract by their type alone.

    Only when the table has exactly the declared columns: otherwise Pandera sees them all.
    """
    if not isinstance(table, pyarrow.Table) or set(table.column_names) != set(contract.columns):
        return []
    declared = SCHEMAS[name]
    return [c for c in UNREAD if c in contract.columns
            and table.schema.field(c).type == declared.field(c).type
            and contract.columns[c].nullable and not contract.columns[c].checks
            and not contract.columns[c].unique and c in CONTRACT_ONLY]


def _to_polars(table: object, leave_out: Iterable[str] = ()) -> pl.DataFrame:
    if isinstance(table, pl.DataFrame):
        return table
    leave_out = set(leave_out)
    if leave_out:
        table = table.select([c for c in table.column_names if c not in leave_out])
    return pl.from_arrow(table, rechunk=False)  # a rechunk copies every column (+0.3 GB at 50k)


def _check(tables: dict[str, pyarrow.Table], taxonomy: Taxonomy) -> tuple[list[Problem], set[str]]:
    """All problems, and the names of the integrity checks that could not run."""
    contracts = table_contracts(taxonomy)
    problems: list[Problem] = []
    usable: dict[str, pl.DataFrame] = {}
    for name, contract in contracts.items():
        if name not in tables:
            problems.append(problem("missing-table", f"no {name} table was given", field=name,
                                    hint=HINT_CONVERT))
            continue
        unread = _unread_columns(name, tables[name], contract)
        df = _to_polars(tables[name], unread)
        problems += _run_contract(name, df, contract.remove_columns(unread) if unread
                                  else contract)
        frame = _usable(name, df, unread)
        if frame is not None:
            usable[name] = frame
    run = {check for check, needs in NEEDS.items() if all(n in usable for n in needs)}
    arrow_text = None
    source = tables.get("articles")
    if isinstance(source, pyarrow.Table) and "articles" in usable:
        arrow_text = source.column("text")
    duplicated = {name for name, column in ID_COLUMN.items()
                  if any(p.code == "duplicate-id" and p.field == f"{name}.{column}"
                         for p in problems)}
    problems += _integrity_problems(usable, arrow_text, taxonomy, run, duplicated)
    skipped = set(NEEDS) - run
    return sorted(problems, key=_ORDER), skipped


def check_tables(tables: dict[str, pyarrow.Table], taxonomy: Taxonomy) -> list[Problem]:
    """Contracts and integrity checks over the normalized tables; every problem, sorted."""
    return _check(tables, taxonomy)[0]


def validate_corpus(tables: dict[str, pyarrow.Table], taxonomy: Taxonomy,
                    extra_problems: Iterable[Problem] = ()) -> ValidationReport:
    """Check the tables and add the problems found earlier (ingest, convert) to one report."""
    problems, skipped = _check(tables, taxonomy)
    extra_problems = list(extra_problems)
    if extra_problems:
        problems = sorted([*problems, *extra_problems], key=_ORDER)
    by_code = Counter(p.code for p in problems)
    checks = []
    known: set[str] = set()
    for name, codes in CHECKS:
        known |= codes
        failures = sum(by_code[c] for c in codes)
        checks.append((name, failures == 0 and name not in skipped, failures))
    other = sum(n for code, n in by_code.items() if code not in known)
    checks.append((OTHER_CHECK, other == 0, other))
    return ValidationReport(problems=problems, checks=checks)


# --------------------------------------------------------------------------- rendering


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def render_text(report: ValidationReport) -> str:
    """The checklist (✓/✗ per check), then one line per problem; for people and CI logs."""
    failed = [c for c in report.checks if not c[1]]
    n = len(report.problems)
    if report.ok:
        lines = [f"validate: all {len(report.checks)} checks passed"]
    else:
        lines = [f"validate: {len(failed)} of {len(report.checks)} checks failed, "
                 f"{n} problem{'s' if n != 1 else ''}"]
    for name, passed, failures in report.checks:
        if passed:
            lines.append(f"  ✓ {name}")
        elif failures:
            lines.append(f"  ✗ {name}: {failures} problem{'s' if failures != 1 else ''}")
        else:
            lines.append(f"  ✗ {name}: not run (a table it needs is missing or malformed)")
    if report.problems:
        lines += ["", "problems:"]
        lines += [f"  {_one_line(p.render())}" for p in report.problems]
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport) -> str:
    """The report as JSON for machines: same order every run."""
    data = {
        "ok": report.ok,
        "checks": [{"name": name, "passed": passed, "failures": failures}
                   for name, passed, failures in report.checks],
        "problems": [p.as_dict() for p in report.problems],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: ValidationReport) -> str:
    """GitHub Actions workflow commands: one `::error` annotation per problem, on its file."""
    lines = []
    for p in report.problems:
        props = []
        if p.file:
            props.append(f"file={_escape_property(p.file)}")
            if p.line:
                props.append(f"line={p.line}")
        props.append(f"title={_escape_property(f'pourparlers validate: {p.code}')}")
        details = [f"{p.location()}: {p.message}"]
        if p.expected:
            details.append(f"expected: {p.expected}")
        if p.field:
            details.append(f"schema: {p.field}")
        if p.hint:
            details.append(f"fix: {p.hint}")
        lines.append(f"::error {','.join(props)}::{_escape_data(chr(10).join(details))}")
    for name, passed, failures in report.checks:
        if not passed and not failures:
            lines.append(f"::error title={_escape_property('pourparlers validate')}::"
                         f"{_escape_data(f'check not run: {name}')}")
    if report.ok:
        lines.append(f"::notice title={_escape_property('pourparlers validate')}::"
                     f"all {len(report.checks)} checks passed")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- line numbers

_MAX_LOCATE_BYTES = 64 * 1024 * 1024


def _id_pattern(value: str, quoted: bool) -> re.Pattern[bytes]:
    literal = json.dumps(value, ensure_ascii=False) if quoted else value
    tail = b"" if quoted else rb"(?![0-9])"
    return re.compile(rb'"id"\s*:\s*' + re.escape(literal.encode("utf-8")) + tail)


def _line_of(data: bytes, annotation_id: str, region_id: str) -> int:
    """The line of the region's first item (else the annotation's `id`) in an export, or 0."""
    start, at = 0, None
    if annotation_id:
        anchor = data.find(b'"annotations"')
        found = _id_pattern(annotation_id, False).search(data, max(anchor, 0))
        if found:
            start = at = found.start()
    if region_id:
        found = (_id_pattern(region_id, True).search(data, start)
                 or _id_pattern(region_id, True).search(data))
        if found:
            at = found.start()
    return 0 if at is None else data.count(b"\n", 0, at) + 1


def with_lines(report: ValidationReport, root: Path) -> ValidationReport:
    """The report with `line` set on problems of export files, for GitHub annotations.

    The line is found by searching the file for the annotation's and the region's `"id"`
    (exports are JSON text, so a pretty-printed export gets the region's own line). Files
    that are links, unreadable or very large are left without lines.
    """
    cache: dict[str, bytes | None] = {}
    problems = []
    for p in report.problems:
        if p.line or not p.file.endswith(".json") or not (p.annotation_id or p.region_id):
            problems.append(p)
            continue
        if p.file not in cache:
            path = Path(root) / p.file
            try:
                ok = (path.is_file() and not path.is_symlink()
                      and path.stat().st_size <= _MAX_LOCATE_BYTES)
                cache[p.file] = path.read_bytes() if ok else None
            except OSError:
                cache[p.file] = None
        data = cache[p.file]
        line = _line_of(data, p.annotation_id, p.region_id) if data else 0
        problems.append(dataclasses.replace(p, line=line) if line else p)
    return dataclasses.replace(report, problems=problems)
