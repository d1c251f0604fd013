"""Validate the normalized tables: Pandera contracts generated from the taxonomy, then the
integrity checks a per-table contract cannot express.

Every failure becomes a `Problem` located by file, article, annotation and region; nothing stops
at the first one. The checks are declared in `checks`, the contracts in `contracts` (run by the
fused pass of `fused`), the integrity queries in `integrity` and `references`, the renderers in
`report`.
"""

from __future__ import annotations

import dataclasses
import operator
from collections import Counter
from collections.abc import Iterable, Mapping

import polars as pl
import pyarrow

from pourparlers.errors import HINT_CONVERT, Problem, problem
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate.checks import CHECKS, QUERIES, READ, Check
from pourparlers.validate.contracts import ID_COLUMN, table_contracts
from pourparlers.validate.fused import run_contract
from pourparlers.validate.integrity import Context, usable
from pourparlers.validate.report import ValidationReport, render_github, render_json, render_text, with_lines

__all__ = ["CHECKS", "READ", "ValidationReport", "check_tables", "render_github", "render_json",
           "render_text", "validate_corpus", "with_lines"]

# Problem's own order (its dataclass fields compared in turn) as a key: one tuple per problem
# instead of two per comparison.
_ORDER = operator.attrgetter(*(f.name for f in dataclasses.fields(Problem) if f.compare))


def _to_polars(table: object) -> pl.DataFrame:
    if isinstance(table, pl.DataFrame):
        return table
    return pl.from_arrow(table, rechunk=False)  # a rechunk copies every column (+0.3 GB at 50k)


def _check(tables: Mapping[str, object], taxonomy: Taxonomy) -> tuple[list[Problem], set[Check]]:
    """All problems, and the checks that could not run (a table they need is missing or
    malformed)."""
    problems: list[Problem] = []
    frames: dict[str, pl.DataFrame] = {}
    for name, contract in table_contracts(taxonomy).items():
        if name not in tables:
            problems.append(problem("missing-table", f"no {name} table was given", field=name,
                                    hint=HINT_CONVERT))
            continue
        df = _to_polars(tables[name])
        problems += run_contract(name, df, contract)
        frame = usable(name, df)
        if frame is not None:
            frames[name] = frame
    if taxonomy.actors is not None:   # the declared canonical ids, as a table the queries read
        frames["actors"] = pl.DataFrame({"canonical_id": list(taxonomy.actors.ids)}, schema={"canonical_id": pl.String})
    runnable = [query for query in QUERIES if all(name in frames for name in query.needs)]
    source = tables.get("articles")
    context = Context(
        frames, taxonomy,
        duplicated={name for name, column in ID_COLUMN.items()
                    if any(p.code == "duplicate-id" and p.field == f"{name}.{column}" for p in problems)},
        arrow_text=source.column("text") if isinstance(source, pyarrow.Table) and "articles" in frames
        else None)
    with context.pool:
        pending = [item for query in runnable for item in query.make(context)]
        # Queries first, then the ones that wait for work in the thread (the text hashes).
        for failing, report in sorted(pending, key=lambda item: callable(item[0])):
            query = failing() if callable(failing) else failing
            problems += report(query.collect())
    not_run = {check for check in CHECKS if any(query not in runnable for query in check.queries)}
    return sorted(problems, key=_ORDER), not_run


def check_tables(tables: Mapping[str, object], taxonomy: Taxonomy) -> list[Problem]:
    """Contracts and integrity checks over the normalized tables; every problem, sorted."""
    return _check(tables, taxonomy)[0]


def validate_corpus(tables: Mapping[str, object], taxonomy: Taxonomy,
                    extra_problems: Iterable[Problem] = ()) -> ValidationReport:
    """Check the tables and add the problems found earlier (reading raw/, converting exports)
    to one report with its checklist."""
    problems, not_run = _check(tables, taxonomy)
    extra_problems = list(extra_problems)
    if extra_problems:
        problems = sorted([*problems, *extra_problems], key=_ORDER)
    by_code = Counter(p.code for p in problems)
    checks = []
    known: set[str] = set()
    for check in CHECKS:
        known.update(check.codes)
        failures = sum(by_code[c] for c in check.codes)
        checks.append((check.title, failures == 0 and check not in not_run, failures))
    other = sum(n for code, n in by_code.items() if code not in known)
    checks.append((READ.title, other == 0, other))
    return ValidationReport(problems=problems, checks=checks)
