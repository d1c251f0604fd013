"""validate: the Pandera contracts and the integrity checks, one bad input per test.

The tables are built directly with the layouts of `pourparlers.tables`, over an excerpt of seed
article 000 (its ` date 2025-05 ` header removed as ingest does), so the tests do not depend on
the converter.
"""

from __future__ import annotations

import copy
import json
import unicodedata

import polars as pl
import pyarrow as pa
import pytest
from seed_tables import ANNOTATION, ARTICLE, RAW, SOURCE, TAXONOMY, TEXT, Corpus, find, seed_corpus, sha256

from pourparlers.errors import problem
from pourparlers.tables import SCHEMAS
from pourparlers.validate import (
    CHECKS,
    READ,
    check_tables,
    render_github,
    render_json,
    render_text,
    validate_corpus,
)
from pourparlers.validate.contracts import table_contracts


def by_name(rows: list[dict], region: str) -> dict:
    return next(row for row in rows if row["region_id"] == region)


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def only(problems, code: str):
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def assert_at(p, region: str, annotation: int = ANNOTATION, file: str = SOURCE) -> None:
    assert (p.file, p.article_id, p.annotation_id, p.region_id) == (
        file, ARTICLE, str(annotation), region)


# ----------------------------------------------------------------------------- clean data


def test_clean_tables_have_no_problems():
    report = validate_corpus(seed_corpus().tables(), TAXONOMY)
    assert report.problems == []
    assert report.ok
    assert [title for title, _, _ in report.checks] == [check.title for check in [*CHECKS, READ]]
    assert all(passed and n == 0 for _, passed, n in report.checks)


def test_seed_excerpt_is_the_ingested_text():
    """The fixture is seed 000 with the header ingest strips; offsets here index that text."""
    assert not TEXT.startswith(" date")
    assert TEXT[slice(*find("Vladimir Medinsky"))] == "Vladimir Medinsky"
    assert len(TEXT) < len(TEXT.encode("utf-8"))  # accents and « … » make bytes != characters


def test_empty_tables_are_clean():
    tables = {name: schema.empty_table() for name, schema in SCHEMAS.items()}
    assert check_tables(tables, TAXONOMY) == []


# ----------------------------------------------------------------------------- contracts


def test_contract_label_sets_are_the_taxonomy_lists():
    """One source of truth: every isin set of the Pandera contracts is a taxonomy list."""
    contracts = table_contracts(TAXONOMY)
    expected = {
        ("entities", "type"): TAXONOMY.entity_types,
        ("events", "type"): TAXONOMY.event_types,
        ("events", "realis"): TAXONOMY.realis,
        ("event_arguments", "role"): TAXONOMY.roles,
        ("stances", "target"): TAXONOMY.stance_targets,
        ("stances", "polarity"): TAXONOMY.polarities,
        ("stances", "attribution"): TAXONOMY.attributions,
    }
    found = {}
    for name, contract in contracts.items():
        for column, spec in contract.columns.items():
            for check in spec.checks:
                if check.name == "isin" and spec.metadata["field"].startswith("schema/"):
                    found[(name, column)] = tuple(check.statistics["allowed_values"])
    assert found == {key: tuple(values) for key, values in expected.items()}


def test_contracts_follow_the_table_layouts():
    contracts = table_contracts(TAXONOMY)
    assert set(contracts) == set(SCHEMAS)
    for name, schema in SCHEMAS.items():
        contract = contracts[name]
        assert list(contract.columns) == schema.names
        assert contract.strict is True
        types = pl.from_arrow(schema.empty_table()).schema
        for column in schema.names:
            assert contract.columns[column].dtype.type == types[column]
    required = {("events", "realis"), ("stances", "target"), ("stances", "polarity"),
                ("stances", "attribution"), ("event_arguments", "role")}
    for name, column in required:
        assert contracts[name].columns[column].nullable is False
    assert contracts["entities"].columns["canonical_id"].nullable is True
    assert contracts["stances"].columns["holder_id"].nullable is True
    for name, column in (("articles", "article_id"), ("entities", "mention_id"),
                         ("events", "event_id"), ("stances", "stance_id")):
        assert [c.name for c in contracts[name].columns[column].checks] == ["unique_values"]


def test_unknown_label_names_the_taxonomy_field():
    c = seed_corpus()
    by_name(c.entities, "ent-otan")["type"] = "ORGANIZATION"
    p = only(check_tables(c.tables(), TAXONOMY), "unknown-label")
    assert_at(p, "ent-otan")
    assert p.message == 'type "ORGANIZATION" is not defined in the taxonomy'
    assert p.field == "schema/taxonomy.yaml: entity_types"
    assert p.expected == ", ".join(TAXONOMY.entity_types)
    assert "schema/taxonomy.yaml" in p.hint


def test_unknown_labels_in_every_label_column_in_one_run():
    c = seed_corpus()
    c.events[0]["type"] = "TALKS"
    c.events[1]["realis"] = "PROBABLE"
    c.event_arguments[0]["role"] = "count"
    c.stances[0]["target"] = "peace"
    c.stances[0]["polarity"] = "PRO"
    c.stances[1]["attribution"] = "QUOTE"
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["unknown-label"] * 6
    assert {p.field for p in problems} == {f"schema/taxonomy.yaml: {path}" for path in (
        "event_types", "realis", "event_types[*].roles", "stance.targets",
        "stance.polarities", "stance.attributions")}


def test_missing_values_name_the_field():
    c = seed_corpus()
    c.events[2]["realis"] = None
    stance = c.stances[0]
    stance["target"] = stance["polarity"] = stance["attribution"] = None
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["missing-value"] * 4
    realis = next(p for p in problems if p.region_id == "evt-declare")
    assert_at(realis, "evt-declare")
    assert realis.message == "event has no realis (events.realis is null)"
    assert realis.field == "schema/taxonomy.yaml: realis"
    assert "'realis' choices" in realis.hint
    messages = sorted(p.message for p in problems if p.region_id == "stc-rubio")
    assert messages == [f"stance has no {column} (stances.{column} is null)"
                        for column in ("attribution", "polarity", "target")]


def test_three_faults_in_one_table_give_three_problems():
    c = seed_corpus()
    by_name(c.entities, "ent-otan")["type"] = "ORGANISATION"
    by_name(c.entities, "ent-antalya")["start"] = -3
    by_name(c.entities, "ent-washington")["text"] = "Washington n'"
    problems = check_tables(c.tables(), TAXONOMY)
    assert sorted((p.region_id, p.code) for p in problems) == [
        ("ent-antalya", "offset-range"),
        ("ent-otan", "unknown-label"),
        ("ent-washington", "span-text-mismatch"),
    ]


def test_many_bad_rows_are_all_reported():
    """A table with a bad row every hundred rows: each is reported, none other."""
    c = Corpus()
    for i in range(3000):
        row = c.entity(f"r{i:04d}", "Vladimir Medinsky", "PER")
        row["annotation_id"] = 1000 + i
        row["mention_id"] = f"{ARTICLE}:{1000 + i}:r{i:04d}"
        row["layer"] = "alternate" if i else "gold"
        if i % 100 == 7:
            row["type"] = "PERSON"
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["unknown-label"] * 30
    assert sorted(p.region_id for p in problems) == [f"r{i:04d}" for i in range(7, 3000, 100)]


def test_empty_span_is_offset_order():
    c = seed_corpus()
    row = by_name(c.events, "evt-echange")
    row["end"] = row["start"]
    row["text"] = row["export_text"] = ""
    p = only(check_tables(c.tables(), TAXONOMY), "offset-order")
    assert_at(p, "evt-echange")
    assert p.expected == "end > start"
    start = row["start"]
    assert p.message == f"empty or reversed span: start {start}, end {start}"


def test_invalid_article_values():
    c = seed_corpus()
    article = c.articles[0]
    article["text_sha256"] = "not-a-hash"
    article["published"] = "2025-05-16"  # precision still says month
    article["layer"] = None
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["date-mismatch", "invalid-value"]
    for p in problems:
        assert (p.file, p.article_id, p.annotation_id, p.region_id) == (RAW, ARTICLE, "", "")
    assert problems[1].field == "articles.text_sha256"


def test_bad_layer_is_invalid_value():
    c = seed_corpus()
    c.entities[0]["layer"] = "silver"
    p = only(check_tables(c.tables(), TAXONOMY), "invalid-value")
    assert_at(p, "ent-medinsky")
    assert p.expected == "gold, alternate"


def test_duplicate_ids_within_a_table():
    c = seed_corpus()
    c.entities[1]["mention_id"] = c.entities[0]["mention_id"]
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["duplicate-id", "duplicate-id"]
    assert {p.region_id for p in problems} == {"ent-medinsky", "ent-negociateur"}
    assert "is used by 2 rows of entities" in problems[0].message


def test_duplicate_ids_across_tables():
    c = seed_corpus()
    c.stances[1]["stance_id"] = c.events[0]["event_id"]
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["duplicate-id", "duplicate-id"]
    assert {(p.region_id, p.field) for p in problems} == {
        ("evt-pourparlers", "events.event_id"), ("stc-washington", "stances.stance_id")}


def test_an_id_in_three_tables_names_the_other_two_and_a_repeat_within_one_table_does_not():
    c = seed_corpus()
    shared = c.events[0]["event_id"]
    c.stances[1]["stance_id"] = shared
    c.entities[3]["mention_id"] = shared
    c.entities[2]["mention_id"] = c.entities[1]["mention_id"]
    found = [p for p in check_tables(c.tables(), TAXONOMY) if p.code == "duplicate-id"]
    assert sorted((p.field, p.message) for p in found if "also names" in p.message) == [
        ("entities.mention_id", f'mention_id "{shared}" also names a row of events, stances'),
        ("events.event_id", f'event_id "{shared}" also names a row of entities, stances'),
        ("stances.stance_id", f'stance_id "{shared}" also names a row of entities, events'),
    ]
    assert sorted(p.region_id for p in found if "is used by 2 rows" in p.message) == [
        c.entities[1]["region_id"], c.entities[2]["region_id"]]
    assert len(found) == 5



def test_columns_never_converted_to_polars_are_still_checked_on_the_arrow_table():
    """annotator and canonical_id are checked on the Arrow schema only: a wrong type is still
    reported, and Arrow tables get the problems the same tables get as polars frames."""
    c = seed_corpus()
    c.entities[0]["type"] = "NOT_A_TYPE"
    c.entities[1]["annotator"] = None
    tables = c.tables()
    assert check_tables(tables, TAXONOMY) == check_tables(
        {name: pl.from_arrow(t) for name, t in tables.items()}, TAXONOMY)
    events = tables["events"]
    tables["events"] = events.set_column(
        events.column_names.index("annotator"), pa.field("annotator", pa.int64()),
        pa.array([7] * events.num_rows, pa.int64()))
    problems = check_tables(tables, TAXONOMY)
    assert [p.field for p in problems if p.code == "wrong-dtype"] == ["events.annotator"]
    assert problems == check_tables({name: pl.from_arrow(t) for name, t in tables.items()},
                                    TAXONOMY)


# ----------------------------------------------------------------------------- structure


def test_malformed_tables_are_reported_and_dependent_checks_not_run():
    tables = seed_corpus().tables()
    entities = tables["entities"]
    entities = entities.set_column(entities.schema.get_field_index("start"), "start",
                                   entities["start"].cast(pa.string()))
    tables["entities"] = entities.append_column("confidence", pa.array([0.9] * len(entities)))
    tables["events"] = tables["events"].drop_columns(["realis"])
    del tables["stances"]
    report = validate_corpus(tables, TAXONOMY)
    assert sorted(codes(report.problems)) == [
        "missing-column", "missing-table", "unexpected-column", "wrong-dtype"]
    dtype = only(report.problems, "wrong-dtype")
    assert dtype.message == "column entities.start has type String"
    assert dtype.expected == "Int32"
    assert only(report.problems, "missing-column").field == "events.realis"
    checks = {name: (passed, n) for name, passed, n in report.checks}
    assert checks["span text equals text[start:end]"] == (False, 0)
    assert checks["article text matches its SHA-256 and length"] == (True, 0)
    assert "not run" in render_text(report)
    assert not report.ok


# ----------------------------------------------------------------------------- offsets and text


def test_span_past_the_end_of_the_text():
    c = seed_corpus()
    row = by_name(c.entities, "ent-rubio-2")
    row["end"] = len(TEXT) + 5
    p = only(check_tables(c.tables(), TAXONOMY), "offset-range")
    assert_at(p, "ent-rubio-2")
    assert p.expected == f"0 <= start < end <= {len(TEXT)}"


def test_span_text_mismatch_shows_both_strings_and_offsets():
    c = seed_corpus()
    row = by_name(c.entities, "ent-medinsky")
    row["export_text"] = "ladimir Medinsky,"  # what UTF-16 offsets one unit off would give
    p = only(check_tables(c.tables(), TAXONOMY), "span-text-mismatch")
    assert_at(p, "ent-medinsky")
    s, e = row["start"], row["end"]
    assert p.message == (f'text[{s}:{e}] is "Vladimir Medinsky" but the Label Studio export '
                         'says "ladimir Medinsky," (first difference at character 0: '
                         'U+006C LATIN SMALL LETTER L vs U+0056 LATIN CAPITAL LETTER V)')
    assert p.expected == '"Vladimir Medinsky"'
    assert "UTF-16" in p.hint and "re-export" in p.hint


@pytest.mark.parametrize(("typed", "named", "form"), [
    ("Vladimir\u00a0Medinsky", "U+00A0 NO-BREAK SPACE vs U+0020 SPACE", "NFKC"),
    ("Vladimir Medi\u200bnsky", "U+200B ZERO WIDTH SPACE vs U+006E LATIN SMALL LETTER N", None),
])
def test_a_span_that_differs_invisibly_names_the_code_point(typed, named, form):
    c = seed_corpus()
    row = by_name(c.entities, "ent-medinsky")
    row["text"] = typed
    p = only(check_tables(c.tables(), TAXONOMY), "span-text-mismatch")
    assert_at(p, "ent-medinsky")
    assert named in p.message
    assert (f"equal after {form} normalization" in p.message) if form else ("normalization" not in p.message)
    assert "print alike" in p.hint and "UTF-16" not in p.hint


def test_a_span_in_another_normalization_form_says_so():
    c = seed_corpus()
    row = next(r for r in c.entities if any(ord(ch) > 0x7f for ch in r["text"]))
    nfd = unicodedata.normalize("NFD", row["text"])
    assert nfd != row["text"]
    row["text"] = nfd
    p = only(check_tables(c.tables(), TAXONOMY), "span-text-mismatch")
    assert "equal after NFC normalization" in p.message and "NFD" in p.message
    assert "COMBINING" in p.message or "WITH" in p.message


def test_span_text_column_must_equal_the_slice():
    c = seed_corpus()
    row = by_name(c.events, "evt-declare")
    row["start"] += 2  # the stored text no longer matches the offsets
    row["end"] += 2
    p = only(check_tables(c.tables(), TAXONOMY), "span-text-mismatch")
    assert_at(p, "evt-declare")
    assert "the span text is \"a déclaré\"" in p.message
    assert "the Label Studio export says \"a déclaré\"" in p.message


def test_null_export_text_is_not_compared():
    c = seed_corpus()
    for row in c.entities:
        row["export_text"] = None
    assert check_tables(c.tables(), TAXONOMY) == []


def test_polars_slices_code_points_not_bytes():
    text = "😀🇺🇦 " + TEXT
    frame = pl.DataFrame({"t": [text], "s": [find("Medinsky", text=text)[0]], "n": [8]})
    sliced = frame.select(pl.col("t").str.slice(pl.col("s"), pl.col("n")))["t"][0]
    assert sliced == "Medinsky"
    assert frame.select(pl.col("t").str.len_chars())["t"][0] == len(text)


def test_emoji_offsets_are_code_points():
    """Non-BMP characters before a span: code-point offsets pass, UTF-16 offsets fail."""
    c = Corpus("😀🇺🇦 " + TEXT)
    c.entity("ent-medinsky", "Vladimir Medinsky", "PER")
    c.entity("ent-rubio", "Marco Rubio", "PER")
    assert check_tables(c.tables(), TAXONOMY) == []

    row = c.entities[1]
    shift = len(c.text[:row["start"]].encode("utf-16-le")) // 2 - row["start"]
    assert shift == 3  # one emoji and two regional indicators, each a surrogate pair
    row["start"] += shift
    row["end"] += shift
    row["text"] = c.text[row["start"]:row["end"]]  # what a UTF-16-offset converter would slice
    p = only(check_tables(c.tables(), TAXONOMY), "span-text-mismatch")
    assert_at(p, "ent-rubio")
    assert '"Marco Rubio"' in p.message and "UTF-16" in p.hint


def test_hash_and_length_mismatch_point_at_the_raw_file():
    c = seed_corpus()
    c.articles[0]["text_sha256"] = sha256(TEXT + " ")
    c.articles[0]["n_chars"] = len(TEXT.encode("utf-8"))
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["hash-mismatch", "n-chars-mismatch"]
    for p in problems:
        assert (p.file, p.article_id, p.annotation_id, p.region_id) == (RAW, ARTICLE, "", "")
    assert problems[0].expected == sha256(TEXT)
    assert problems[1].expected == str(len(TEXT))


def test_rows_of_an_unknown_article():
    c = seed_corpus()
    for rows in (c.entities, c.events, c.event_arguments, c.stances):
        for row in rows:
            row["article_id"] = "pp-000000000000"
    problems = check_tables(c.tables(), TAXONOMY)
    assert set(codes(problems)) == {"unknown-article"}
    n_rows = len(c.entities) + len(c.events) + len(c.event_arguments) + len(c.stances)
    assert len(problems) == n_rows
    assert all(p.article_id == "pp-000000000000" for p in problems)


# ----------------------------------------------------------------------------- references


def test_dangling_event_and_mention_references():
    c = seed_corpus()
    c.event_arguments[0]["event_id"] = f"{ARTICLE}:{ANNOTATION}:evt-missing"
    c.event_arguments[1]["mention_id"] = f"{ARTICLE}:{ANNOTATION}:ent-missing"
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["dangling-reference", "dangling-reference"]
    event = next(p for p in problems if p.field == "event_arguments.event_id")
    assert_at(event, "evt-echange")
    assert "does not exist" in event.message
    mention = next(p for p in problems if p.field == "event_arguments.mention_id")
    assert_at(mention, "evt-declare")


def test_reference_into_another_annotation_is_dangling():
    c = seed_corpus()
    other = c.entity("ent-rubio", "Marco Rubio", "PER", annotation=42, layer="alternate")
    c.event_arguments[1]["mention_id"] = other["mention_id"]
    p = only(check_tables(c.tables(), TAXONOMY), "dangling-reference")
    assert_at(p, "evt-declare")
    assert "annotation 42" in p.message


def test_role_not_allowed_for_the_event_type():
    c = seed_corpus()
    c.event_arguments[1]["role"] = "prisoners"  # a role of PRISONER_EXCHANGE, not STATEMENT
    p = only(check_tables(c.tables(), TAXONOMY), "role-not-allowed")
    assert_at(p, "evt-declare")
    assert p.field == "schema/taxonomy.yaml: event_types[STATEMENT].roles"
    assert p.expected == ", ".join(TAXONOMY.roles_of["STATEMENT"])


def test_filler_type_not_allowed_for_the_role():
    c = seed_corpus()
    c.event_arguments[1]["mention_id"] = by_name(c.entities, "ent-secretaire")["mention_id"]
    p = only(check_tables(c.tables(), TAXONOMY), "filler-type-not-allowed")
    assert_at(p, "evt-declare")
    assert p.field == "schema/taxonomy.yaml: event_types[STATEMENT].roles.speaker"
    assert p.expected == "ACTOR = PER, ORG, GPE, NORP"
    assert "ROLE" in p.message


def test_holder_type_not_allowed():
    c = seed_corpus()
    c.stances[0]["holder_id"] = by_name(c.entities, "ent-secretaire")["mention_id"]
    p = only(check_tables(c.tables(), TAXONOMY), "holder-type-not-allowed")
    assert_at(p, "stc-rubio")
    assert p.expected == ", ".join(TAXONOMY.holder_types)
    assert p.field == "schema/taxonomy.yaml: stance.holder_types"


def test_dangling_holder():
    c = seed_corpus()
    c.stances[0]["holder_id"] = f"{ARTICLE}:{ANNOTATION}:ent-nobody"
    p = only(check_tables(c.tables(), TAXONOMY), "dangling-reference")
    assert_at(p, "stc-rubio")
    assert p.field == "stances.holder_id"


def test_stance_holder_agrees_with_attribution():
    c = seed_corpus()
    c.stances[0]["holder_id"] = None                # quoted, but nobody holds it
    c.stances[1]["attribution"] = "AUTHORIAL"       # the outlet's voice, yet a holder
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["stance-holder", "stance-holder"]
    no_holder = next(p for p in problems if p.region_id == "stc-rubio")
    assert no_holder.message.startswith("stance attributed DIRECT_QUOTE has no holder")
    authorial = next(p for p in problems if p.region_id == "stc-washington")
    assert authorial.expected == "no holder"


def test_authorial_stance_without_holder_is_clean():
    c = seed_corpus()
    c.stances[1]["holder_id"] = None
    c.stances[1]["attribution"] = "AUTHORIAL"
    assert check_tables(c.tables(), TAXONOMY) == []


# ----------------------------------------------------------------------------- duplicates, layers


def test_duplicate_span_in_one_annotation():
    c = seed_corpus()
    c.entity("ent-otan-bis", "OTAN", "ORG")
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["duplicate-span", "duplicate-span"]
    assert {p.region_id for p in problems} == {"ent-otan", "ent-otan-bis"}
    assert "(regions ent-otan, ent-otan-bis)" in problems[0].message


def test_same_span_in_two_annotations_is_not_a_duplicate():
    c = seed_corpus()
    c.entity("ent-otan", "OTAN", "ORG", annotation=42, layer="alternate")
    assert check_tables(c.tables(), TAXONOMY) == []


def test_duplicate_relation():
    c = seed_corpus()
    c.event_arguments.append(dict(c.event_arguments[1]))
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["duplicate-relation", "duplicate-relation"]


def test_two_gold_annotations_of_one_article():
    c = seed_corpus()
    c.entity("ent-otan", "OTAN", "ORG", annotation=42, layer="gold")
    p = only(check_tables(c.tables(), TAXONOMY), "gold-conflict")
    assert (p.file, p.article_id) == (SOURCE, ARTICLE)
    assert "(41, 42)" in p.message


def test_an_annotation_with_rows_in_two_articles_counts_as_gold_in_both():
    """Rows of gold annotation 41 claim two articles (one row in B): B then has two golds,
    41 and 43, whichever row of 41 a query would happen to look at first."""
    c = seed_corpus()
    other = "pp-0123456789ab"
    c.articles.append({**c.articles[0], "article_id": other, "raw_file": f"raw/{other}.txt"})
    by_name(c.entities, "ent-antalya")["article_id"] = other
    c.entity("ent-otan", "OTAN", "ORG", annotation=43)["article_id"] = other
    conflicts = [p for p in check_tables(c.tables(), TAXONOMY) if p.code == "gold-conflict"]
    assert [(p.article_id, p.message) for p in conflicts] == [
        (other, "article has 2 gold annotations (41, 43)")]


# ----------------------------------------------------------------------------- report and rendering


def bad_report():
    c = seed_corpus()
    by_name(c.entities, "ent-otan")["type"] = "ORGANIZATION"
    c.stances[0]["target"] = None
    convert_problem = problem("unknown-control", "region of control 'sentiment'\nis not in the "
                              "label config", file="annotations/a,b.json", article_id=ARTICLE,
                              annotation_id=ANNOTATION, region_id="xyz")
    return validate_corpus(c.tables(), TAXONOMY, extra_problems=[convert_problem])


def test_report_checklist_counts_failures():
    report = bad_report()
    assert not report.ok
    checks = {name: (passed, n) for name, passed, n in report.checks}
    assert checks["labels are defined in schema/taxonomy.yaml"] == (False, 1)
    assert checks["required values are present"] == (False, 1)
    assert checks[READ.title] == (False, 1)
    assert checks["span text equals text[start:end]"] == (True, 0)
    assert report.problems == sorted(report.problems)


def test_render_text_checklist_then_one_line_per_problem():
    report = bad_report()
    text = render_text(report)
    lines = text.splitlines()
    assert lines[0] == "validate: 3 of 19 checks failed, 3 problems"
    assert lines[1] == "  ✓ tables have the expected columns and types"
    assert "  ✗ labels are defined in schema/taxonomy.yaml: 1 problem" in lines
    details = lines[lines.index("problems:") + 1:]
    assert len(details) == len(report.problems)
    assert any("[unknown-label]" in line and "region ent-otan" in line for line in details)
    assert any("'sentiment'\\nis not" in line for line in details)


def test_render_text_clean():
    report = validate_corpus(seed_corpus().tables(), TAXONOMY)
    assert render_text(report).splitlines()[0] == "validate: all 19 checks passed"


def test_render_json_round_trips():
    report = bad_report()
    data = json.loads(render_json(report))
    assert data["ok"] is False
    assert [c["name"] for c in data["checks"]] == [name for name, _, _ in report.checks]
    assert data["problems"] == [p.as_dict() for p in report.problems]
    assert render_json(report) == render_json(copy.deepcopy(report))


def test_render_github_escapes_properties_and_data():
    report = bad_report()
    lines = render_github(report).splitlines()
    assert len(lines) == len(report.problems)
    convert_line = next(line for line in lines if "unknown-control" in line)
    assert convert_line.startswith(
        "::error file=annotations/a%2Cb.json,title=pourparlers validate%3A unknown-control::")
    assert "'sentiment'%0Ais not" in convert_line
    label_line = next(line for line in lines if "unknown-label" in line)
    assert label_line.startswith(f"::error file={SOURCE},title=")
    assert "%0Aexpected: PER, ORG" in label_line


def test_render_github_escapes_percent_and_carriage_return():
    report = validate_corpus(seed_corpus().tables(), TAXONOMY, extra_problems=[
        problem("metadata-invalid", "100% done\r\nnext", file="raw/50%,x:y.txt", field="", hint="")])
    line = render_github(report).splitlines()[0]
    assert line == ("::error file=raw/50%25%2Cx%3Ay.txt,title=pourparlers validate%3A metadata-invalid::"
                    "raw/50%25,x:y.txt: 100%25 done%0D%0Anext")


def test_render_github_clean_is_a_notice():
    report = validate_corpus(seed_corpus().tables(), TAXONOMY)
    assert render_github(report) == (
        "::notice title=pourparlers validate::all 19 checks passed\n")


@pytest.mark.parametrize("name", ["entities", "events", "stances"])
def test_every_span_table_is_checked_against_the_text(name):
    c = seed_corpus()
    row = getattr(c, name)[0]
    row["text"] = row["text"].upper()
    p = only(check_tables(c.tables(), TAXONOMY), "span-text-mismatch")
    assert_at(p, row["region_id"])
    assert p.field == f"{name}.text"


def test_relations_of_one_trigger_are_told_apart():
    """A relation has no id of its own: its problems name the trigger region, target and role."""
    c = seed_corpus()
    for argument in c.event_arguments[1:]:   # both arguments of "a déclaré"
        argument["role"] = None
    problems = check_tables(c.tables(), TAXONOMY)
    assert codes(problems) == ["missing-value", "missing-value"]
    for p in problems:
        assert_at(p, "evt-declare")
    assert sorted(p.message for p in problems) == [
        "relation to region ent-antalya (no role): event argument has no role "
        "(event_arguments.role is null)",
        "relation to region ent-rubio (no role): event argument has no role "
        "(event_arguments.role is null)",
    ]
