"""`pourparlers verify` on the files a build writes at a release's root: `labels.parquet` is
compared with the label rows the build makes from the taxonomy, and `croissant.json` with the
Croissant description the build makes for the release's files (with the manifest's SHA-256 in a
cut release, so that a changed file is reported once, by the manifest)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import copy_repository, edit_parquet

from pourparlers.build.croissant import CROISSANT
from pourparlers.build.labels import LABEL_TABLE, label_rows
from pourparlers.release import cut_release
from pourparlers.release.root_files import CROISSANT_CHECK, LABEL_TABLE_CHECK
from pourparlers.release.verify import verify_release
from pourparlers.repo import Repo

ENTITIES = "entities/train-00000-of-00001.parquet"


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> tuple[Path, Path]:
    repo = copy_repository(tmp_path_factory.mktemp("released") / "repo", annotations=True)
    return repo, cut_release(Repo(repo), bump="minor", date="2026-11-23", repo_id="acme/pourparlers").path


def copy_of(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def verified(folder: Path, root: Path):
    return verify_release(folder, Repo(root).taxonomy())


def of_code(report, code: str) -> list:
    return [p for p in report.problems if p.code == code]


def check(report, title: str) -> tuple[str, bool, int]:
    return next(line for line in report.checks if line[0] == title)


# -- labels.parquet -------------------------------------------------------------------------------


def test_the_label_table_is_compared_with_the_rows_the_build_makes(root, built):
    taxonomy = Repo(root).taxonomy()
    assert pq.read_table(built / LABEL_TABLE).to_pylist() == label_rows(taxonomy)
    report = verified(built, root)
    assert check(report, LABEL_TABLE_CHECK.title) == (LABEL_TABLE_CHECK.title, True, 0)
    assert ("croissant.json's version and Hub repo", "a build has no manifest.json to compare them with") \
        in report.skipped


def test_a_label_table_with_other_labels_is_reported_per_column(root, built, tmp_path):
    folder = copy_of(built, tmp_path)

    def edited(rows):
        for row in rows:
            if (row["config"], row["column"], row["name"]) == ("entities", "type", "PER"):
                row["name"] = "PERSON"
            if (row["config"], row["column"], row["name"]) == ("events", "realis", "ACTUAL"):
                row["fr"] = "réel"
        rows[:] = [row for row in rows if (row["config"], row["column"]) != ("stances", "polarity")]

    edit_parquet(folder / LABEL_TABLE, edited)
    report = verified(folder, root)
    problems = {p.field: p.message for p in of_code(report, "label-table-mismatch")}
    assert problems == {
        "entities.type": "entities.type in labels.parquet is not the taxonomy's ClassLabel: labels removed: PER; "
                         "labels added: PERSON",
        "events.realis": "the definitions of events.realis in labels.parquet are not the taxonomy's: ACTUAL (fr)",
        "stances.polarity": f"labels.parquet has no label of stances.polarity (a ClassLabel of "
                            f"{len(Repo(root).taxonomy().polarities)} names)"}
    assert all(p.file == LABEL_TABLE for p in of_code(report, "label-table-mismatch"))
    assert check(report, LABEL_TABLE_CHECK.title) == (LABEL_TABLE_CHECK.title, False, 3)
    # a build's croissant.json gives the SHA-256 of labels.parquet too
    assert [p.field for p in of_code(report, "croissant-mismatch")] == [f"distribution[{LABEL_TABLE}]"]


def test_a_label_table_with_other_columns_or_none_is_reported(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    table = pq.read_table(folder / LABEL_TABLE)
    pq.write_table(table.drop_columns(["cameo"]), folder / LABEL_TABLE)
    [problem] = of_code(verified(folder, root), "label-table-mismatch")
    assert problem.message.startswith("labels.parquet has the columns config string, column string, id int64")
    assert "cameo string" in problem.expected
    (folder / LABEL_TABLE).unlink()
    report = verified(folder, root)
    assert [(p.code, p.file) for p in report.problems] == [("label-table-mismatch", LABEL_TABLE)]
    assert report.problems[0].message == "the release has no labels.parquet (the names of the label ids)"
    # croissant.json, which hashes labels.parquet, cannot be made: not run, never shown as passed
    assert check(report, CROISSANT_CHECK.title) == (CROISSANT_CHECK.title, False, 0)


# -- croissant.json ---------------------------------------------------------------------------------


def test_a_cut_release_s_croissant_is_what_the_build_writes_with_the_manifest_s_version(released):
    repo, folder = released
    report = verified(folder, repo)
    assert report.ok and check(report, CROISSANT_CHECK.title) == (CROISSANT_CHECK.title, True, 0)
    assert not [reason for title, reason in report.skipped if "croissant" in title]


def test_an_edited_croissant_is_reported_entry_by_entry(released, tmp_path):
    repo, release = released
    folder = copy_of(release, tmp_path)
    document = json.loads((folder / CROISSANT).read_text(encoding="utf-8"))
    document["version"] = "9.9.9"
    entities = next(r for r in document["recordSet"] if r["@id"] == "entities")
    start = next(f for f in entities["field"] if f["@id"] == "entities/start")
    start["dataType"] = "sc:Float"
    document["distribution"] = [d for d in document["distribution"] if d["@id"] != ENTITIES]
    (folder / CROISSANT).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report = verified(folder, repo)
    said = {p.field: p.message for p in of_code(report, "croissant-mismatch")}
    assert said == {
        "version": 'croissant.json has version "9.9.9"; the build writes "0.1.0"',
        "recordSet[entities]": "the record set entities of croissant.json is not the build's (it differs in field)",
        f"distribution[{ENTITIES}]": f"croissant.json lacks the file {ENTITIES}"}
    assert [(p.code, p.file) for p in report.problems if p.code != "croissant-mismatch"] == [
        ("release-mismatch", CROISSANT)]   # and the manifest says croissant.json changed


def test_a_file_changed_in_a_cut_release_is_reported_once_by_the_manifest(released, tmp_path):
    repo, release = released
    folder = copy_of(release, tmp_path)
    pq.write_table(pq.read_table(folder / ENTITIES).slice(1), folder / ENTITIES)
    report = verified(folder, repo)
    assert of_code(report, "croissant-mismatch") == []
    assert [p.file for p in of_code(report, "release-mismatch")] == [ENTITIES]


def test_a_missing_or_unreadable_croissant_is_reported(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    (folder / CROISSANT).write_text("{not json", encoding="utf-8")
    report = verified(folder, root)
    assert [(p.code, p.file) for p in report.problems] == [("release-unreadable", CROISSANT)]
    (folder / CROISSANT).unlink()
    report = verified(folder, root)
    assert [(p.code, p.file, p.message) for p in report.problems] == [
        ("croissant-mismatch", CROISSANT, "the release has no croissant.json")]


def test_a_config_file_croissant_does_not_list_is_reported_in_a_build(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    extra = "entities/validation-00000-of-00001.parquet"
    table = pq.read_table(folder / ENTITIES)
    pq.write_table(pa.Table.from_pylist([], schema=table.schema), folder / extra)
    said = {p.field: p.message for p in of_code(verified(folder, root), "croissant-mismatch")}
    assert said[f"distribution[{extra}]"] == f"croissant.json lacks the file {extra}"
    assert said["recordSet[entities]"].startswith("the record set entities of croissant.json is not the build's")
