"""The corpus of bad inputs: every case must fail `pourparlers validate` with its own code, at
the exact file, article, annotation and region, in one run, and leave the data untouched.

A case is a named mutation of a copy of the repository holding the good export
`tests/fixtures/repo/annotations/pp-0a488f442605.json` (real seed 000, annotation 7), or a small
file of `tests/fixtures/bad/` put in its place. `CASES` is the table; the tests below run every
case through the library (`load_corpus`, all Problem fields) and through the real CLI
(`pourparlers validate --format json|text|github`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from conftest import FIXTURES, snapshot

from pourparlers.cli import main
from pourparlers.convert import MAX_EXPORT_BYTES
from pourparlers.corpus import load_corpus
from pourparlers.ingest import ingest
from pourparlers.validate import with_lines

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


class Repo:
    """A repository copy with the good export; cases edit it through these helpers."""

    def __init__(self, root: Path):
        self.root = root
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
        return ingest([source], self.root)[0]["article_id"]


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
    mutate: Callable[[Repo], None]
    also: frozenset[str]              # the other codes the run reports (consequences)


CASES: list[Case] = []


def case(code: str, file: str = EXPORT, article: str = ARTICLE, annotation: str = ANN,
         region: str = "", also: tuple[str, ...] = ()):
    def register(mutate: Callable[[Repo], None]) -> Callable[[Repo], None]:
        CASES.append(Case(mutate.__name__, code, (file, article, annotation, region), mutate,
                          frozenset(also)))
        return mutate
    return register


# ------------------------------------------------------------------------ files and JSON


@case("json-invalid", article="", annotation="")
def truncated_json(r: Repo) -> None:
    r.export.write_bytes(r.export.read_bytes()[:-40])


@case("json-invalid", article="", annotation="")
def trailing_comma(r: Repo) -> None:
    shutil.copy2(BAD / "trailing-comma.json", r.export)


@case("json-invalid", article="", annotation="")
def merge_conflict_markers(r: Repo) -> None:
    """A pretty-printed export after a git merge left its conflict markers in."""
    lines = json.dumps(r.tasks(), ensure_ascii=False, indent=1).splitlines()
    at = next(i for i, line in enumerate(lines) if '"PER"' in line)
    lines[at:at + 1] = ["<<<<<<< HEAD", lines[at], "=======",
                        lines[at].replace("PER", "ROLE"), ">>>>>>> annotator-2"]
    r.export.write_text("\n".join(lines), encoding="utf-8")


@case("json-invalid", article="", annotation="")
def nan_is_not_json(r: Repo) -> None:
    shutil.copy2(BAD / "nan-lead-time.json", r.export)


@case("json-invalid", article="", annotation="")
def windows_1252_encoded_export(r: Repo) -> None:
    r.export.write_bytes(r.export.read_text(encoding="utf-8").encode("cp1252"))


@case("file-empty", article="", annotation="")
def empty_file(r: Repo) -> None:
    r.export.write_bytes(b"")


@case("export-shape", article="", annotation="")
def empty_list(r: Repo) -> None:
    r.export.write_bytes(b"[]\n")


@case("missing-key", article="", annotation="")
def json_min_export(r: Repo) -> None:
    shutil.copy2(BAD / "json-min.json", r.export)


@case("file-too-large", article="", annotation="")
def export_over_the_size_limit(r: Repo) -> None:
    """A sparse file: its size is over the limit without using the disk; it is never read."""
    with open(r.export, "r+b") as handle:
        handle.truncate(MAX_EXPORT_BYTES + 1)


# ------------------------------------------------------------------------ tasks and keys


@case("missing-key", article="", annotation="")
def task_without_data(r: Repo) -> None:
    r.edit(lambda t: t[0].pop("data"))


@case("missing-key", annotation="")
def task_without_text(r: Repo) -> None:
    r.edit(lambda t: t[0]["data"].pop("text"))


@case("missing-key")
def annotation_without_result(r: Repo) -> None:
    r.edit(lambda t: t[0]["annotations"][0].pop("result"))


@case("missing-key", annotation="")
def annotation_without_id(r: Repo) -> None:
    r.edit(lambda t: t[0]["annotations"][0].pop("id"))


@case("missing-key", region=MEDINSKY, also=("dangling-relation",))
def region_without_start(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].pop("start"))


@case("unknown-result-type", region="r4t1Ng")
def rating_item(r: Repo) -> None:
    r.edit(lambda t: result(t).append(
        {"id": "r4t1Ng", "from_name": "quality", "to_name": "text", "type": "rating",
         "value": {"rating": 4}}))


# ------------------------------------------------------------------------ labels and controls


@case("unknown-control", region=MEDINSKY)
def unknown_control_name(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY).update(from_name="entities"))


@case("unknown-control", region=MEDINSKY)
def unknown_object_name(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY).update(to_name="txt"))


@case("unknown-label", region=MEDINSKY)
def unknown_entity_label(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(labels=["PERSON"]))


@case("unknown-label", region=MEETING)
def unknown_event_label(r: Repo) -> None:
    r.edit(lambda t: item(t, MEETING)["value"].update(labels=["TALKS"]))


@case("unknown-label", region=EXCHANGE)
def unknown_role(r: Repo) -> None:
    r.edit(lambda t: relation(t, EXCHANGE).update(labels=["count"]))


@case("unknown-label", region=STANCE)
def unknown_stance_target(r: Repo) -> None:
    r.edit(lambda t: item(t, STANCE, "stance_target")["value"].update(choices=["peace"]))


@case("unknown-label", region=MEETING)
def unknown_realis(r: Repo) -> None:
    r.edit(lambda t: item(t, MEETING, "realis")["value"].update(choices=["PROBABLE"]))


@case("unknown-label", region=STANCE)
def unknown_attribution(r: Repo) -> None:
    r.edit(lambda t: item(t, STANCE, "stance_attribution")["value"].update(choices=["QUOTE"]))


@case("label-count", region=MEDINSKY)
def two_labels_on_a_region(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(labels=["PER", "ROLE"]))


# ------------------------------------------------------------------------ offsets and text


@case("offset-range", region=MOSCOU)
def end_after_the_text(r: Repo) -> None:
    n = len(r.text())
    r.edit(lambda t: [item(t, MOSCOU, c)["value"].update(end=n + 5)
                      for c in (None, "canonical_id")])


@case("offset-range", region=MEDINSKY)
def negative_start(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(start=-3))


@case("offset-order", region=MEDINSKY)
def reversed_offsets(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(start=322, end=305))


@case("offset-order", region=MEDINSKY)
def empty_span(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(start=305, end=305))


@case("offset-type", region=MEDINSKY, also=("dangling-relation",))
def offsets_as_strings(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(start="305"))


@case("span-text-mismatch", region=MEDINSKY)
def region_text_does_not_match(r: Repo) -> None:
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(text="Vladimir Poutine"))


@case("span-text-mismatch", region=RUBIO)
def offsets_shifted_by_one(r: Repo) -> None:
    r.edit(lambda t: item(t, RUBIO)["value"].update(start=553, end=564))


@case("span-text-mismatch", region=MEDINSKY)
def huge_exported_text(r: Repo) -> None:
    """Five million characters of value.text: reported, and the message stays short."""
    r.edit(lambda t: item(t, MEDINSKY)["value"].update(text="Medinsky " * 550_000))


def _utf16_export(r: Repo) -> str:
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
def utf16_offsets_after_an_emoji(r: Repo) -> None:
    assert _utf16_export(r) == "pp-35e0800fafc3"


@case("text-drift", annotation="")
def crlf_text_in_the_export(r: Repo) -> None:
    """Label Studio got the text with \\r\\n; raw/ stores it normalized to \\n: offsets differ."""
    r.edit(lambda t: t[0]["data"].update(text=t[0]["data"]["text"].replace("\n", "\r\n")))


# ------------------------------------------------------------------------ ids and duplicates


@case("duplicate-region", region=MEDINSKY)
def duplicate_region_id(r: Repo) -> None:
    r.edit(lambda t: result(t).append({**item(t, RUBIO), "id": MEDINSKY}))


@case("duplicate-span", region=RUBIO, also=("duplicate-span",))
def same_span_twice(r: Repo) -> None:
    r.edit(lambda t: result(t).append({**item(t, RUBIO), "id": "Ys0Dk2VbMz"}))


@case("duplicate-relation", region=EXCHANGE)
def same_relation_twice(r: Repo) -> None:
    r.edit(lambda t: result(t).append(dict(relation(t, EXCHANGE))))


# ------------------------------------------------------------------------ relations and roles


@case("dangling-relation", region=EXCHANGE)
def relation_end_missing(r: Repo) -> None:
    r.edit(lambda t: relation(t, EXCHANGE).update(to_id="gone000000"))


@case("relation-direction", region=EXCHANGE)
def relation_both_ways(r: Repo) -> None:
    r.edit(lambda t: relation(t, EXCHANGE).update(direction="bi"))


@case("relation-label-count", region=EXCHANGE)
def relation_without_a_label(r: Repo) -> None:
    """Label Studio saves a relation with `labels: []` until the annotator picks one."""
    r.edit(lambda t: relation(t, EXCHANGE).update(labels=[]))


@case("relation-not-allowed", region=ROLE)
def relation_between_two_entities(r: Repo) -> None:
    r.edit(lambda t: result(t).append({"from_id": ROLE, "to_id": MEDINSKY, "type": "relation",
                                       "direction": "right", "labels": ["participant"]}))


@case("role-not-allowed", region=MEETING)
def role_not_allowed_for_the_event_type(r: Repo) -> None:
    r.edit(lambda t: relation(t, MEETING).update(labels=["prisoners"]))


@case("filler-type-not-allowed", region=MEETING)
def filler_type_not_allowed_for_the_role(r: Repo) -> None:
    r.edit(lambda t: relation(t, MEETING).update(to_id=MEDINSKY))


# ------------------------------------------------------------------------ stances


@case("stance-holder", region=STANCE)
def stance_without_holder(r: Repo) -> None:
    r.edit(lambda t: result(t).remove(relation(t, STANCE)))


@case("missing-value", region=STANCE)
def stance_without_target(r: Repo) -> None:
    r.edit(lambda t: result(t).remove(item(t, STANCE, "stance_target")))


@case("missing-value", region=STANCE)
def stance_without_polarity(r: Repo) -> None:
    r.edit(lambda t: result(t).remove(item(t, STANCE, "stance_polarity")))


@case("holder-type-not-allowed", region=STANCE)
def holder_of_a_type_not_allowed(r: Repo) -> None:
    r.edit(lambda t: relation(t, STANCE).update(to_id=DURATION))


@case("multiple-holders", region=STANCE)
def stance_with_two_holders(r: Repo) -> None:
    r.edit(lambda t: result(t).append({**relation(t, STANCE), "to_id": RUBIO}))


# ------------------------------------------------------------------------ per-region choices


@case("orphan-choice", region="Xx0000none")
def choice_whose_span_is_missing(r: Repo) -> None:
    r.edit(lambda t: result(t).append({**item(t, MEETING, "realis"), "id": "Xx0000none"}))


@case("choice-span-mismatch", region=MEETING, also=("missing-value",))
def choice_with_other_offsets(r: Repo) -> None:
    r.edit(lambda t: item(t, MEETING, "realis")["value"].update(start=12))


@case("choice-not-allowed", region=MEDINSKY)
def realis_on_an_entity(r: Repo) -> None:
    def change(t: list[dict]) -> None:
        v = item(t, MEDINSKY)["value"]
        result(t).append({"id": MEDINSKY, "from_name": "realis", "to_name": "text",
                          "type": "choices", "value": {"start": v["start"], "end": v["end"],
                                                       "text": v["text"], "choices": ["ACTUAL"]}})
    r.edit(change)


@case("choice-count", region=MEETING, also=("missing-value",))
def two_values_for_one_choice(r: Repo) -> None:
    r.edit(lambda t: item(t, MEETING, "realis")["value"].update(choices=["ACTUAL", "PLANNED"]))


# ------------------------------------------------------------------------ annotations


@case("only-cancelled", annotation="")
def only_cancelled_annotations(r: Repo) -> None:
    r.edit(lambda t: t[0]["annotations"][0].update(was_cancelled=True))


@case("multiple-ground-truth", annotation="7")
def two_ground_truth_annotations(r: Repo) -> None:
    def change(t: list[dict]) -> None:
        first = t[0]["annotations"][0]
        first["ground_truth"] = True
        t[0]["annotations"].append({**first, "id": 8, "updated_at": "2026-11-21T08:00:00.000Z"})
    r.edit(change)


# ------------------------------------------------------------------------ raw/ and articles


@case("hash-drift", file=RAW_TXT, annotation="", also=("unknown-article",))
def raw_changed_after_annotation(r: Repo) -> None:
    path = r.root / RAW_TXT
    path.write_bytes(path.read_bytes().replace(b"pourparlers", b"negociations", 1))


@case("text-drift", annotation="")
def raw_reingested_in_place(r: Repo) -> None:
    """raw/ and its metadata were both rewritten (hash consistent): the export no longer fits."""
    from pourparlers.ingest import article_text, sha256

    path, meta_path = r.root / RAW_TXT, r.root / RAW_META
    raw = path.read_bytes().replace(b"pourparlers", b"negociations", 1)
    path.write_bytes(raw)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    text = article_text(raw).text
    meta.update(text_sha256=sha256(text), n_chars=len(text))
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


@case("duplicate-article", file=f"annotations/{ARTICLE}.v2.json", annotation="",
      also=("file-name-mismatch",))
def same_article_in_two_exports(r: Repo) -> None:
    shutil.copy2(r.export, r.root / "annotations" / f"{ARTICLE}.v2.json")


@case("file-name-mismatch", file="raw/pp-0a488f442606.json", annotation="")
def duplicate_article_id_in_raw_metadata(r: Repo) -> None:
    shutil.copy2(r.root / RAW_META, r.root / "raw" / "pp-0a488f442606.json")
    shutil.copy2(r.root / RAW_TXT, r.root / "raw" / "pp-0a488f442606.txt")


@case("file-name-mismatch", file="annotations/pp-2b691a1ff8b5.json", annotation="")
def export_under_another_article_name(r: Repo) -> None:
    r.export.rename(r.root / "annotations" / "pp-2b691a1ff8b5.json")


@case("unknown-article", annotation="", file="annotations/pp-00000000beef.json",
      article="pp-00000000beef")
def export_of_an_article_not_in_raw(r: Repo) -> None:
    r.edit(lambda t: t[0]["data"].update(article_id="pp-00000000beef"))
    r.export.rename(r.root / "annotations" / "pp-00000000beef.json")


@case("article-id-invalid", article="", annotation="")
def export_article_id_escapes_raw(r: Repo) -> None:
    r.edit(lambda t: t[0]["data"].update(article_id="../../etc/passwd"))


@case("article-id-invalid", article="", annotation="")
def export_article_id_is_absolute(r: Repo) -> None:
    r.edit(lambda t: t[0]["data"].update(article_id="/tmp/pp-0a488f442605"))


@case("article-id-invalid", file=RAW_META, article="", annotation="",
      also=("unknown-article",))
def raw_metadata_id_escapes_raw(r: Repo) -> None:
    meta = json.loads((r.root / RAW_META).read_text(encoding="utf-8"))
    meta["article_id"] = "../annotations/pp-0a488f442605"
    (r.root / RAW_META).write_text(json.dumps(meta), encoding="utf-8")


@case("not-a-regular-file", file=RAW_TXT, annotation="", also=("unknown-article",))
def raw_text_is_a_symlink_out_of_the_repo(r: Repo) -> None:
    outside = r.root.parent / "outside.txt"
    outside.write_bytes((r.root / RAW_TXT).read_bytes())
    (r.root / RAW_TXT).unlink()
    os.symlink(outside, r.root / RAW_TXT)


@case("not-a-regular-file", article="", annotation="")
def export_is_a_symlink_out_of_the_repo(r: Repo) -> None:
    outside = r.root.parent / "outside.json"
    r.export.rename(outside)
    os.symlink(outside, r.export)


@case("metadata-invalid", file=RAW_META, article="", annotation="",
      also=("unknown-article",))
def raw_metadata_empty(r: Repo) -> None:
    (r.root / RAW_META).write_bytes(b"")


@case("raw-without-metadata", file="raw/pp-000000000bad.txt", article="", annotation="")
def raw_text_without_metadata(r: Repo) -> None:
    shutil.copy2(r.root / RAW_TXT, r.root / "raw" / "pp-000000000bad.txt")


@case("not-a-regular-file", file=RAW_META, article="", annotation="", also=("unknown-article",))
def raw_metadata_is_a_symlink_out_of_the_repo(r: Repo) -> None:
    outside = r.root.parent / "outside-meta.json"
    (r.root / RAW_META).rename(outside)
    os.symlink(outside, r.root / RAW_META)


@case("raw-without-metadata", file=RAW_TXT, article="", annotation="",
      also=("not-a-regular-file", "unknown-article"))
def raw_metadata_is_a_dangling_symlink(r: Repo) -> None:
    (r.root / RAW_META).unlink()
    os.symlink(r.root.parent / "nowhere.json", r.root / RAW_META)


# ------------------------------------------------------------------------ the tests


@pytest.fixture
def repo(repo_copy: Path) -> Repo:
    """The repository's raw/ and schema/, with the good export as the only one in annotations/."""
    shutil.rmtree(repo_copy / "annotations")
    (repo_copy / "annotations").mkdir()
    shutil.copy2(GOOD, repo_copy / "annotations" / GOOD.name)
    return Repo(repo_copy)


def test_the_good_copy_is_clean(repo: Repo) -> None:
    assert load_corpus(repo.root).problems == []


def test_there_are_at_least_thirty_distinct_cases() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)) >= 30
    assert len({c.code for c in CASES}) >= 30


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_caught_where_it_is(repo: Repo, c: Case, capsys) -> None:
    """The library names the place; the real CLI exits 1 with the same problems as JSON and
    leaves raw/, annotations/ and dist/ as they were."""
    c.mutate(repo)
    corpus = load_corpus(repo.root)
    problems = corpus.problems
    found = [p for p in problems if p.code == c.code]
    assert found, [p.render() for p in problems]
    assert c.where in [(p.file, p.article_id, p.annotation_id, p.region_id) for p in found], (
        [p.render() for p in found])
    assert {p.code for p in problems} - {c.code} <= c.also, [p.render() for p in problems]
    for p in problems:
        assert p.file and p.message and p.expected and p.field and p.hint, p
    for row in corpus.summary:  # nothing lost: every item converted or rejected with a problem
        items = row["regions"] + row["choices"] + row["relations"] + row["other"]
        assert items == row["converted"] + row["rejected"], row
        assert not row["rejected"] or row["problems"], row

    sparse = c.name == "export_over_the_size_limit"  # 256 MiB: do not read it to compare
    before = {} if sparse else {n: snapshot(repo.root / n) for n in ("raw", "annotations", "dist")}
    assert main(["--root", str(repo.root), "validate", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["problems"] == [p.as_dict() for p in with_lines(corpus.report, repo.root).problems]
    if not sparse:
        assert {n: snapshot(repo.root / n) for n in ("raw", "annotations", "dist")} == before


REPRESENTATIVE = ["truncated_json", "unknown_entity_label", "utf16_offsets_after_an_emoji",
                  "role_not_allowed_for_the_event_type", "raw_changed_after_annotation",
                  "export_article_id_escapes_raw"]


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_text_and_github_formats_name_the_place(repo: Repo, name: str, capsys) -> None:
    c = next(c for c in CASES if c.name == name)
    c.mutate(repo)
    file, article, annotation, region = c.where
    assert main(["--root", str(repo.root), "validate"]) == 1
    text = capsys.readouterr().out
    assert "✗" in text and f"[{c.code}]" in text
    line = next(line for line in text.splitlines() if f"[{c.code}]" in line)
    assert line.strip().startswith(file)
    for part, value in (("article", article), ("annotation", annotation), ("region", region)):
        assert (f", {part} {value}" in line) if value else f", {part} " not in line, line
    assert main(["--root", str(repo.root), "validate", "--format", "github"]) == 1
    github = capsys.readouterr().out
    assert f"::error file={file}" in github
    assert f"title=pourparlers validate%3A {c.code}::{file}" in github


def test_github_annotation_points_at_the_line_of_the_region(repo: Repo, capsys) -> None:
    """A pretty-printed export (as a reviewable diff shows it): the annotation lands on the
    region's own line; all problems of the run are there, each on its line."""
    tasks = repo.tasks()
    item(tasks, MEDINSKY)["value"]["labels"] = ["PERSON"]
    relation(tasks, MEETING)["labels"] = ["prisoners"]
    text = json.dumps(tasks, ensure_ascii=False, indent=2)
    repo.export.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    assert main(["--root", str(repo.root), "validate", "--format", "github"]) == 1
    github = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert len(github) == 2
    region_of = {"role-not-allowed": MEETING, "unknown-label": MEDINSKY}
    for line in github:
        number = int(line.split(",line=")[1].split(",")[0])
        code = line.split("validate%3A ")[1].split("::")[0]
        assert lines[number - 1].strip() == f'"id": "{region_of.pop(code)}",', line
    assert not region_of
    assert main(["--root", str(repo.root), "validate", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sorted(p["line"] for p in report["problems"]) == sorted(
        int(line.split(",line=")[1].split(",")[0]) for line in github)


def test_json_invalid_gives_its_line(repo: Repo, capsys) -> None:
    shutil.copy2(BAD / "nan-lead-time.json", repo.export)
    assert main(["--root", str(repo.root), "validate", "--format", "github"]) == 1
    assert f"::error file={EXPORT},line=2," in capsys.readouterr().out


def test_a_long_valid_export_is_processed(repo: Repo) -> None:
    """About 6 MB: the task with 1500 more (alternate) annotations converts without a problem,
    every region and relation accounted for."""
    tasks = repo.tasks()
    first = tasks[0]["annotations"][0]
    first["ground_truth"] = True
    tasks[0]["annotations"] += [{**first, "id": 1000 + i, "ground_truth": False}
                                for i in range(1500)]
    repo.save(tasks)
    assert repo.export.stat().st_size > 5_000_000
    corpus = load_corpus(repo.root)
    assert corpus.problems == []
    (row,) = corpus.summary
    assert (row["gold"], row["alternate"], row["rejected"]) == (1, 1500, 0)
    assert corpus.tables["entities"].num_rows == 8 * 1501


def test_a_file_name_cannot_inject_workflow_commands(repo: Repo, capsys) -> None:
    """A file name is data too: newlines, `::`, `,` and `%` are escaped in GitHub output."""
    name = "x\n::error file=README.md::pwned,%0A.json"
    repo.export.rename(repo.root / "annotations" / name)
    assert main(["--root", str(repo.root), "validate", "--format", "github"]) == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("::")]
    assert errors and all(line.startswith("::error file=annotations/x%0A%3A%3Aerror file=README.md")
                          for line in errors), errors
    assert "%2C%250A.json" in errors[0]


def test_hash_drift_says_why_the_export_is_not_checked(repo: Repo) -> None:
    next(c for c in CASES if c.name == "raw_changed_after_annotation").mutate(repo)
    by_code = {p.code: p for p in load_corpus(repo.root).problems}
    assert sorted(by_code) == ["hash-drift", "unknown-article"]
    unknown = by_code["unknown-article"]
    assert unknown.message == (f"article {ARTICLE} is in raw/ but could not be read; its "
                               "annotations are not checked")
    assert "pourparlers ingest" not in unknown.hint


def test_every_problem_is_reported_in_one_run(repo: Repo, capsys) -> None:
    """Seven independent faults in two exports and raw/: one run reports all seven."""
    together = ["unknown_entity_label", "role_not_allowed_for_the_event_type",
                "stance_without_polarity", "offsets_shifted_by_one", "relation_both_ways",
                "raw_text_without_metadata", "utf16_offsets_after_an_emoji"]
    chosen = [c for c in CASES if c.name in together]
    for c in chosen:
        c.mutate(repo)
    assert main(["--root", str(repo.root), "validate", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    located = {(p["code"], p["file"], p["article_id"], p["annotation_id"], p["region_id"])
               for p in report["problems"]}
    assert located == {(c.code, *c.where) for c in chosen}
    failed = [check["name"] for check in report["checks"] if not check["passed"]]
    assert len(failed) >= 5


def test_a_dangling_metadata_link_is_both_missing_metadata_and_a_link(repo: Repo) -> None:
    raw_metadata_is_a_dangling_symlink(repo)
    found = {(p.code, p.file) for p in load_corpus(repo.root).problems}
    assert {("raw-without-metadata", RAW_TXT), ("not-a-regular-file", RAW_META)} <= found
