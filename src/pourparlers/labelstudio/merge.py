"""A task pulled from Label Studio, merged into the article's file of annotations/.

The file is the record, the server a workspace: an annotation whose work is unchanged on the
server (its regions, choices and relations, cancellation and ground truth) is kept as the file
has it, byte for byte, whatever the server did to its ids and timestamps; a changed or new one
comes from the server with its ids turned back into the file's. So a pull right after
`annotate` (which loads every file into a server) writes the files unchanged, and ids never
depend on which server an annotation went through.
"""

from __future__ import annotations

import orjson

from pourparlers.corpus import annotation_files
from pourparlers.repo import Repo

NEW_ID_OFFSET = 1_000_000
"""Added to a new annotation's server id while it equals the id of an annotation loaded from the
file (a fresh server numbers from 1): the same server id always gives the same file id."""

WORK = ("result", "was_cancelled", "ground_truth")
"""What an annotator changes; the rest of an annotation is the server's bookkeeping."""

CHANGE_RECORD = ("updated_at", "updated_by", "last_action", "result_count")
"""What the server records of a change to an annotation, written with the changed work."""

SERVER_COUNTS = ("total_annotations", "cancelled_annotations", "updated_at", "updated_by")


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _id_order(item: object) -> tuple:
    """Numbers first, in order, then other ids as text, then items without one: any mix of id
    types sorts (the file's own order breaks ties, as sorted is stable)."""
    value = item.get("id") if isinstance(item, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value)) if value is not None else (2, 0, "")


def by_id(items: list) -> list:
    return sorted(items, key=_id_order)


def file_annotation_id(annotation: dict, loaded: set[int]) -> object:
    """The id the file records for a server annotation: the file id it was loaded with
    (`import_id`), else its own id, moved past the ids loaded into the same task."""
    if _is_id(annotation.get("import_id")):
        return annotation["import_id"]
    own = annotation.get("id")
    while _is_id(own) and own in loaded:
        own += NEW_ID_OFFSET
    return own


def same_work(before: dict, after: dict) -> bool:
    return all(before.get(key) == after.get(key) for key in WORK)


def _as_filed(annotation: dict, annotation_id: object, before: dict | None, task: dict) -> dict:
    """A changed or new server annotation with the file's ids.

    A changed one is the file's annotation with the server's work and the record of the change
    (`CHANGE_RECORD`): its creation time, the prediction it started from and its other
    provenance stay as the file has them. A new one is the server's, with the task's ids.
    """
    if before is not None:
        return {**before, **{key: annotation.get(key) for key in (*WORK, *CHANGE_RECORD) if key in annotation}}
    filed = dict(annotation)
    filed.update(id=annotation_id, task=task.get("id"), project=task.get("project"), import_id=None)
    return filed


def merged_task(server: dict, previous: dict | None) -> dict:
    """The task to write for `server` (anonymous, renumbered) given the file's `previous` task.

    Drafts are never written: they are unsubmitted work. A new article is the server's task.
    """
    annotations = [a for a in server.get("annotations") or [] if isinstance(a, dict)]
    loaded = {a["import_id"] for a in annotations if _is_id(a.get("import_id"))}
    if previous is None:
        filed = [_as_filed(a, file_annotation_id(a, loaded), None, server) for a in annotations]
        return {**server, "annotations": by_id(filed), "drafts": []}
    before = {a.get("id"): a for a in previous.get("annotations") or [] if isinstance(a, dict)}
    filed = []
    for annotation in annotations:
        annotation_id = file_annotation_id(annotation, loaded)
        old = before.get(annotation_id)
        filed.append(old if old is not None and same_work(old, annotation)
                     else _as_filed(annotation, annotation_id, old, previous))
    filed = by_id(filed)
    if filed == previous.get("annotations") and not previous.get("drafts"):
        return previous
    return {**previous, "annotations": filed, "drafts": [],
            **{key: server.get(key) for key in SERVER_COUNTS if key in server}}


def previous_tasks(repo: Repo) -> dict[str, dict]:
    """The task of each file of annotations/ that holds exactly one (others are rewritten whole)."""
    found = {}
    for path in annotation_files(repo).values():
        try:
            tasks = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if isinstance(tasks, list) and len(tasks) == 1 and isinstance(tasks[0], dict):
            found[path.stem] = tasks[0]
    return found
