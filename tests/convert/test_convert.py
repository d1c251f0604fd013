"""convert: Label Studio exports to tables, and one test per bad input (code and location)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from export_fixtures import (
    CALL,
    DATE,
    EXPORTS,
    GOOD,
    JUNK,
    PAIR,
    PROBE,
    PROBE_ID,
    PUTIN,
    SEED_000,
    SEED_002,
    STANCE,
    TAXONOMY,
    TEXTS,
    THIRDPARTY,
    TRUMP,
    ZELENSKY,
    articles,
    damage,
    find,
    fixture,
    relation,
    result_of,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pourparlers import convert as convert_module
from pourparlers import workers
from pourparlers.convert import ConvertResult, convert_exports, convert_task, write_tables
from pourparlers.corpus import annotation_files
from pourparlers.errors import Problem
from pourparlers.repo import Repo
from pourparlers.tables import SCHEMAS


def convert(root: Path, exports: dict[str, object], texts: dict[str, str] = TEXTS) -> ConvertResult:
    """Write each export (JSON value, or bytes as is) to root/annotations and convert them all."""
    folder = root / "annotations"
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in exports.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return convert_exports(Repo(root), annotation_files(Repo(root)), articles(texts), TAXONOMY)


def convert_one(root: Path, tasks: object, name: str = f"{GOOD}.json") -> ConvertResult:
    return convert(root, {name: tasks})


def only(result: ConvertResult, code: str) -> Problem:
    """The single problem of the run, which must have this code."""
    assert [p.code for p in result.problems] == [code], [p.render() for p in result.problems]
    return result.problems[0]


def at(p: Problem, file: str = f"annotations/{GOOD}.json", article: str = GOOD,
       annotation: object = "", region: str = "") -> None:
    assert (p.file, p.article_id, p.annotation_id, p.region_id) == (
        file, article, str(annotation), region), p.render()
    assert p.hint, p.code


def rows(table: pa.Table, **where: object) -> list[dict]:
    return [r for r in table.to_pylist() if all(r[k] == v for k, v in where.items())]


def accounted(result: ConvertResult) -> None:
    """Every item was converted or rejected, and rejected items come with problems."""
    for row in result.summary:
        items = row["regions"] + row["choices"] + row["relations"] + row["other"]
        assert items == row["converted"] + row["rejected"], row
        if row["rejected"]:
            assert row["problems"], row


# -- the good export ---------------------------------------------------------------------------


def test_good_export_converts_without_problems(tmp_path: Path) -> None:
    result = convert(tmp_path, {f"{GOOD}.json": fixture(GOOD)})
    assert result.problems == []
    for name, table in result.tables.items():
        assert table.schema == SCHEMAS[name], name
    t = result.tables
    assert t["entities"].num_rows == 10
    assert t["events"].num_rows == 1
    assert t["event_arguments"].num_rows == 2
    assert t["stances"].num_rows == 1
    for name in ("entities", "events", "stances"):
        for row in t[name].to_pylist():
            assert row["text"] == row["export_text"] == SEED_002[row["start"]:row["end"]]


def test_good_export_values(tmp_path: Path) -> None:
    t = convert(tmp_path, {f"{GOOD}.json": fixture(GOOD)}).tables
    prefix = f"{GOOD}:12:"
    (putin,) = rows(t["entities"], region_id=PUTIN)
    assert putin == {
        "mention_id": prefix + PUTIN, "article_id": GOOD,
        "source_file": f"annotations/{GOOD}.json", "task_id": 7, "annotation_id": 12,
        "annotator": "3", "layer": "gold", "region_id": PUTIN, "start": 35, "end": 51,
        "text": "Vladimir Poutine", "export_text": "Vladimir Poutine", "type": "PER",
        "canonical_id": "vladimir-poutine",
    }
    assert [r["region_id"] for r in t["entities"].to_pylist() if r["canonical_id"]] == [PUTIN]
    (event,) = t["events"].to_pylist()
    assert (event["event_id"], event["type"], event["realis"], event["text"]) == (
        prefix + CALL, "CALL", "ACTUAL", "contacté")
    arguments = t["event_arguments"].to_pylist()
    assert [(a["event_id"], a["region_id"], a["role"], a["mention_id"], a["target_region_id"])
            for a in arguments] == [
        (prefix + CALL, CALL, "participant", prefix + TRUMP, TRUMP),
        (prefix + CALL, CALL, "participant", prefix + PUTIN, PUTIN),
    ]
    (stance,) = t["stances"].to_pylist()
    assert (stance["stance_id"], stance["holder_id"], stance["target"], stance["polarity"],
            stance["attribution"], stance["text"]) == (
        prefix + STANCE, prefix + ZELENSKY, "ceasefire", "FAVOR", "INDIRECT_SPEECH",
        "tout cessez-le-feu devait être inconditionnel")


def test_annotator_is_the_user_id_never_the_email(tmp_path: Path) -> None:
    """An expanded user object gives its id; if it carries an e-mail, that is reported too."""
    tasks = fixture(GOOD)
    tasks[0]["annotations"][0]["completed_by"]["email"] = "annotatrice3@example.org"
    result = convert_one(tmp_path, tasks)
    assert {r["annotator"] for r in result.tables["entities"].to_pylist()} == {"3"}
    p = only(result, "personal-data")
    assert (p.field, p.message) == ("[0].annotations[0].completed_by.email",
                                    "[0].annotations[0].completed_by.email names a person: a…@example.org")


def test_rows_are_ordered_whatever_the_item_order(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    before = convert(tmp_path / "a", {f"{GOOD}.json": tasks}).tables
    random.Random(4).shuffle(result_of(tasks))
    after = convert(tmp_path / "b", {f"{GOOD}.json": tasks}).tables
    for name in before:
        assert before[name].equals(after[name]), name
    starts = before["entities"].column("start").to_pylist()
    assert starts == sorted(starts)


def test_tables_are_sorted_by_article_across_files(tmp_path: Path) -> None:
    result = convert(tmp_path, {f"{GOOD}.json": fixture(GOOD), f"{PAIR}.json": fixture(PAIR)})
    assert result.problems == []
    keys = [(r["article_id"], r["layer"] != "gold", r["annotation_id"], r["start"])
            for r in result.tables["entities"].to_pylist()]
    assert keys == sorted(keys)
    assert [row["file"] for row in result.summary] == [
        f"annotations/{GOOD}.json", f"annotations/{PAIR}.json"]


def test_batches_give_the_same_tables(tmp_path: Path, monkeypatch) -> None:
    exports = {f"{GOOD}.json": fixture(GOOD), f"{PAIR}.json": fixture(PAIR)}
    one = convert(tmp_path / "a", exports)
    monkeypatch.setattr(convert_module, "BATCH_ROWS", 1)
    many = convert(tmp_path / "b", exports)
    for name in one.tables:
        assert one.tables[name].equals(many.tables[name]), name


def test_a_single_task_object_is_a_one_task_export(tmp_path: Path) -> None:
    result = convert_one(tmp_path, fixture(GOOD)[0])
    assert result.problems == []
    assert result.tables["entities"].num_rows == 10


def test_task_without_annotations_gives_no_rows_and_no_problem(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    tasks[0]["annotations"] = []
    result = convert_one(tmp_path, tasks)
    assert result.problems == []
    assert all(table.num_rows == 0 for table in result.tables.values())
    assert result.summary[0]["annotations"] == "0/0/0"


def test_convert_task_alone() -> None:
    done = convert_task(fixture(GOOD)[0], file=f"annotations/{GOOD}.json",
                        articles_by_id={GOOD: SEED_002}, taxonomy=TAXONOMY)
    assert done.problems == [] and done.article_id == GOOD
    assert done.counts.items == done.counts.converted == 20
    assert done.tables()["event_arguments"].num_rows == 2


def test_values_are_kept_raw_for_validate(tmp_path: Path) -> None:
    """Unknown labels, roles, targets and out-of-range offsets are validate's to report."""
    tasks = fixture(GOOD)
    find(tasks, TRUMP)["value"]["labels"] = ["PRESIDENT"]
    relation(tasks, CALL, PUTIN)["labels"] = ["callee"]
    find(tasks, STANCE, "stance_target")["value"]["choices"] = ["world_peace"]
    find(tasks, DATE)["value"]["end"] = 5000
    result = convert_one(tmp_path, tasks)
    assert result.problems == []
    t = result.tables
    assert rows(t["entities"], region_id=TRUMP)[0]["type"] == "PRESIDENT"
    assert rows(t["event_arguments"], target_region_id=PUTIN)[0]["role"] == "callee"
    assert t["stances"].to_pylist()[0]["target"] == "world_peace"
    date = rows(t["entities"], region_id=DATE)[0]
    assert (date["end"], date["text"], date["export_text"]) == (5000, "", "Le 19 mai")


def test_left_relation_is_read_from_to_to_from(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    rel = relation(tasks, CALL, TRUMP)
    rel.update(from_id=TRUMP, to_id=CALL, direction="left")
    result = convert_one(tmp_path, tasks)
    assert result.problems == []
    assert rows(result.tables["event_arguments"], target_region_id=TRUMP)[0]["region_id"] == CALL


def test_summary_counts(tmp_path: Path) -> None:
    (row,) = convert_one(tmp_path, fixture(GOOD)).summary
    assert row == {
        "file": f"annotations/{GOOD}.json", "article_id": GOOD, "tasks": 1,
        "annotations": "1/0/0", "gold": 1, "alternate": 0, "cancelled": 0, "regions": 12,
        "choices": 5, "relations": 3, "other": 0, "converted": 20, "rejected": 0, "rows": 14,
        "problems": 0,
    }


# -- several annotations -----------------------------------------------------------------------


def layers(result: ConvertResult) -> dict[int, str]:
    return {r["annotation_id"]: r["layer"] for r in result.tables["entities"].to_pylist()}


def test_ground_truth_annotation_is_gold_even_if_older(tmp_path: Path) -> None:
    result = convert_one(tmp_path, fixture(PAIR), f"{PAIR}.json")
    assert result.problems == []
    assert layers(result) == {21: "gold", 22: "alternate"}
    row = result.summary[0]
    assert (row["annotations"], row["gold"], row["alternate"], row["cancelled"]) == (
        "1/1/1", 1, 1, 1)


def test_latest_annotation_is_gold_without_ground_truth(tmp_path: Path) -> None:
    tasks = fixture(PAIR)
    tasks[0]["annotations"][0]["ground_truth"] = False
    assert layers(convert_one(tmp_path, tasks, f"{PAIR}.json")) == {21: "alternate", 22: "gold"}


def test_latest_is_read_from_timestamps_not_text(tmp_path: Path) -> None:
    tasks = fixture(PAIR)
    first, second = tasks[0]["annotations"][:2]
    first["ground_truth"] = False
    first["updated_at"] = "2025-11-21T09:30:07Z"        # later than 22, with a shorter format
    second["updated_at"] = "2025-11-21T08:30:07.104377Z"
    assert layers(convert_one(tmp_path, tasks, f"{PAIR}.json")) == {21: "gold", 22: "alternate"}


def test_alternate_layer_is_converted_like_gold(tmp_path: Path) -> None:
    t = convert_one(tmp_path, fixture(PAIR), f"{PAIR}.json").tables
    alternate = rows(t["entities"], layer="alternate")
    assert {(r["text"], r["type"], r["annotator"]) for r in alternate} == {
        ("Vladimir Medinsky", "PER", "5"), ("Marco Rubio", "PER", "5"),
        ("Washington", "ORG", "5")}
    assert [r["layer"] for r in t["entities"].to_pylist()][:6] == ["gold"] * 6
    assert {(r["annotation_id"], r["role"]) for r in t["event_arguments"].to_pylist()} == {
        (21, "speaker"), (21, "location"), (22, "speaker")}
    assert rows(t["event_arguments"], annotation_id=22)[0]["event_id"] == f"{PAIR}:22:Tf6gU0rKwC"


def test_multiple_ground_truth(tmp_path: Path) -> None:
    tasks = fixture(PAIR)
    tasks[0]["annotations"][1]["ground_truth"] = True
    result = convert_one(tmp_path, tasks, f"{PAIR}.json")
    at(only(result, "multiple-ground-truth"), f"annotations/{PAIR}.json", PAIR, 21)
    assert layers(result) == {21: "alternate", 22: "gold"}


def test_only_cancelled(tmp_path: Path) -> None:
    tasks = fixture(PAIR)
    for annotation in tasks[0]["annotations"]:
        annotation["was_cancelled"] = True
    result = convert_one(tmp_path, tasks, f"{PAIR}.json")
    at(only(result, "only-cancelled"), f"annotations/{PAIR}.json", PAIR)
    assert result.tables["entities"].num_rows == 0
    assert result.summary[0]["cancelled"] == 3


def test_annotation_without_result(tmp_path: Path) -> None:
    tasks = fixture(PAIR)
    del tasks[0]["annotations"][1]["result"]
    result = convert_one(tmp_path, tasks, f"{PAIR}.json")
    at(only(result, "missing-key"), f"annotations/{PAIR}.json", PAIR, 22)
    assert layers(result) == {21: "gold"}


def test_annotation_id_must_be_an_integer(tmp_path: Path) -> None:
    tasks = fixture(PAIR)
    tasks[0]["annotations"][1]["id"] = "22"
    result = convert_one(tmp_path, tasks, f"{PAIR}.json")
    at(only(result, "missing-key"), f"annotations/{PAIR}.json", PAIR, 22)
    assert result.summary[0]["rejected"] == 6
    accounted(result)


# -- offsets -----------------------------------------------------------------------------------


def test_offsets_are_code_points_after_emoji_and_crlf(tmp_path: Path) -> None:
    result = convert_one(tmp_path, fixture(PROBE_ID), f"{PROBE_ID}.json")
    assert result.problems == []
    by_region = {r["region_id"]: r for r in result.tables["entities"].to_pylist()}
    ok, deleg = by_region["Pr0bEcP1nt"], by_region["Pr0bEdLg4t"]
    assert PROBE.index("Vladimir Medinsky") == ok["start"]
    assert ok["text"] == ok["export_text"] == "Vladimir Medinsky"
    # "Les délégations" follows "\r\n\r\n": each \r\n is two code points.
    assert PROBE[deleg["start"] - 2:deleg["start"]] == "\r\n"
    assert deleg["text"] == deleg["export_text"] == "Les délégations"


def test_utf16_offsets_do_not_slice_the_exported_text(tmp_path: Path) -> None:
    """The flag is 2 code points but 4 UTF-16 units: UTF-16 offsets land 2 too far."""
    t = convert_one(tmp_path, fixture(PROBE_ID), f"{PROBE_ID}.json").tables
    (utf16,) = rows(t["entities"], region_id="Pr0bEu16Xx")
    assert utf16["start"] == PROBE.index("Vladimir Medinsky") + 2
    assert utf16["export_text"] == "Vladimir Medinsky"
    assert utf16["text"] == "adimir Medinsky, " != utf16["export_text"]


# -- file problems -----------------------------------------------------------------------------


def test_file_unreadable(tmp_path: Path, monkeypatch) -> None:
    """An export the process may not read (EACCES for a user other than root, EIO on a bad disk)."""
    import builtins

    from pourparlers.convert import exports

    def refuse(path, *args, **kwargs):
        if str(path).endswith(f"{GOOD}.json"):
            raise PermissionError(13, "Permission denied")
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(exports, "open", refuse, raising=False)
    p = only(convert_one(tmp_path, fixture(GOOD)), "file-unreadable")
    at(p, article="")
    assert p.message == "cannot read the file: Permission denied"


def test_file_empty(tmp_path: Path) -> None:
    result = convert_one(tmp_path, b"")
    at(only(result, "file-empty"), article="")
    assert result.summary[0]["problems"] == 1


def test_file_with_only_whitespace_is_empty(tmp_path: Path) -> None:
    at(only(convert_one(tmp_path, b"  \n"), "file-empty"), article="")


def test_json_truncated(tmp_path: Path) -> None:
    raw = (EXPORTS / f"{GOOD}.json").read_bytes()[:700]
    p = only(convert_one(tmp_path, raw), "json-invalid")
    at(p, article="")
    assert "line 1, column " in p.message


def test_json_invalid_gives_line_and_column(tmp_path: Path) -> None:
    p = only(convert_one(tmp_path, b'[\n  {"id": 7,\n   "data": }\n]'), "json-invalid")
    assert "line 3, column 12" in p.message


def test_export_shape_not_a_list(tmp_path: Path) -> None:
    at(only(convert_one(tmp_path, "tasks"), "export-shape"), article="")


def test_export_shape_empty_list(tmp_path: Path) -> None:
    at(only(convert_one(tmp_path, []), "export-shape"), article="")


def test_folder_named_like_an_export(tmp_path: Path) -> None:
    folder = tmp_path / "annotations" / f"{GOOD}.json"
    folder.mkdir(parents=True)
    result = convert_exports(Repo(tmp_path), annotation_files(Repo(tmp_path)), articles(), TAXONOMY)
    p = only(result, "not-a-regular-file")
    at(p, article="")
    assert p.message == "the export is a folder"


# -- task problems -----------------------------------------------------------------------------


def test_task_not_an_object(tmp_path: Path) -> None:
    result = convert_one(tmp_path, [fixture(GOOD)[0], 7])
    p = only(result, "missing-key")
    at(p, article="")
    assert "task #1" in p.message
    assert result.tables["entities"].num_rows == 10


def test_task_without_id(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    del tasks[0]["id"]
    result = convert_one(tmp_path, tasks)
    at(only(result, "missing-key"))
    assert result.tables["entities"].num_rows == 0
    assert result.summary[0]["rejected"] == 20
    accounted(result)


def test_task_without_article_id(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    del tasks[0]["data"]["article_id"]
    at(only(convert_one(tmp_path, tasks), "missing-key"), article="")


def test_unknown_article(tmp_path: Path) -> None:
    result = convert(tmp_path, {f"{GOOD}.json": fixture(GOOD)}, texts={PAIR: SEED_000})
    p = only(result, "unknown-article")
    at(p)
    assert "pourparlers ingest" in p.hint
    assert result.tables["entities"].num_rows == 0


def test_text_drift(tmp_path: Path) -> None:
    changed = SEED_002.replace("Truth Social", "Truth  Social")
    result = convert(tmp_path, {f"{GOOD}.json": fixture(GOOD)}, texts={GOOD: changed})
    p = only(result, "text-drift")
    at(p)
    assert f"position {SEED_002.index('Truth Social') + 6}" in p.message
    assert result.tables["entities"].num_rows == 0


def test_text_drift_when_export_is_for_a_shorter_text(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    tasks[0]["data"]["text"] = SEED_002[:100]
    at(only(convert_one(tmp_path, tasks), "text-drift"))


def test_duplicate_article_in_two_files(tmp_path: Path) -> None:
    result = convert(tmp_path, {f"{GOOD}.json": fixture(GOOD), "zz-copy.json": fixture(GOOD)})
    codes = sorted(p.code for p in result.problems)
    assert codes == ["duplicate-article", "file-name-mismatch"]
    dup = next(p for p in result.problems if p.code == "duplicate-article")
    at(dup, file="annotations/zz-copy.json")
    assert f"annotations/{GOOD}.json" in dup.message
    assert result.tables["entities"].num_rows == 10
    accounted(result)


def test_duplicate_article_in_one_file(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    result = convert_one(tmp_path, tasks + tasks)
    at(only(result, "duplicate-article"))
    assert result.tables["entities"].num_rows == 10


def test_file_name_mismatch(tmp_path: Path) -> None:
    result = convert_one(tmp_path, fixture(GOOD), "project-1-at-2025-11-21.json")
    p = only(result, "file-name-mismatch")
    at(p, file="annotations/project-1-at-2025-11-21.json")
    assert p.expected == f"{GOOD}.json"
    assert result.tables["entities"].num_rows == 10


# -- result items ------------------------------------------------------------------------------


def test_unknown_result_type(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    result_of(tasks).append({"id": "Rt5aQw2pLm", "from_name": "quality", "to_name": "text",
                             "type": "rating", "value": {"rating": 4}})
    at(only(convert_one(tmp_path, tasks), "unknown-result-type"), annotation=12,
       region="Rt5aQw2pLm")


def test_unknown_control(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    find(tasks, TRUMP)["from_name"] = "label"
    result = convert_one(tmp_path, tasks)
    codes = [p.code for p in result.problems]
    # the argument to Trump now dangles: reported, not dropped
    assert codes == ["unknown-control", "dangling-relation"]
    p = result.problems[0]
    at(p, annotation=12, region=TRUMP)
    assert p.expected == "entity, event, stance"


def test_unknown_control_of_a_choice(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    find(tasks, CALL, "realis")["from_name"] = "event_modality"
    p = only(convert_one(tmp_path, tasks), "unknown-control")
    at(p, annotation=12, region=CALL)
    assert "realis" in p.expected


def test_to_name_not_text(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    find(tasks, DATE)["to_name"] = "txt"
    at(only(convert_one(tmp_path, tasks), "unknown-control"), annotation=12, region=DATE)


@pytest.mark.parametrize("key", ["start", "end", "labels"])
def test_region_missing_value_key(tmp_path: Path, key: str) -> None:
    tasks = fixture(GOOD)
    del find(tasks, DATE)["value"][key]
    at(only(convert_one(tmp_path, tasks), "missing-key"), annotation=12, region=DATE)


def test_region_without_id(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    del find(tasks, DATE)["id"]
    at(only(convert_one(tmp_path, tasks), "missing-key"), annotation=12, region="")


@pytest.mark.parametrize("labels", [[], ["PER", "ORG"], "PER"])
def test_label_count(tmp_path: Path, labels: object) -> None:
    tasks = fixture(GOOD)
    find(tasks, DATE)["value"]["labels"] = labels
    p = only(convert_one(tmp_path, tasks), "label-count")
    at(p, annotation=12, region=DATE)
    assert p.field == "entities.type"


@pytest.mark.parametrize("start", ["0", 0.0, True, None, 2**40])
def test_offset_type(tmp_path: Path, start: object) -> None:
    tasks = fixture(GOOD)
    find(tasks, DATE)["value"]["start"] = start
    p = only(convert_one(tmp_path, tasks), "offset-type")
    at(p, annotation=12, region=DATE)
    assert p.field == "entities.start"


def test_duplicate_region(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    copy = json.loads(json.dumps(find(tasks, DATE)))
    copy["value"].update(start=11, end=23, text="Donald Trump", labels=["PER"])
    result_of(tasks).append(copy)
    result = convert_one(tmp_path, tasks)
    at(only(result, "duplicate-region"), annotation=12, region=DATE)
    assert rows(result.tables["entities"], region_id=DATE)[0]["text"] == "Le 19 mai"


def test_stance_region_with_another_label(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    find(tasks, STANCE)["value"]["labels"] = ["FAVOR"]
    result = convert_one(tmp_path, tasks)
    codes = [p.code for p in result.problems]
    assert codes[0] == "unknown-label"
    assert set(codes[1:]) == {"orphan-choice", "dangling-relation"}
    at(result.problems[0], annotation=12, region=STANCE)
    accounted(result)


# -- per-region choices and textareas ----------------------------------------------------------


def test_orphan_choice(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    find(tasks, CALL, "realis")["id"] = "Xx0NoSuchR"
    at(only(convert_one(tmp_path, tasks), "orphan-choice"), annotation=12, region="Xx0NoSuchR")


def test_choice_span_mismatch(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    find(tasks, CALL, "realis")["value"]["end"] += 1
    result = convert_one(tmp_path, tasks)
    p = only(result, "choice-span-mismatch")
    at(p, annotation=12, region=CALL)
    assert p.expected == "start 26, end 34"
    assert result.tables["events"].to_pylist()[0]["realis"] is None


@pytest.mark.parametrize("choices", [[], ["ACTUAL", "PLANNED"], [""], [3]])
def test_choice_count(tmp_path: Path, choices: list) -> None:
    tasks = fixture(GOOD)
    find(tasks, CALL, "realis")["value"]["choices"] = choices
    p = only(convert_one(tmp_path, tasks), "choice-count")
    at(p, annotation=12, region=CALL)
    assert p.field == "events.realis"


@pytest.mark.parametrize("text", [[], ["Q7747", "Q30"], [""], ["  "], "Q7747"])
def test_canonical_id_must_be_one_string(tmp_path: Path, text: object) -> None:
    tasks = fixture(GOOD)
    find(tasks, PUTIN, "canonical_id")["value"]["text"] = text
    p = only(convert_one(tmp_path, tasks), "choice-count")
    at(p, annotation=12, region=PUTIN)
    assert p.field == "entities.canonical_id"


def _move_choice(tasks: list[dict], rid: str, control: str, to: str) -> None:
    item = find(tasks, rid, control)
    target = find(tasks, to)["value"]
    item["id"] = to
    item["value"].update(start=target["start"], end=target["end"], text=target["text"])


@pytest.mark.parametrize(("rid", "control", "to"), [
    (CALL, "realis", TRUMP),                       # realis on an entity
    (STANCE, "stance_polarity", CALL),             # stance_* on an event
    (PUTIN, "canonical_id", CALL),                 # canonical_id on an event
])
def test_choice_not_allowed(tmp_path: Path, rid: str, control: str, to: str) -> None:
    tasks = fixture(GOOD)
    _move_choice(tasks, rid, control, to)
    at(only(convert_one(tmp_path, tasks), "choice-not-allowed"), annotation=12, region=to)


def test_duplicate_choice(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    second = json.loads(json.dumps(find(tasks, STANCE, "stance_polarity")))
    second["value"]["choices"] = ["AGAINST"]
    result_of(tasks).append(second)
    result = convert_one(tmp_path, tasks)
    at(only(result, "duplicate-choice"), annotation=12, region=STANCE)
    assert result.tables["stances"].to_pylist()[0]["polarity"] == "FAVOR"


# -- relations ---------------------------------------------------------------------------------


def test_dangling_relation(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    relation(tasks, CALL, PUTIN)["to_id"] = "Gone000000"
    result = convert_one(tmp_path, tasks)
    p = only(result, "dangling-relation")
    at(p, annotation=12, region=CALL)
    assert "Gone000000" in p.message
    assert result.tables["event_arguments"].num_rows == 1


def test_relation_without_label(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    relation(tasks, CALL, PUTIN)["labels"] = []
    at(only(convert_one(tmp_path, tasks), "relation-label-count"), annotation=12, region=CALL)


def test_relation_with_two_labels(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    relation(tasks, CALL, PUTIN)["labels"] = ["participant", "topic"]
    at(only(convert_one(tmp_path, tasks), "relation-label-count"), annotation=12, region=CALL)


def test_relation_both_directions(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    relation(tasks, STANCE, ZELENSKY)["direction"] = "bi"
    result = convert_one(tmp_path, tasks)
    at(only(result, "relation-direction"), annotation=12, region=STANCE)
    assert result.tables["stances"].to_pylist()[0]["holder_id"] is None


def _add_relation(tasks: list[dict], from_id: str, to_id: str, label: str) -> None:
    result_of(tasks).append({"from_id": from_id, "to_id": to_id, "type": "relation",
                             "direction": "right", "labels": [label]})


@pytest.mark.parametrize(("from_id", "to_id", "label"), [
    (TRUMP, PUTIN, "participant"),      # entity -> entity
    (CALL, ZELENSKY, "holder"),         # holder label from an event
    (STANCE, PUTIN, "participant"),     # role label from a stance
    (CALL, STANCE, "topic"),            # relation to a non-entity
    (STANCE, CALL, "holder"),           # holder that is not an entity
])
def test_relation_not_allowed(tmp_path: Path, from_id: str, to_id: str, label: str) -> None:
    tasks = fixture(GOOD)
    _add_relation(tasks, from_id, to_id, label)
    at(only(convert_one(tmp_path, tasks), "relation-not-allowed"), annotation=12, region=from_id)


def test_multiple_holders(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    _add_relation(tasks, STANCE, TRUMP, "holder")
    result = convert_one(tmp_path, tasks)
    at(only(result, "multiple-holders"), annotation=12, region=STANCE)
    assert result.tables["stances"].to_pylist()[0]["holder_id"] == f"{GOOD}:12:{ZELENSKY}"


def test_duplicate_relation(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    _add_relation(tasks, CALL, PUTIN, "participant")
    result = convert_one(tmp_path, tasks)
    at(only(result, "duplicate-relation"), annotation=12, region=CALL)
    assert result.tables["event_arguments"].num_rows == 2


# -- accounting --------------------------------------------------------------------------------


def test_every_item_is_converted_or_reported(tmp_path: Path) -> None:
    """Across clean and broken exports, items in == converted + rejected, file by file."""
    broken = fixture(GOOD)
    broken[0]["data"]["article_id"] = PROBE_ID
    broken[0]["data"]["text"] = PROBE
    find(broken, DATE)["value"]["labels"] = []
    find(broken, CALL, "realis")["value"]["choices"] = []
    relation(broken, STANCE, ZELENSKY)["direction"] = "bi"
    result_of(broken).append({"type": "rating", "value": {}})
    result_of(broken).append("not an item")
    pair = fixture(PAIR)
    pair[0]["data"]["text"] = SEED_000 + " "
    result = convert(tmp_path, {f"{GOOD}.json": fixture(GOOD), f"{PAIR}.json": pair,
                                f"{PROBE_ID}.json": broken, "empty.json": b""})
    accounted(result)
    total = {key: sum(row[key] for row in result.summary)
             for key in ("regions", "choices", "relations", "other", "converted", "rejected",
                         "rows", "problems")}
    assert total["rejected"] > 0
    assert total["problems"] == len(result.problems)
    assert total["rows"] == sum(t.num_rows for t in result.tables.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_accounting_holds_for_any_damage(data: st.DataObject) -> None:
    """Random damage to items of the good task never crashes and never loses an item."""
    tasks = fixture(GOOD)
    damage(result_of(tasks), data, 1, 6, JUNK)
    done = convert_task(tasks[0], file=f"annotations/{GOOD}.json",
                        articles_by_id={GOOD: SEED_002}, taxonomy=TAXONOMY)
    counts = done.counts
    assert counts.items == counts.converted + counts.rejected
    assert counts.rejected == 0 or done.problems
    tables = done.tables()
    assert counts.rows == sum(t.num_rows for t in tables.values())
    for name, table in tables.items():
        assert table.schema == SCHEMAS[name]


def test_thirdparty_inconsistent_export_gives_problems(tmp_path: Path) -> None:
    raw = (THIRDPARTY / "lsf_rich_text_plain_annotation_inconsistent.json").read_bytes()
    result = convert_one(tmp_path, raw, "lsf_rich_text_plain_annotation_inconsistent.json")
    p = only(result, "missing-key")
    at(p, file="annotations/lsf_rich_text_plain_annotation_inconsistent.json", article="")
    assert "article_id" in p.message
    accounted(result)


def test_thirdparty_export_mapped_to_an_article_still_gives_problems(tmp_path: Path) -> None:
    """Give it the keys we need: its string annotation id and foreign control still fail."""
    task = json.loads((THIRDPARTY / "lsf_rich_text_plain_annotation_inconsistent.json")
                      .read_text(encoding="utf-8"))
    text = task["data"]["ner"]
    task["data"].update(text=text, article_id="pp-000000000001")
    texts = {"pp-000000000001": text}
    first = convert(tmp_path / "a", {"pp-000000000001.json": task}, texts)
    at(only(first, "missing-key"), "annotations/pp-000000000001.json", "pp-000000000001", 1001)
    task["annotations"][0]["id"] = 1001
    second = convert(tmp_path / "b", {"pp-000000000001.json": task}, texts)
    p = only(second, "unknown-control")
    at(p, "annotations/pp-000000000001.json", "pp-000000000001", 1001, "beFiQTT1cU")
    accounted(first)
    accounted(second)


# -- paths and output --------------------------------------------------------------------------


def test_exports_are_named_relative_to_a_relative_root(tmp_path: Path, monkeypatch) -> None:
    convert_one(tmp_path, fixture(GOOD))
    monkeypatch.chdir(tmp_path / "annotations")
    repo = Repo(Path(".."))
    result = convert_exports(repo, annotation_files(repo), articles(), TAXONOMY)
    assert result.problems == []
    assert result.summary[0]["file"] == f"annotations/{GOOD}.json"
    assert result.tables["entities"]["source_file"][0].as_py() == f"annotations/{GOOD}.json"


def test_write_tables_round_trips(tmp_path: Path) -> None:
    tables = convert_one(tmp_path, fixture(GOOD)).tables
    written = write_tables(tables, tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(f"{name}.parquet" for name in tables)
    for name, table in tables.items():
        assert pq.read_table(tmp_path / "out" / f"{name}.parquet").equals(table)


# -- converting in worker processes -------------------------------------------------------------

def _in_one_and_in_workers(root: Path, exports: dict[str, object], monkeypatch) -> tuple[
        ConvertResult, ConvertResult, bool]:
    """The result in one process, in workers (runs of one file), and whether the workers' parts
    had to be converted again in one process."""
    one = convert(root, exports)
    again = []
    plain = convert_module._convert_files

    def spied(named, *args):
        again.append(len(named))      # (the workers' own calls are counted in the workers)
        return plain(named, *args)

    monkeypatch.setattr(convert_module, "CONVERT_RUNS", workers.Runs(parallel_from=1, size=1, workers=2))
    monkeypatch.setattr(convert_module, "_convert_files", spied)
    many = convert_exports(Repo(root), annotation_files(Repo(root)), articles(), TAXONOMY)
    return one, many, bool(again)


def _same(one: ConvertResult, many: ConvertResult) -> None:
    for name in one.tables:
        assert one.tables[name].equals(many.tables[name]), name
    assert many.problems == one.problems
    assert many.summary == one.summary


def test_workers_give_the_result_of_one_process(tmp_path: Path, monkeypatch) -> None:
    probe = fixture(GOOD)
    probe[0]["data"].update(article_id=PROBE_ID, text=PROBE)
    probe[0]["annotations"][0]["result"] = []
    exports = {f"{GOOD}.json": fixture(GOOD), f"{PAIR}.json": fixture(PAIR),
               f"{PROBE_ID}.json": probe, "pp-000000000000.json": b"[{\"id\": 1,"}
    one, many, again = _in_one_and_in_workers(tmp_path, exports, monkeypatch)
    assert one.tables["entities"].num_rows > 0
    assert [p.code for p in one.problems] == ["json-invalid"]
    _same(one, many)
    assert not again     # these files were converted in the workers, not again in one


@pytest.mark.parametrize("names", [
    # the same article in two files: the duplicate is reported on the later file
    {GOOD: "a.json", PAIR: f"{PAIR}.json", "dup": "z.json"},
    # files whose names do not follow their articles' order
    {GOOD: "z.json", PAIR: "a.json"},
])
def test_workers_fall_back_to_one_process_when_files_are_misnamed(tmp_path: Path, names: dict,
                                                                   monkeypatch) -> None:
    exports = {name: fixture(GOOD if article == "dup" else article) for article, name in names.items()}
    one, many, again = _in_one_and_in_workers(tmp_path, exports, monkeypatch)
    assert "file-name-mismatch" in {p.code for p in one.problems}
    _same(one, many)
    assert again


def test_article_texts_are_read_from_every_chunk_of_the_table() -> None:
    table = pa.concat_tables([articles({GOOD: SEED_002}), articles({PAIR: SEED_000})])
    texts = convert_module.ArticleTexts(table)
    assert dict(texts) == {GOOD: SEED_002, PAIR: SEED_000}
    assert texts.get("pp-000000000000") is None


def test_a_repeated_key_is_refused_with_its_line(tmp_path: Path) -> None:
    tasks = fixture(GOOD)
    text = json.dumps(tasks, ensure_ascii=False, indent=1)
    first = text.index('"labels"')
    line = text.count("\n", 0, first) + 1
    broken = text[:first] + '"labels": ["ORG"],\n' + text[first:]
    p = only(convert_one(tmp_path, broken.encode("utf-8")), "duplicate-key")
    assert (p.line, p.message) == (line + 1, "key 'labels' appears twice in one object")
    at(p, article="")


@pytest.mark.parametrize("document", [
    b'[{"a": 1, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]}]',          # the same key in other objects
    b'[{"t": "x\\": y", "u": "k:v"}]',                                  # colons inside strings
])
def test_keys_repeated_only_across_objects_are_not_duplicates(document: bytes) -> None:
    from pourparlers.convert.exports import _may_repeat_keys, duplicate_keys

    assert duplicate_keys(document) == []
    assert not _may_repeat_keys(document, json.loads(document))


def test_a_repeated_key_hidden_by_spaces_or_escapes_is_found() -> None:
    from pourparlers.convert.exports import _may_repeat_keys, duplicate_keys

    spaced = b'[{"a" : 1,\n "a"\t:\n 2}]'
    escaped = b'[{"note": "x\\u003ay", "n": 1, "n": 2}]'
    for document in (spaced, escaped):
        assert _may_repeat_keys(document, json.loads(document))
    assert duplicate_keys(spaced) == [(2, "a")] and duplicate_keys(escaped) == [(1, "n")]
