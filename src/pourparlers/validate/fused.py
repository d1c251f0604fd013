"""The one fused Pandera pass: every value check of a contract in one polars query.

Pandera's polars backend collects once per check (and again for its bookkeeping); here every
check's row output is computed by Pandera's own check backend, concatenated side by side and
collected once. Pandera itself then words the failures of the rows and checks that query found
failing. This is the only code that touches Pandera internals (`check._check_fn`, the check
backend); tests/validate/test_fused.py holds it equal to `DataFrameSchema.validate` on the whole
table.
"""

from __future__ import annotations

from collections import Counter

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.backends.polars.checks import PolarsCheckBackend
from pandera.constants import CHECK_OUTPUT_KEY
from pandera.errors import SchemaError, SchemaErrors

from pourparlers.errors import HINT_CONVERT, Problem, problem
from pourparlers.validate.contracts import Rule
from pourparlers.validate.locate import NOUN, at, gather, one_line, show


def _plain(contract: pa.DataFrameSchema) -> bool:
    """The contract only checks (no parsing, coercion, defaults or regex columns): what
    `failing_rows` knows how to run; anything else goes to Pandera whole."""
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


def failing_rows(df: pl.DataFrame,
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


def run_contract(name: str, df: pl.DataFrame, contract: pa.DataFrameSchema) -> list[Problem]:
    """Pandera's report on the rows and checks the fused pass found failing (or on the whole
    table when that pass cannot decide), with failure-case indices mapped back to `df`.

    Pandera there finds what it finds on the whole table because every check of the contracts
    is row-wise except `_unique_values`, and the rows it fails include every repetition of a
    repeated value; a check that no row fails has no failure case to lose.
    """
    failing = failing_rows(df, contract)
    if failing is None:
        return _whole_table(name, df, contract)
    rows, narrowed = failing
    if rows.is_empty():
        return []
    try:
        narrowed.validate(df[rows], lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        if cases["index"].has_nulls():  # a failure of the whole table: word it on all of it
            return _whole_table(name, df, contract)
        cases = cases.with_columns(rows.gather(cases["index"]).alias("index"))
        return failure_problems(name, df, narrowed, cases)
    except SchemaError:
        return _whole_table(name, df, contract)
    return []


def _whole_table(name: str, df: pl.DataFrame,
                        contract: pa.DataFrameSchema) -> list[Problem]:
    try:
        contract.validate(df, lazy=True)
    except SchemaErrors as errors:
        return failure_problems(name, df, contract, errors.failure_cases)
    except SchemaError as error:
        return [problem("contract-error", f"table {name}: {error}", field=name)]
    return []


def failure_problems(name: str, df: pl.DataFrame, contract: pa.DataFrameSchema,
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
            problems += duplicate_id_problems(name, df, column, index)
            continue
        elif number is not None:
            rule = contract.columns[column].metadata["rules"][number]
            if rule.code == "duplicate-id":
                problems += duplicate_id_problems(name, df, column, index)
                continue
        else:
            rule = Rule("contract-error", f"check {check} failed on {name}.{column}", (),
                        field=f"{name}.{column}", hint=HINT_CONVERT)
        located = gather(name, df, index, rule.columns)
        for row in located.iter_rows(named=True):
            values = {c: show(row.get(c)) for c in rule.columns}
            problems.append(at(row, rule.code, rule.message.format(**values),
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
                   f"check {check} on {name}.{column} could not run: {one_line(str(value))}",
                   field=f"{name}.{column}", hint=HINT_CONVERT)


def duplicate_id_problems(name: str, df: pl.DataFrame, column: str,
                          index: pl.Series) -> list[Problem]:
    """The rows at `index` of `df` (located as rows of table `name`), whose `column` repeats."""
    located = gather(name, df, index, [column])
    counts = Counter(located[column].to_list())
    return [
        at(row, "duplicate-id",
            f"{column} {show(row[column])} is used by {counts[row[column]]} rows of {name}",
            expected=f"each {column} once", field=f"{name}.{column}",
            hint="a region or an article was read twice: look for a duplicated export or "
                 "metadata file")
        for row in located.iter_rows(named=True)
    ]

