"""Merging a pulled task into its file: unchanged work kept byte for byte, ids the file's."""

from __future__ import annotations

import copy

import orjson
from helpers import FIXTURES

from pourparlers.labelstudio.merge import NEW_ID_OFFSET, file_annotation_id, merged_task

FILED = orjson.loads((FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json").read_bytes())[0]


def on_a_fresh_server(task: dict) -> dict:
    """`task` as a fresh server exports it after `annotate` loaded it: new task and annotation
    numbers, the file's annotation ids as `import_id`, new timestamps."""
    server = copy.deepcopy(task)
    server.update(id=1, project=3, created_at="2026-12-06T10:00:00Z", updated_at="2026-12-06T10:00:00Z")
    for number, annotation in enumerate(server["annotations"], start=1):
        annotation.update(import_id=annotation["id"], id=number, task=1, project=3,
                          created_at="2026-12-06T10:00:00Z", unique_id=f"u{number}")
    return server


def test_unchanged_work_is_the_file_s_own_task():
    assert merged_task(on_a_fresh_server(FILED), FILED) is FILED


def test_a_corrected_annotation_keeps_the_file_s_ids():
    server = on_a_fresh_server(FILED)
    region = next(item for item in server["annotations"][0]["result"] if item["type"] == "labels")
    region["value"]["labels"] = ["ORG"]
    merged = merged_task(server, FILED)
    (annotation,) = merged["annotations"]
    assert annotation["id"] == FILED["annotations"][0]["id"] and annotation["task"] == FILED["id"]
    assert annotation["project"] == FILED["project"] and annotation["import_id"] is None
    assert annotation["result"] == server["annotations"][0]["result"]
    before = FILED["annotations"][0]
    assert annotation["created_at"] == before["created_at"] and annotation["prediction"] == before["prediction"]
    assert annotation.keys() == before.keys()       # the file's record, with the server's work
    assert merged["id"] == FILED["id"] and merged["created_at"] == FILED["created_at"]
    assert merged["updated_at"] == server["updated_at"]


def test_a_new_annotation_never_takes_the_id_of_one_loaded_from_the_file():
    server = on_a_fresh_server(FILED)
    loaded = FILED["annotations"][0]["id"]
    second = {**copy.deepcopy(server["annotations"][0]), "id": loaded, "import_id": None,
              "ground_truth": False, "completed_by": 9}
    server["annotations"].append(second)
    merged = merged_task(server, FILED)
    assert [a["id"] for a in merged["annotations"]] == [loaded, loaded + NEW_ID_OFFSET]
    assert merged["annotations"][0] is FILED["annotations"][0]
    assert file_annotation_id(second, {loaded}) == file_annotation_id(second, {loaded})   # stable


def test_a_new_article_is_the_server_s_task_without_drafts():
    server = on_a_fresh_server(FILED)
    server["drafts"] = [{"id": 1, "result": []}]
    for annotation in server["annotations"]:
        annotation["import_id"] = None
    merged = merged_task(server, None)
    assert merged["drafts"] == [] and [a["id"] for a in merged["annotations"]] == [1]
