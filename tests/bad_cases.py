"""The corpus of bad inputs of validation: `CASES`, each a named mutation of a copy of the
repository holding the good export `tests/fixtures/repo/annotations/pp-0a488f442605.json` (real
seed 000, annotation 7), or a small file of `tests/fixtures/bad/` put in its place, with the
problem code it must give and where. Run by tests/cross/test_bad_inputs.py (library and CLI) and
tests/validate/test_fused.py (the fused contract pass against Pandera on the same tables).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
from helpers import FIXTURES

from pourparlers.convert import MAX_EXPORT_BYTES
from pourparlers.ingest import ingest
from pourparlers.repo import Repo

GOOD = FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json"
BAD = FIXTURES / "bad"
ARTICLE = "pp-0a488f442605"
EXPORT = f"annotations/{ARTICLE}.json"
RAW_TXT = f"raw/{ARTICLE}.txt"
RAW_META = f"raw/{ARTICLE}.json"
ANN = "7"
# Region ids of the good export.
MEETING, EXCHANGE = "Bw1Nc7XzPo", "Ra6Tf3UkEi"
DURATION, PRISONERS, ROLE, MEDINSKY, RUBIO, MOSCOU = (
    "n7Rb2YhQe0", "Vf5sK1oJd2", "Zt2mPq8LcW", "k3Xw9aTq1b", "Ys0Dk2VbMn", "Hq8WcN3xZa")
STANCE = "Lc2Vz8QwHs"
FLAG = "\U0001F1FA\U0001F1E6"  # 🇺🇦: two code points, four UTF-16 units


class Copy:
    """A repository copy with the good export; cases edit it through these helpers."""

    def __init__(self, root: Path):
        self.root = root
        self.repo = Repo(root)
        self.export = root / EXPORT

    def tasks(self) -> list[dict]:
        return orjson.loads(self.export.read_bytes())

    def save(self, tasks: object, name: str = f"{ARTICLE}.json") -> None:
        (self.root / "annotations" / name).write_bytes(orjson.dumps(tasks))

    def edit(self, change: Callable[[list[dict]], None]) -> None:
        tasks = self.tasks()
        change(tasks)
        self.save(tasks)

    def text(self) -> str:
        return self.tasks()[0]["data"]["text"]

    def add_article(self, text: str, name: str) -> str:
        """Ingest `text` as a new raw article (the real command) and return its id."""
        source = self.root.parent / name
        source.write_bytes(text.encode("utf-8"))
        return ingest([source], self.repo)[0]["article_id"]


def result(tasks: list[dict], annotation: int = 0) -> list[dict]:
    return tasks[0]["annotations"][annotation]["result"]


def item(tasks: list[dict], rid: str, from_name: str | None = None) -> dict:
    for it in result(tasks):
        if it.get("id") == rid and (it.get("from_name") == from_name if from_name
                                    else it["type"] == "labels"):
            return it
    raise KeyError(rid)


def relation(tasks: list[dict], from_id: str) -> dict:
    return next(it for it in result(tasks) if it["type"] == "relation" and it["from_id"] == from_id)


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    where: tuple[str, str, str, str]  # file, article, annotation, region of the problem
    mutate: Callable[[Copy], None]
    also: frozenset[str]              # the other codes the run reports (consequences)


CASES: list[Case] = []


def case(code: str, file: str = EXPORT, article: str = ARTICLE, annotation: str = ANN,
         region: str = "", also: tuple[str, ...] = ()):
    def register(mutate: Callable[[Copy], None]) -> Callable[[Copy], None]:
        CASES.append(Case(mutate.__name__, code, (file, article, annotation, region), mutate,
                          frozenset(also)))
        return mutate
    return register


# ------------------------------------------------------------------------ files and JSON


@case("json-invalid", article="", annotation="")
def truncated_json(r: Copy) -> None:
    r.export.write_bytes(r.export.read_bytes()[:-40])


@case("json-invalid", article="", annotation="")
def trailing_comma(r: Copy) -> None:
    shutil.copy2(BAD / "trailing-comma.json", r.export)


@case("json-invalid", article="", annotation="")
def merge_conflict_markers(r: Copy) -> None:
    """A pretty-printed export after a git merge left its conflict markers in."""
    lines = json.dumps(r.tasks(), ensure_ascii=False, indent=1).splitlines()
    at = next(i for i, line in enumerate(lines) if '"PER"' in line)
    lines[at:at + 1] = ["<<<<<<< HEAD", lines[at], "=======",
                        lines[at].replace("PER", "ROLE"), ">>>>>>> annotator-2"]
    r.export.write_text("\n".join(lines), encoding="utf-8")


@case("duplicate-key", article="", annotation="")
def a_key_twice_in_one_region(r: Copy) -> None:
    """Two "labels" in one region, as a hand merge leaves them: a parser keeps the last one
    silently, so the file is refused, with the line of the second."""
    text = r.export.read_text(encoding="utf-8")
    at = text.index('"labels":["PER"]')
    r.export.write_text(text[:at] + '"labels":["ORG"],' + text[at:], encoding="utf-8")


@case("duplicate-key", article="", annotation="")
def a_key_twice_with_an_escaped_colon(r: Copy) -> None:
    text = r.export.read_text(encoding="utf-8")
    at = text.index('"was_cancelled"')
    r.export.write_text(text[:at] + '"lead_time":1,"note":"a\\u003ab",' + text[at:], encoding="utf-8")


@case("json-invalid", article="", annotation="")
def nan_is_not_json(r: Copy) -> None:
    shutil.copy2(BAD / "nan-lead-time.json", r.export)


@case("json-invalid", article="", annotation="")
def windows_1252_encoded_export(r: Copy) -> None:
    r.export.write_bytes(r.export.read_text(encoding="utf-8").encode("cp1252"))


@case("file-empty", article="", annotation="")
def empty_file(r: Copy) -> None:
    r.export.write_bytes(b"")


@case("export-shape", article="", annotation="")
def empty_list(r: Copy) -> None:
    r.export.write_bytes(b"[]\n")


@case("missing-key", article="", annotation="")
def json_min_export(r: Copy) -> None:
    shutil.copy2(BAD / "json-min.json", r.export)


@case("file-too-large", article="", annotation="")
def export_over_the_size_limit(r: Copy) -> None:
    """A sparse file: its size is over the limit without using the disk; it is never read."""
    with open(r.export, "r+b") as handle:
        handle.truncate(MAX_EXPORT_BYTES + 1)


@case("personal-data", article="", annotation="")
def expanded_annotator_with_an_email(r: Copy) -> None:
    """A full export made with users expanded (`annotations__completed_by`), committed as is."""
    r.edit(lambda t: t[0]["annotations"][0].update(
        completed_by={"id": 1, "email": "marie.dupont@example.org", "first_name": "Marie", "last_name": ""}))


@case("personal-data", article="", annotation="")
def draft_with_its_author_s_email(r: Copy) -> None:
    r.edit(lambda t: t[0].update(drafts=[{"id": 3, "user": "marie.dupont@example.org", "result": [],
                                          "created_username": "marie.dupont@example.org, 4"}]))


# ------------------------------------------------------------------------ tasks and keys


@case("missing-key", article="", annotation="")
def task_without_data(r: Copy) -> None:
    r.edit(lambda t: t[0].pop("data"))


@case("missing-key", annotation="")
def task_without_text(r: Copy) -> None:
    r.edit(lambda t: t[0]["data"].pop("text"))


@case("missing-key")
def annotation_without_result(r: Copy) -> None:
    r.edit(lambda t: t[0]["annotations"][0].pop("result"))


@case("missing-key", annotation="")
def annotation_without_id(r: Copy) -> None:
    r.edit(lambda t: t[0]["annotations"][0].pop("id"))


@case("missing-key", region=MEDINSKY, also=("dangling-relation",))
def region_without_start(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].pop("start"))


@case("unknown-result-type", region="r4t1Ng")
def rating_item(r: Copy) -> None:
    r.edit(lambda t: result(t).append(
        {"id": "r4t1Ng", "from_name": "quality", "to_name": "text", "type": "rating",
         "value": {"rating": 4}}))


# ------------------------------------------------------------------------ labels and controls


@case("unknown-control", region=MEDINSKY)
def unknown_control_name(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY).update(from_name="entities"))


@case("unknown-control", region=MEDINSKY)
def unknown_object_name(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY).update(to_name="txt"))


@case("unknown-label", region=MEDINSKY)
def unknown_entity_label(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(labels=["PERSON"]))


@case("unknown-label", region=MEETING)
def unknown_event_label(r: Copy) -> None:
    r.edit(lambda t: item(t, MEETING)["value"].update(labels=["TALKS"]))


@case("unknown-label", region=EXCHANGE)
def unknown_role(r: Copy) -> None:
    r.edit(lambda t: relation(t, EXCHANGE).update(labels=["count"]))


@case("unknown-label", region=STANCE)
def unknown_stance_target(r: Copy) -> None:
    r.edit(lambda t: item(t, STANCE, "stance_target")["value"].update(choices=["peace"]))


@case("unknown-label", region=MEETING)
def unknown_realis(r: Copy) -> None:
    r.edit(lambda t: item(t, MEETING, "realis")["value"].update(choices=["PROBABLE"]))


@case("unknown-label", region=STANCE)
def unknown_attribution(r: Copy) -> None:
    r.edit(lambda t: item(t, STANCE, "stance_attribution")["value"].update(choices=["QUOTE"]))


@case("label-count", region=MEDINSKY)
def two_labels_on_a_region(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(labels=["PER", "ROLE"]))


@case("text-type", region=MEDINSKY)
def span_text_not_a_string(r: Copy) -> None:
    """value.text as a number: the span could not be compared, so the region is refused (it
    used to switch the comparison off, and a span shifted by one was released)."""
    def change(tasks: list[dict]) -> None:
        region = item(tasks, MEDINSKY)["value"]
        region["start"], region["end"], region["text"] = region["start"] + 1, region["end"] + 1, 17
    r.edit(change)


@case("missing-key", region=MEDINSKY)
def span_without_its_text(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].pop("text"))


# ------------------------------------------------------------------------ offsets and text


@case("offset-range", region=MOSCOU)
def end_after_the_text(r: Copy) -> None:
    n = len(r.text())
    r.edit(lambda t: [item(t, MOSCOU, c)["value"].update(end=n + 5)
                      for c in (None, "canonical_id")])


@case("offset-range", region=MEDINSKY)
def negative_start(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(start=-3))


@case("offset-order", region=MEDINSKY)
def reversed_offsets(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(start=322, end=305))


@case("offset-order", region=MEDINSKY)
def empty_span(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(start=305, end=305))


@case("offset-type", region=MEDINSKY, also=("dangling-relation",))
def offsets_as_strings(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(start="305"))


@case("span-text-mismatch", region=MEDINSKY)
def region_text_does_not_match(r: Copy) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(text="Vladimir Poutine"))


@case("span-text-mismatch", region=RUBIO)
def offsets_shifted_by_one(r: Copy) -> None:
    r.edit(lambda t: item(t, RUBIO)["value"].update(start=553, end=564))


@case("span-text-mismatch", region=MEDINSKY)
def huge_exported_text(r: Copy) -> None:
    """Five million characters of value.text: reported, and the message stays short."""
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(text="Medinsky " * 550_000))


def _utf16_export(r: Copy) -> str:
    """Seed 000's first sentence after a flag emoji, ingested; the region's offsets are counted
    in UTF-16 units (as JavaScript would) instead of code points."""
    text = FLAG + " " + r.text().split("\n", 1)[0]
    article = r.add_article(text, "emoji.txt")
    cp = text.index("pourparlers")
    u16 = len(text[:cp].encode("utf-16-le")) // 2
    assert u16 == cp + 2
    task = r.tasks()[0]
    task["id"] = 4
    task["data"].update(text=text, article_id=article)
    task["annotations"][0]["result"] = [
        {"id": "U16pourp01", "from_name": "event", "to_name": "text", "type": "labels",
         "value": {"start": u16, "end": u16 + 11, "text": "pourparlers", "labels": ["MEETING"]}},
        {"id": "U16pourp01", "from_name": "realis", "to_name": "text", "type": "choices",
         "value": {"start": u16, "end": u16 + 11, "text": "pourparlers", "choices": ["ACTUAL"]}},
    ]
    r.save([task], f"{article}.json")
    return article


@case("span-text-mismatch", file="annotations/pp-35e0800fafc3.json", article="pp-35e0800fafc3",
      region="U16pourp01")
def utf16_offsets_after_an_emoji(r: Copy) -> None:
    assert _utf16_export(r) == "pp-35e0800fafc3"


@case("text-drift", annotation="")
def crlf_text_in_the_export(r: Copy) -> None:
    """Label Studio got the text with \\r\\n; raw/ stores it normalized to \\n: offsets differ."""
    r.edit(lambda t: t[0]["data"].update(text=t[0]["data"]["text"].replace("\n", "\r\n")))


# ------------------------------------------------------------------------ ids and duplicates


@case("duplicate-region", region=MEDINSKY)
def duplicate_region_id(r: Copy) -> None:
    r.edit(lambda t: result(t).append({**item(t, RUBIO), "id": MEDINSKY}))


@case("duplicate-span", region=RUBIO, also=("duplicate-span",))
def same_span_twice(r: Copy) -> None:
    r.edit(lambda t: result(t).append({**item(t, RUBIO), "id": "Ys0Dk2VbMz"}))


@case("duplicate-relation", region=EXCHANGE)
def same_relation_twice(r: Copy) -> None:
    r.edit(lambda t: result(t).append(dict(relation(t, EXCHANGE))))


# ------------------------------------------------------------------------ relations and roles


@case("dangling-relation", region=EXCHANGE)
def relation_end_missing(r: Copy) -> None:
    r.edit(lambda t: relation(t, EXCHANGE).update(to_id="gone000000"))


@case("relation-direction", region=EXCHANGE)
def relation_both_ways(r: Copy) -> None:
    r.edit(lambda t: relation(t, EXCHANGE).update(direction="bi"))


@case("relation-label-count", region=EXCHANGE)
def relation_without_a_label(r: Copy) -> None:
    """Label Studio saves a relation with `labels: []` until the annotator picks one."""
    r.edit(lambda t: relation(t, EXCHANGE).update(labels=[]))


@case("relation-not-allowed", region=ROLE)
def relation_between_two_entities(r: Copy) -> None:
    r.edit(lambda t: result(t).append({"from_id": ROLE, "to_id": MEDINSKY, "type": "relation",
                                       "direction": "right", "labels": ["participant"]}))


@case("role-not-allowed", region=MEETING)
def role_not_allowed_for_the_event_type(r: Copy) -> None:
    r.edit(lambda t: relation(t, MEETING).update(labels=["prisoners"]))


@case("filler-type-not-allowed", region=MEETING, also=("canonical-id-missing",))  # Medinsky: a named filler
def filler_type_not_allowed_for_the_role(r: Copy) -> None:
    r.edit(lambda t: relation(t, MEETING).update(to_id=MEDINSKY))


# ------------------------------------------------------------------------ stances


@case("stance-holder", region=STANCE)
def stance_without_holder(r: Copy) -> None:
    r.edit(lambda t: result(t).remove(relation(t, STANCE)))


@case("missing-value", region=STANCE)
def stance_without_target(r: Copy) -> None:
    r.edit(lambda t: result(t).remove(item(t, STANCE, "stance_target")))


@case("missing-value", region=STANCE)
def stance_without_polarity(r: Copy) -> None:
    r.edit(lambda t: result(t).remove(item(t, STANCE, "stance_polarity")))


@case("unknown-canonical-id", region=MOSCOU)
def canonical_id_not_declared_in_actors(r: Copy) -> None:
    r.edit(lambda t: item(t, MOSCOU, "canonical_id")["value"].update(text=["gov-moscow"]))


@case("canonical-id-missing", region=MOSCOU)
def named_holder_without_canonical_id(r: Copy) -> None:
    r.edit(lambda t: result(t).remove(item(t, MOSCOU, "canonical_id")))


@case("holder-type-not-allowed", region=STANCE)
def holder_of_a_type_not_allowed(r: Copy) -> None:
    r.edit(lambda t: relation(t, STANCE).update(to_id=DURATION))


@case("multiple-holders", region=STANCE)
def stance_with_two_holders(r: Copy) -> None:
    r.edit(lambda t: result(t).append({**relation(t, STANCE), "to_id": RUBIO}))


# ------------------------------------------------------------------------ per-region choices


@case("orphan-choice", region="Xx0000none")
def choice_whose_span_is_missing(r: Copy) -> None:
    r.edit(lambda t: result(t).append({**item(t, MEETING, "realis"), "id": "Xx0000none"}))


@case("choice-span-mismatch", region=MEETING, also=("missing-value",))
def choice_with_other_offsets(r: Copy) -> None:
    r.edit(lambda t: item(t, MEETING, "realis")["value"].update(start=12))


@case("choice-not-allowed", region=MEDINSKY)
def realis_on_an_entity(r: Copy) -> None:
    def change(t: list[dict]) -> None:
        v = item(t, MEDINSKY)["value"]
        result(t).append({"id": MEDINSKY, "from_name": "realis", "to_name": "text",
                          "type": "choices", "value": {"start": v["start"], "end": v["end"],
                                                       "text": v["text"], "choices": ["ACTUAL"]}})
    r.edit(change)


@case("choice-count", region=MEETING, also=("missing-value",))
def two_values_for_one_choice(r: Copy) -> None:
    r.edit(lambda t: item(t, MEETING, "realis")["value"].update(choices=["ACTUAL", "PLANNED"]))


# ------------------------------------------------------------------------ annotations


@case("only-cancelled", annotation="")
def only_cancelled_annotations(r: Copy) -> None:
    r.edit(lambda t: t[0]["annotations"][0].update(was_cancelled=True))


@case("multiple-ground-truth", annotation="7")
def two_ground_truth_annotations(r: Copy) -> None:
    def change(t: list[dict]) -> None:
        first = t[0]["annotations"][0]
        first["ground_truth"] = True
        t[0]["annotations"].append({**first, "id": 8, "updated_at": "2026-11-21T08:00:00.000Z"})
    r.edit(change)


# ------------------------------------------------------------------------ raw/ and articles


@case("hash-drift", file=RAW_TXT, annotation="", also=("unknown-article",))
def raw_changed_after_annotation(r: Copy) -> None:
    path = r.root / RAW_TXT
    path.write_bytes(path.read_bytes().replace(b"pourparlers", b"negociations", 1))


def _raw_text(r: Copy, raw: bytes) -> None:
    """raw/ rewritten with its metadata consistent (hash and length), as a careless re-ingest
    would leave it."""
    from pourparlers.hashing import sha256
    from pourparlers.raw import article_text

    (r.root / RAW_TXT).write_bytes(raw)
    meta = json.loads((r.root / RAW_META).read_text(encoding="utf-8"))
    text = article_text(raw).text
    meta.update(text_sha256=sha256(text), n_chars=len(text))
    (r.root / RAW_META).write_text(json.dumps(meta), encoding="utf-8")


@case("text-empty", file=RAW_TXT, annotation="", also=("unknown-article",))
def article_of_only_a_byte_order_mark(r: Copy) -> None:
    _raw_text(r, b"\xef\xbb\xbf")


@case("text-empty", file=RAW_TXT, annotation="", also=("unknown-article",))
def article_of_nul_bytes_and_spaces(r: Copy) -> None:
    _raw_text(r, b"\x00\x00 \n\t\xc2\xa0\n")


@case("article-too-large", file=RAW_TXT, annotation="", also=("unknown-article",))
def article_over_the_size_limit(r: Copy) -> None:
    from pourparlers.raw import MAX_ARTICLE_BYTES

    _raw_text(r, (r.root / RAW_TXT).read_bytes() * (MAX_ARTICLE_BYTES // 2000))


@case("folder-missing", file="annotations", article="", annotation="")
def annotations_folder_missing(r: Copy) -> None:
    shutil.rmtree(r.root / "annotations")


@case("folder-missing", file="annotations", article="", annotation="")
def annotations_is_a_file(r: Copy) -> None:
    shutil.rmtree(r.root / "annotations")
    (r.root / "annotations").write_text("[]", encoding="utf-8")


@case("folder-missing", file="raw", article="", annotation="", also=("unknown-article",))
def raw_is_a_file(r: Copy) -> None:
    shutil.rmtree(r.root / "raw")
    (r.root / "raw").write_text("", encoding="utf-8")


def _published(r: Copy, published: str, precision: str) -> None:
    meta = json.loads((r.root / RAW_META).read_text(encoding="utf-8"))
    meta.update(published=published, date_precision=precision)
    (r.root / RAW_META).write_text(json.dumps(meta), encoding="utf-8")


@case("date-mismatch", file=RAW_TXT, annotation="")
def published_on_no_day_of_the_calendar(r: Copy) -> None:
    _published(r, "2025-13-45", "day")


@case("date-mismatch", file=RAW_TXT, annotation="")
def published_on_february_the_30th(r: Copy) -> None:
    _published(r, "2025-02-30", "day")


@case("date-mismatch", file=RAW_TXT, annotation="")
def published_in_month_thirteen(r: Copy) -> None:
    _published(r, "2025-13", "month")


@case("text-drift", annotation="")
def raw_reingested_in_place(r: Copy) -> None:
    """raw/ and its metadata were both rewritten (hash consistent): the export no longer fits."""
    from pourparlers.hashing import sha256
    from pourparlers.raw import article_text

    path, meta_path = r.root / RAW_TXT, r.root / RAW_META
    raw = path.read_bytes().replace(b"pourparlers", b"negociations", 1)
    path.write_bytes(raw)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    text = article_text(raw).text
    meta.update(text_sha256=sha256(text), n_chars=len(text))
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


@case("duplicate-article", file=f"annotations/{ARTICLE}.v2.json", annotation="",
      also=("file-name-mismatch",))
def same_article_in_two_exports(r: Copy) -> None:
    shutil.copy2(r.export, r.root / "annotations" / f"{ARTICLE}.v2.json")


@case("file-name-mismatch", file="raw/pp-0a488f442606.json", annotation="")
def duplicate_article_id_in_raw_metadata(r: Copy) -> None:
    shutil.copy2(r.root / RAW_META, r.root / "raw" / "pp-0a488f442606.json")
    shutil.copy2(r.root / RAW_TXT, r.root / "raw" / "pp-0a488f442606.txt")


@case("file-name-mismatch", file="annotations/pp-2b691a1ff8b5.json", annotation="")
def export_under_another_article_name(r: Copy) -> None:
    r.export.rename(r.root / "annotations" / "pp-2b691a1ff8b5.json")


@case("unknown-article", annotation="", file="annotations/pp-00000000beef.json",
      article="pp-00000000beef")
def export_of_an_article_not_in_raw(r: Copy) -> None:
    r.edit(lambda t: t[0]["data"].update(article_id="pp-00000000beef"))
    r.export.rename(r.root / "annotations" / "pp-00000000beef.json")


@case("article-id-invalid", article="", annotation="")
def export_article_id_escapes_raw(r: Copy) -> None:
    r.edit(lambda t: t[0]["data"].update(article_id="../../etc/passwd"))


@case("article-id-invalid", article="", annotation="")
def export_article_id_is_absolute(r: Copy) -> None:
    r.edit(lambda t: t[0]["data"].update(article_id="/tmp/pp-0a488f442605"))


@case("article-id-invalid", file=RAW_META, article="", annotation="",
      also=("unknown-article",))
def raw_metadata_id_escapes_raw(r: Copy) -> None:
    meta = json.loads((r.root / RAW_META).read_text(encoding="utf-8"))
    meta["article_id"] = "../annotations/pp-0a488f442605"
    (r.root / RAW_META).write_text(json.dumps(meta), encoding="utf-8")


@case("not-a-regular-file", file=RAW_TXT, annotation="", also=("unknown-article",))
def raw_text_is_a_symlink_out_of_the_repo(r: Copy) -> None:
    outside = r.root.parent / "outside.txt"
    outside.write_bytes((r.root / RAW_TXT).read_bytes())
    (r.root / RAW_TXT).unlink()
    os.symlink(outside, r.root / RAW_TXT)


@case("not-a-regular-file", article="", annotation="")
def export_is_a_symlink_out_of_the_repo(r: Copy) -> None:
    outside = r.root.parent / "outside.json"
    r.export.rename(outside)
    os.symlink(outside, r.export)


@case("metadata-invalid", file=RAW_META, article="", annotation="",
      also=("unknown-article",))
def raw_metadata_empty(r: Copy) -> None:
    (r.root / RAW_META).write_bytes(b"")


@case("raw-without-metadata", file="raw/pp-000000000bad.txt", article="", annotation="")
def raw_text_without_metadata(r: Copy) -> None:
    shutil.copy2(r.root / RAW_TXT, r.root / "raw" / "pp-000000000bad.txt")


@case("not-a-regular-file", file=RAW_META, article="", annotation="", also=("unknown-article",))
def raw_metadata_is_a_symlink_out_of_the_repo(r: Copy) -> None:
    outside = r.root.parent / "outside-meta.json"
    (r.root / RAW_META).rename(outside)
    os.symlink(outside, r.root / RAW_META)


@case("raw-without-metadata", file=RAW_TXT, article="", annotation="",
      also=("not-a-regular-file", "unknown-article"))
def raw_metadata_is_a_dangling_symlink(r: Copy) -> None:
    (r.root / RAW_META).unlink()
    os.symlink(r.root.parent / "nowhere.json", r.root / RAW_META)
