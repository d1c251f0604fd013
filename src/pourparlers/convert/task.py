"""Tasks and annotations of a Label Studio export: which task is which article, which
annotation is gold, and the rows of each usable annotation.

Every labels, choices and textarea item and every relation of a converted annotation ends up
as a row, an attribute of a row, or a `Problem`; `Counts` tallies both sides so the accounting
can be checked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from os.path import commonprefix

import pyarrow as pa

from pourparlers.convert.items import ItemChecks
from pourparlers.convert.rows import Counts, Rows
from pourparlers.convert.spec import Region, Spec, is_int
from pourparlers.display import first_difference
from pourparlers.errors import HINT_DRIFT_INVISIBLE, Problem
from pourparlers.raw import ARTICLE_ID
from pourparlers.tables import ALTERNATE, GOLD
from pourparlers.taxonomy import Taxonomy


@dataclass
class TaskResult:
    """What `convert_task` made of one task: its rows went into `rows`."""

    article_id: str
    rows: Rows
    problems: list[Problem] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)

    def tables(self) -> dict[str, pa.Table]:
        return self.rows.tables()


def _timestamp(value: object) -> float:
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return -math.inf
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return -math.inf


def _latest_key(annotation: dict) -> tuple[float, float, int]:
    return (_timestamp(annotation.get("updated_at")), _timestamp(annotation.get("created_at")),
            annotation["id"])


def _annotator(annotation: dict) -> str | None:
    """The annotator's user id as a string (never the e-mail of an expanded `completed_by`)."""
    who = annotation.get("completed_by")
    if type(who) is dict:
        who = who.get("id")
    return None if who is None or who == "" else str(who)


def _snippet(text: str, at: int) -> str:
    return repr(text[max(0, at - 15):at + 15])


class TaskConverter(ItemChecks):
    """Converts one task; holds its location so each check reports where it happened."""

    def __init__(self, spec: Spec, file: str, rows: Rows, result: TaskResult) -> None:
        super().__init__(spec, file, result.problems)
        self.rows = rows
        self.result = result
        self.counts = result.counts

    def reject_items(self, annotations: object) -> None:
        """Count the items of annotations that cannot be converted as rejected."""
        if type(annotations) is not list:
            return
        for annotation in annotations:
            if type(annotation) is not dict or annotation.get("was_cancelled") is True:
                continue
            result = annotation.get("result")
            if type(result) is list:
                for item in result:
                    self.counts.count_item(item)
                self.counts.rejected += len(result)

    def count_cancelled(self, annotations: object) -> None:
        if type(annotations) is list:
            self.counts.cancelled += sum(
                1 for a in annotations if type(a) is dict and a.get("was_cancelled") is True)

    # -- task -------------------------------------------------------------------------------

    def task(self, task: object, articles_by_id: Mapping[str, str], seen: dict[str, str] | None,
             index: int) -> None:
        where = f"task #{index}"
        self.counts.tasks += 1
        if type(task) is not dict:
            self.report("missing-key", f"{where} is a JSON {type(task).__name__}, not an object",
                        expected="a task object with keys id, data, annotations")
            return
        annotations = task.get("annotations")
        data = task.get("data")
        if type(data) is dict and isinstance(data.get("article_id"), str):
            self.article_id = data["article_id"]
            self.result.article_id = self.article_id
        missing = [key for key in ("id", "data", "annotations") if key not in task]
        if missing:
            self.report("missing-key", f"{where} has no key {', '.join(map(repr, missing))}",
                        expected="a task object with keys id, data, annotations")
            return self.block(annotations)
        task_id = task["id"]
        if not is_int(task_id):
            self.report("missing-key", f"{where} has id {task_id!r}, not an integer",
                        expected="an integer task id", field="task_id")
            return self.block(annotations)
        where = f"task {task_id}"
        if type(data) is not dict:
            self.report("missing-key", f"{where}: 'data' is not an object",
                        expected="data = {text, article_id, ...}")
            return self.block(annotations)
        if type(annotations) is not list:
            self.report("missing-key", f"{where}: 'annotations' is not a list",
                        expected="a list of annotations")
            return self.block(annotations)
        article_id = data.get("article_id")
        if not isinstance(article_id, str) or not article_id:
            self.report("missing-key", f"{where} has no data.article_id",
                        expected="data.article_id = the id of an article in raw/",
                        field="article_id")
            return self.block(annotations)
        if not ARTICLE_ID.match(article_id):
            self.article_id = self.result.article_id = ""
            self.report("article-id-invalid",
                        f"{where} has data.article_id {article_id!r}, which is not an article id",
                        expected="pp- followed by 12 lowercase hexadecimal digits",
                        field="article_id")
            return self.block(annotations)
        name = self.file.rpartition("/")[2]
        if name and name != f"{article_id}.json":
            self.report("file-name-mismatch",
                        f"{where} is article {article_id} but the file is named {name}",
                        expected=f"{article_id}.json")
        if seen is not None:
            first = seen.get(article_id)
            if first is not None:
                self.report("duplicate-article",
                            f"{where}: article {article_id} was already converted from {first}; "
                            "this task is skipped",
                            expected="one task per article")
                return self.block(annotations)
            seen[article_id] = self.file
        stored = articles_by_id.get(article_id)
        if stored is None:
            self.report("unknown-article",
                        f"{where}: article {article_id} is not in raw/",
                        expected="an article id from raw/", field="article_id")
            return self.block(annotations)
        text = data.get("text")
        if not isinstance(text, str):
            self.report("missing-key", f"{where} has no data.text",
                        expected="data.text = the article text as imported")
            return self.block(annotations)
        if text != stored:
            at = len(commonprefix([text, stored]))
            difference, invisible = first_difference(text, stored)
            self.report("text-drift",
                        f"{where}: data.text differs from the stored text of {article_id} at "
                        f"position {at} (export {_snippet(text, at)}, stored "
                        f"{_snippet(stored, at)}; lengths {len(text)} and {len(stored)}; "
                        f"{difference})",
                        expected="data.text identical to the stored article text",
                        field="text", hint=HINT_DRIFT_INVISIBLE if invisible else None)
            return self.block(annotations)
        self.annotations(task_id, annotations, stored)

    def block(self, annotations: object) -> None:
        self.count_cancelled(annotations)
        self.reject_items(annotations)

    # -- annotations ------------------------------------------------------------------------

    def annotations(self, task_id: int, annotations: list, text: str) -> None:
        usable = []
        for position, annotation in enumerate(annotations):
            if type(annotation) is not dict:
                self.report("missing-key", f"annotation #{position} is not an object",
                            expected="an annotation object with keys id, result")
                continue
            if annotation.get("was_cancelled") is True:
                self.counts.cancelled += 1
                continue
            annotation_id = annotation.get("id")
            result = annotation.get("result")
            if not is_int(annotation_id) or type(result) is not list:
                bad = [k for k, ok in (("id", is_int(annotation_id)),
                                       ("result", type(result) is list)) if not ok]
                self.report("missing-key",
                            f"annotation #{position} has no usable {' or '.join(bad)}",
                            annotation_id=annotation_id if annotation_id is not None else "",
                            expected="an integer id and a result list")
                self.reject_items([annotation])
                continue
            usable.append(annotation)
        if annotations and self.counts.cancelled == len(annotations):
            self.report("only-cancelled",
                        f"every annotation of task {task_id} was cancelled (skipped); "
                        "the article has no gold annotation",
                        expected="at least one submitted annotation")
            return
        if not usable:
            return
        truths = [a for a in usable if a.get("ground_truth") is True]
        gold = max(truths or usable, key=_latest_key)
        for other in truths:
            if other is not gold:
                self.report("multiple-ground-truth",
                            f"annotations {other['id']} and {gold['id']} are both ground "
                            f"truth; {gold['id']} (the latest) is used as gold",
                            annotation_id=other["id"], expected="one ground-truth annotation")
        for annotation in sorted(usable, key=lambda a: (a is not gold, a["id"])):
            layer = GOLD if annotation is gold else ALTERNATE
            if layer == GOLD:
                self.counts.gold += 1
            else:
                self.counts.alternate += 1
            self.annotation(task_id, annotation, layer, text)

    def annotation(self, task_id: int, annotation: dict, layer: str, text: str) -> None:
        annotation_id = annotation["id"]
        regions: dict[str, Region] = {}
        seen_ids: set[str] = set()
        later = []
        region = self.region
        # Tallied in locals and added once: this loop runs for every item of the corpus.
        n_regions = n_choices = n_relations = n_converted = n_rejected = 0
        for position, item in enumerate(annotation["result"]):
            kind = item.get("type") if type(item) is dict else None
            if kind == "labels":
                n_regions += 1
                found = region(annotation_id, item, seen_ids)
                if found is None:
                    n_rejected += 1
                else:
                    regions[found.id] = found
            elif kind == "relation":
                n_relations += 1
                later.append(item)
            elif kind == "choices" or kind == "textarea":
                n_choices += 1
                later.append(item)
            else:
                self.counts.other += 1
                n_rejected += 1
                self.not_an_item(annotation_id, position, item)
        arguments: dict[tuple[str, str, str], None] = {}
        relation, per_region = self.relation, self.per_region
        for item in later:
            if item["type"] == "relation":
                ok = relation(annotation_id, item, regions, seen_ids, arguments)
            else:
                ok = per_region(annotation_id, item, regions, seen_ids)
            if ok:
                n_converted += 1
            else:
                n_rejected += 1
        counts = self.counts
        counts.regions += n_regions
        counts.choices += n_choices
        counts.relations += n_relations
        counts.converted += n_converted
        counts.rejected += n_rejected
        self.emit(task_id, annotation, layer, text, regions, arguments)

    def emit(self, task_id: int, annotation: dict, layer: str, text: str,
             regions: dict[str, Region], arguments: dict[tuple[str, str, str], None]) -> None:
        ann = self.rows.annotation(self.article_id, self.file, task_id, annotation["id"],
                                   _annotator(annotation), layer)
        n = len(text)
        lists = self.rows.lists
        entities, events, stances = lists["entities"], lists["events"], lists["stances"]
        for r in regions.values():
            start, end, attrs = r.start, r.end, r.attrs
            span = text[start:end] if 0 <= start <= end <= n else ""
            if r.kind == "entity":
                entities.append((ann, r.id, start, end, span, r.export_text, r.label,
                                 attrs.get("canonical_id")))
            elif r.kind == "event":
                events.append((ann, r.id, start, end, span, r.export_text, r.label,
                               attrs.get("realis")))
            else:
                stances.append((ann, r.id, start, end, span, r.export_text, r.holder,
                                attrs.get("target"), attrs.get("polarity"),
                                attrs.get("attribution")))
        append = lists["event_arguments"].append
        for source, target, role in arguments:
            trigger = regions[source]
            append((ann, source, role, target, trigger.start, trigger.end))
        self.counts.converted += len(regions)
        self.counts.rows += len(regions) + len(arguments)



def convert_task(task: object, *, file: str, articles_by_id: Mapping[str, str], taxonomy: Taxonomy,
                 rows: Rows | None = None, seen: dict[str, str] | None = None,
                 index: int = 0) -> TaskResult:
    """Convert one Label Studio task; its rows go into `rows` (a fresh `Rows` if not given).

    `file` is the export's path relative to the repository (it names the problems and fills
    `source_file`); `seen` maps article ids already converted to their file, to catch an
    article exported twice; `index` is the task's position in its file, for messages.
    """
    rows = Rows() if rows is None else rows
    result = TaskResult(article_id="", rows=rows)
    TaskConverter(Spec.of(taxonomy), file, rows, result).task(task, articles_by_id, seen, index)
    return result
