"""The fast paths of validate give what the plain way gives.

The fast contract pass is Pandera, run smarter: on every table, the problems of `run_contract`
(fused pass, then Pandera on the failing rows only) are exactly those of Pandera validating the
whole table, and a table the fused pass finds clean is one Pandera finds clean.

Checked on the tables of every bad-input case and on tables that hypothesis mutates from the
clean seed corpus of test_validate (cell values, repeated rows, missing or extra columns, wrong
types).
"""

from __future__ import annotations

import polars as pl
import pytest
from bad_cases import CASES, GOOD, Case, Copy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandera.errors import SchemaError, SchemaErrors
from seed_tables import TAXONOMY, seed_corpus

from pourparlers.convert import convert_exports
from pourparlers.corpus import annotation_files
from pourparlers.errors import problem
from pourparlers.raw import load_articles
from pourparlers.tables import DATE_PRECISIONS, LAYERS, SCHEMAS
from pourparlers.validate.contracts import table_contracts
from pourparlers.validate.fused import failing_rows, failure_problems, run_contract

CONTRACTS = table_contracts(TAXONOMY)


def pandera_whole_table(name: str, df: pl.DataFrame) -> list:
    """The reference: Pandera validating the whole table, its failure cases worded as before."""
    contract = CONTRACTS[name]
    try:
        contract.validate(df, lazy=True)
    except SchemaErrors as errors:
        return sorted(failure_problems(name, df, contract, errors.failure_cases))
    except SchemaError as error:
        return [problem("contract-error", f"table {name}: {error}", field=name)]
    return []


def assert_same_as_pandera(name: str, df: pl.DataFrame) -> None:
    expected = pandera_whole_table(name, df)
    failing = failing_rows(df, CONTRACTS[name])
    if failing is not None and failing[0].is_empty():
        assert expected == [], [p.render() for p in expected]
    assert sorted(run_contract(name, df, CONTRACTS[name])) == expected


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_bad_input_tables_get_pandera_s_problems(repo_copy, c: Case) -> None:
    import shutil

    shutil.rmtree(repo_copy / "annotations")
    (repo_copy / "annotations").mkdir()
    shutil.copy2(GOOD, repo_copy / "annotations" / GOOD.name)
    copy = Copy(repo_copy)
    c.mutate(copy)
    articles, _ = load_articles(copy.repo)
    converted = convert_exports(copy.repo, annotation_files(copy.repo), articles, TAXONOMY)
    for name, table in {"articles": articles, **converted.tables}.items():
        assert_same_as_pandera(name, pl.from_arrow(table))


CLEAN = {name: pl.from_arrow(table) for name, table in seed_corpus().tables().items()}
WORDS = sorted({*TAXONOMY.entity_types, *TAXONOMY.event_types, *TAXONOMY.realis, *TAXONOMY.roles,
                *TAXONOMY.stance_targets, *TAXONOMY.polarities, *TAXONOMY.attributions,
                *LAYERS, *DATE_PRECISIONS, "", "fr", "fr-FR", "FR", "2025", "2025-05",
                "2025-05-16", "16/05/2025", "0" * 64, "A" * 64})


def cell(df: pl.DataFrame, column: str) -> st.SearchStrategy:
    """Values that pass or fail the column's checks: its own values, labels, edge cases."""
    existing = [v for v in df[column].to_list() if v is not None]
    if df.schema[column].is_integer():
        values = st.integers(-3, 6000)
        if existing:
            values = st.one_of(values, st.sampled_from(existing))
    else:
        values = st.one_of(st.sampled_from(WORDS), st.text(max_size=6))
        if existing:
            values = st.one_of(values, st.sampled_from(existing))
    return st.one_of(st.none(), values)


@st.composite
def mutated_table(draw) -> tuple[str, pl.DataFrame]:
    name = draw(st.sampled_from(sorted(SCHEMAS)))
    clean = CLEAN[name]
    rows = clean.to_dicts()
    for _ in range(draw(st.integers(0, 3))):  # repeated rows: duplicate ids, duplicate values
        rows.append(dict(draw(st.sampled_from(rows))))
    for _ in range(draw(st.integers(0, 6))):
        column = draw(st.sampled_from(clean.columns))
        row = draw(st.integers(0, len(rows) - 1))
        rows[row][column] = draw(cell(clean, column))
    df = pl.DataFrame(rows, schema=clean.schema)
    change = draw(st.sampled_from(["none"] * 6 + ["drop", "extra", "retype"]))
    column = draw(st.sampled_from(clean.columns))
    if change == "drop":
        df = df.drop(column)
    elif change == "extra":
        df = df.with_columns(pl.lit(1).alias("extra"))
    elif change == "retype":
        df = df.with_columns(pl.col(column).cast(pl.String if df.schema[column].is_integer()
                                                 else pl.Categorical))
    return name, df


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_table())
def test_mutated_tables_get_pandera_s_problems(case: tuple[str, pl.DataFrame]) -> None:
    assert_same_as_pandera(*case)


def test_clean_tables_pass_the_fused_pass_without_pandera() -> None:
    for name, df in CLEAN.items():
        failing = failing_rows(df, CONTRACTS[name])
        assert failing is not None and failing[0].is_empty(), name
