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

__all__ = ["CHECKS", "READ", "ValidationReport", "check_tables", "checklist", "render_github",
           "render_json", "render_text", "run_checks", "validate_corpus", "with_lines"]

# Problem's own order (its dataclass fields compared in turn) as a key: one tuple per problem
# instead of two per comparison.
_ORDER = operator.attrgetter(*(f.name for f in dataclasses.fields(Problem) if f.compare))


def _to_polars(table: object) -> pl.DataFrame:
    if isinstance(table, pl.DataFrame):
        return table
    return pl.from_arrow(table, rechunk=False)  # a rechunk copies every column (+0.3 GB at 50k)


def run_checks(tables: Mapping[str, object], taxonomy: Taxonomy, *,
               contracts: Mapping[str, object] | None = None,
               articles_in: str = "raw/") -> tuple[list[Problem], set[Check]]:
    """All problems, sorted, and the checks that could not run (a table they need is missing or
    malformed). `contracts` replaces the taxonomy's contracts (`verify` relaxes the text columns
    of a text-free release); `articles_in` says in messages where the articles come from."""
    problems: list[Problem] = []
    frames: dict[str, pl.DataFrame] = {}
    contracts = table_contracts(taxonomy) if contracts is None else contracts
    for name, contract in contracts.items():
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
        else None, articles_in=articles_in)
    with context.pool:
        pending = [item for query in runnable for item in query.make(context)]
        # Queries first, then the ones that wait for work in the thread (the text hashes).
        for failing, report in sorted(pending, key=lambda item: callable(item[0])):
            query = failing() if callable(failing) else failing
            problems += report(query.collect())
    not_run = {check for check in CHECKS if any(query not in runnable for query in check.queries)}
    return sort_problems(problems), not_run


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=_ORDER)


def checklist(problems: Iterable[Problem], not_run: set[Check],
              checks: Iterable[Check] = CHECKS, other: Check = READ) -> list[tuple[str, bool, int]]:
    """(title, passed, failures) per check, counting problems by code; `other` counts every
    code no check reports."""
    by_code = Counter(p.code for p in problems)
    lines = []
    known: set[str] = set()
    for check in checks:
        known.update(check.codes)
        failures = sum(by_code[c] for c in check.codes)
        lines.append((check.title, failures == 0 and check not in not_run, failures))
    rest = sum(n for code, n in by_code.items() if code not in known)
    lines.append((other.title, rest == 0, rest))
    return lines


def check_tables(tables: Mapping[str, object], taxonomy: Taxonomy) -> list[Problem]:
    """Contracts and integrity checks over the normalized tables; every problem, sorted."""
    return run_checks(tables, taxonomy)[0]


def validate_corpus(tables: Mapping[str, object], taxonomy: Taxonomy,
                    extra_problems: Iterable[Problem] = ()) -> ValidationReport:
    """Check the tables and add the problems found earlier (reading raw/, converting exports)
    to one report with its checklist."""
    problems, not_run = run_checks(tables, taxonomy)
    extra_problems = list(extra_problems)
    if extra_problems:
        problems = sort_problems([*problems, *extra_problems])
    return ValidationReport(problems=problems, checks=checklist(problems, not_run))
