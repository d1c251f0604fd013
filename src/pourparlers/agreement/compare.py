"""One article's two annotations compared: entities (strict and overlap), events (ACE-style
triggers and arguments, realis), stances (holder, target; polarity, attribution), and the list of
what one has that the other lacks. The matching rules are in `pourparlers.agreement`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from pourparlers.agreement.matching import (
    NONE,
    LabelAgreement,
    Score,
    match,
    same_span,
    shared_chars,
    span_preference,
)
from pourparlers.errors import PourparlersError
from pourparlers.tables import ALTERNATE, GOLD

OUTLET = "(outlet)"      # a stance without holder: the article's own voice
TABLES = ("entities", "events", "event_arguments", "stances")


# -- one annotation --------------------------------------------------------------------------

@dataclass
class Annotation:
    """One annotation's rows of one article, as plain dicts, with their fillers resolved."""

    article_id: str
    annotation_id: int
    annotator: str | None
    layer: str
    task_id: int
    entities: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    arguments: list[dict] = field(default_factory=list)
    stances: list[dict] = field(default_factory=list)

    def label(self) -> dict:
        return {"annotation_id": self.annotation_id, "annotator": self.annotator,
                "layer": self.layer, "task_id": self.task_id}

    def resolve(self) -> None:
        """Attach to each argument its trigger and filler, to each stance its holder mention."""
        mentions = {row["mention_id"]: row for row in self.entities}
        events = {row["event_id"]: row for row in self.events}
        for row in self.arguments:
            row["event"] = events.get(row["event_id"])
            row["filler"] = mentions.get(row["mention_id"])
        for row in self.stances:
            holder = row["holder_id"]
            row["holder"] = None if not holder else mentions.get(holder, {"unresolved": holder})


def annotations_of(tables: dict[str, pa.Table]) -> dict[str, list[Annotation]]:
    """Every annotation seen in the tables, per article, in annotation-id order."""
    found: dict[tuple[str, int], Annotation] = {}
    plural = {"entities": "entities", "events": "events", "event_arguments": "arguments",
              "stances": "stances"}
    for name in TABLES:
        table = tables.get(name)
        if table is None:
            continue
        for row in table.to_pylist():
            key = (row["article_id"], row["annotation_id"])
            annotation = found.get(key)
            if annotation is None:
                annotation = found[key] = Annotation(row["article_id"], row["annotation_id"],
                                                     row["annotator"], row["layer"], row["task_id"])
            getattr(annotation, plural[name]).append(row)
    out: dict[str, list[Annotation]] = defaultdict(list)
    for (article_id, _), annotation in sorted(found.items()):
        annotation.resolve()
        out[article_id].append(annotation)
    return dict(out)


# -- choosing A and B ------------------------------------------------------------------------

SELECTOR_HELP = ("gold, alternate, annotator:<id>[,<id>…] (the latest annotation of that annotator, "
                 "or of any of them: a study where each article had its own annotator) or annotation:<id>")


def check_selector(selector: str) -> str:
    kind, _, value = selector.partition(":")
    if selector in (GOLD, ALTERNATE) or (kind in ("annotator", "annotation") and value
                                          and all(value.split(","))):
        if kind == "annotation" and not value.isdigit():
            raise PourparlersError(f"annotation id {value!r} is not an integer",
                                   f"use {SELECTOR_HELP}", code="selector-invalid")
        return selector
    raise PourparlersError(f"unknown annotation selector {selector!r}", f"use {SELECTOR_HELP}",
                           code="selector-invalid")


def select(annotations: Sequence[Annotation], selector: str,
           exclude: Annotation | None = None) -> Annotation | None:
    """The annotation of one article that `selector` names (see SELECTOR_HELP), if any.

    "alternate" is the alternate with the smallest annotation id (the first submitted after
    or beside the gold); `exclude` (the annotation already chosen as A) is never returned.
    """
    check_selector(selector)
    candidates = [a for a in annotations if a is not exclude]
    kind, _, value = selector.partition(":")
    if selector in (GOLD, ALTERNATE):
        chosen = [a for a in candidates if a.layer == selector]
        return chosen[0] if chosen else None
    if kind == "annotation":
        chosen = [a for a in candidates if a.annotation_id == int(value)]
        return chosen[0] if chosen else None
    wanted = set(value.split(","))
    chosen = [a for a in candidates if a.annotator in wanted]
    return chosen[-1] if chosen else None


# -- comparisons -----------------------------------------------------------------------------

def _mention(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {"start": row["start"], "end": row["end"], "text": row["text"], "type": row["type"]}


def compare_entities(a: Sequence[dict], b: Sequence[dict]) -> dict:
    """Strict and overlap scores per type and micro, the strict/overlap pairs."""
    types = sorted({row["type"] for row in (*a, *b)})
    strict: dict[str, Score] = {}
    overlap: dict[str, Score] = {}
    pairs_strict: list[tuple[dict, dict]] = []
    pairs_overlap: list[tuple[dict, dict]] = []
    for kind in types:
        xs = [row for row in a if row["type"] == kind]
        ys = [row for row in b if row["type"] == kind]
        exact = match(xs, ys, same_span, span_preference)
        loose = match(xs, ys, lambda x, y: shared_chars(x, y) > 0 or same_span(x, y), span_preference)
        strict[kind] = Score(len(xs), len(ys), len(exact))
        overlap[kind] = Score(len(xs), len(ys), len(loose))
        pairs_strict += [(xs[i], ys[j]) for i, j in exact]
        pairs_overlap += [(xs[i], ys[j]) for i, j in loose]
    return {"strict": strict, "overlap": overlap, "pairs_strict": pairs_strict,
            "pairs_overlap": pairs_overlap}


def micro(scores: dict[str, Score]) -> Score:
    total = Score()
    for score in scores.values():
        total.add(score)
    return total


def compare_events(a: Annotation, b: Annotation) -> dict:
    """ACE-style trigger and argument scores, realis agreement, and the trigger pairs."""
    xs, ys = a.events, b.events
    identified = match(xs, ys, same_span,
                       lambda x, y: (x["type"] != y["type"], x["realis"] != y["realis"], x["start"]))
    classified = match(xs, ys, lambda x, y: same_span(x, y) and x["type"] == y["type"],
                       lambda x, y: (x["realis"] != y["realis"], x["start"]))
    paired = {xs[i]["event_id"]: ys[j]["event_id"] for i, j in identified}
    realis = LabelAgreement([(xs[i]["realis"] or NONE, ys[j]["realis"] or NONE) for i, j in identified])

    def same_filler(x: dict, y: dict) -> bool:
        return (paired.get(x["event_id"]) == y["event_id"] and x["filler"] is not None
                and y["filler"] is not None and same_span(x["filler"], y["filler"]))

    args_a, args_b = a.arguments, b.arguments
    arg_id = match(args_a, args_b, same_filler, lambda x, y: (x["role"] != y["role"],))
    arg_cls = match(args_a, args_b, lambda x, y: same_filler(x, y) and x["role"] == y["role"])
    return {
        "trigger_identification": Score(len(xs), len(ys), len(identified)),
        "trigger_classification": Score(len(xs), len(ys), len(classified)),
        "argument_identification": Score(len(args_a), len(args_b), len(arg_id)),
        "argument_classification": Score(len(args_a), len(args_b), len(arg_cls)),
        "realis": realis,
        "pairs": [(xs[i], ys[j]) for i, j in identified],
        "argument_pairs": [(args_a[i], args_b[j]) for i, j in arg_id],
    }


def same_holder(x: dict | None, y: dict | None) -> bool:
    """Holders agree when both are absent, share a span, or share a canonical_id.

    The same span agrees even when the canonical ids differ (that is an entity disagreement,
    reported there); a holder whose mention is not in the entities table agrees with nothing.
    """
    if x is None or y is None:
        return x is None and y is None
    if "unresolved" in x or "unresolved" in y:
        return False
    if same_span(x, y):
        return True
    return bool(x.get("canonical_id")) and x.get("canonical_id") == y.get("canonical_id")


def compare_stances(a: Sequence[dict], b: Sequence[dict]) -> dict:
    """F1 on (holder, target), kappa on polarity and attribution over the pairs."""
    def compatible(x: dict, y: dict) -> bool:
        return x["target"] == y["target"] and same_holder(x["holder"], y["holder"])

    def preference(x: dict, y: dict) -> tuple:
        return (-shared_chars(x, y), x["polarity"] != y["polarity"], x["start"], y["start"])

    paired = match(a, b, compatible, preference)
    pairs = [(a[i], b[j]) for i, j in paired]
    return {
        "holder_target": Score(len(a), len(b), len(paired)),
        "polarity": LabelAgreement([(x["polarity"] or NONE, y["polarity"] or NONE) for x, y in pairs]),
        "attribution": LabelAgreement([(x["attribution"] or NONE, y["attribution"] or NONE)
                                       for x, y in pairs]),
        "pairs": pairs,
    }


# -- disagreements ---------------------------------------------------------------------------

def _holder_text(row: dict) -> str:
    holder = row["holder"]
    if holder is None:
        return OUTLET
    return holder.get("text", f"? {row['holder_id']}")


def _describe(layer: str, row: dict) -> dict:
    """The fields an adjudicator needs to find and judge one region."""
    if layer == "entity":
        return {"region_id": row["region_id"], "start": row["start"], "end": row["end"],
                "text": row["text"], "type": row["type"], "canonical_id": row["canonical_id"]}
    if layer == "event":
        return {"region_id": row["region_id"], "start": row["start"], "end": row["end"],
                "text": row["text"], "type": row["type"], "realis": row["realis"]}
    if layer == "argument":
        event, filler = row["event"], row["filler"]
        return {"region_id": row["region_id"], "trigger": _mention(event), "role": row["role"],
                "filler_region_id": row["target_region_id"], "filler": _mention(filler)}
    return {"region_id": row["region_id"], "start": row["start"], "end": row["end"],
            "text": row["text"], "holder": _holder_text(row), "target": row["target"],
            "polarity": row["polarity"], "attribution": row["attribution"]}


def _differences(x: dict, y: dict, names: Sequence[str]) -> list[str]:
    return [f"{name} {x[name]!r} vs {y[name]!r}" for name in names if x[name] != y[name]]


def _unpaired(rest_a: list, rest_b: list, pairs: list[tuple[int, int]]) -> tuple[list, list]:
    """The items of each side that `pairs` (indexes into the two lists) leaves unmatched."""
    taken_a, taken_b = {i for i, _ in pairs}, {j for _, j in pairs}
    return ([x for i, x in enumerate(rest_a) if i not in taken_a],
            [y for j, y in enumerate(rest_b) if j not in taken_b])


def disagreements(article_id: str, a: Annotation, b: Annotation, entities: dict, events: dict,
                  stances: dict) -> list[dict]:
    """What A has that B lacks (only_a), the reverse (only_b), and paired items that differ.

    Entities: a strict pair agrees; an overlap pair that is not strict is a boundary
    `mismatch`; same-span regions of different types are shown as a type `mismatch`.
    Events: identification pairs that differ in type or realis are a `mismatch`.
    Arguments: identification pairs with different roles, and arguments of paired triggers
    with the same role whose fillers overlap, are a `mismatch`. Stances: (holder, target) pairs that
    differ in polarity or attribution are a `mismatch`.
    """
    out: list[dict] = []

    def emit(layer: str, kind: str, x: dict | None, y: dict | None, detail: str = "") -> None:
        out.append({"article_id": article_id, "layer": layer, "kind": kind,
                    "a": None if x is None else _describe(layer, x),
                    "b": None if y is None else _describe(layer, y), "detail": detail})

    def leftovers(xs: Sequence[dict], ys: Sequence[dict],
                  pairs: Sequence[tuple[dict, dict]]) -> tuple[list[dict], list[dict]]:
        used_a = {id(x) for x, _ in pairs}
        used_b = {id(y) for _, y in pairs}
        return [x for x in xs if id(x) not in used_a], [y for y in ys if id(y) not in used_b]

    strict_ids = {(id(x), id(y)) for x, y in entities["pairs_strict"]}
    for x, y in entities["pairs_overlap"]:
        if (id(x), id(y)) not in strict_ids:
            emit("entity", "mismatch", x, y, f"boundary {x['start']}-{x['end']} vs {y['start']}-{y['end']}")
    rest_a, rest_b = leftovers(a.entities, b.entities, entities["pairs_overlap"])
    typed = match(rest_a, rest_b, same_span)
    for i, j in typed:
        emit("entity", "mismatch", rest_a[i], rest_b[j], f"type {rest_a[i]['type']} vs {rest_b[j]['type']}")
    out += _only("entity", article_id, *_unpaired(rest_a, rest_b, typed))

    for x, y in events["pairs"]:
        detail = _differences(x, y, ("type", "realis"))
        if detail:
            emit("event", "mismatch", x, y, "; ".join(detail))
    out += _only("event", article_id, *leftovers(a.events, b.events, events["pairs"]))
    for x, y in events["argument_pairs"]:
        if x["role"] != y["role"]:
            emit("argument", "mismatch", x, y, f"role {x['role']!r} vs {y['role']!r}")
    rest_a, rest_b = leftovers(a.arguments, b.arguments, events["argument_pairs"])
    triggers = {x["event_id"]: y["event_id"] for x, y in events["pairs"]}
    near = match(rest_a, rest_b, lambda x, y: (
        triggers.get(x["event_id"]) == y["event_id"] and x["role"] == y["role"]
        and x["filler"] is not None and y["filler"] is not None and shared_chars(x["filler"], y["filler"]) > 0))
    for i, j in near:
        x, y = rest_a[i], rest_b[j]
        emit("argument", "mismatch", x, y, f"filler {x['filler']['start']}-{x['filler']['end']} vs "
                                           f"{y['filler']['start']}-{y['filler']['end']}")
    out += _only("argument", article_id, *_unpaired(rest_a, rest_b, near))

    for x, y in stances["pairs"]:
        detail = _differences(x, y, ("polarity", "attribution"))
        if detail:
            emit("stance", "mismatch", x, y, "; ".join(detail))
    out += _only("stance", article_id, *leftovers(a.stances, b.stances, stances["pairs"]))
    return out


def _only(layer: str, article_id: str, xs: Sequence[dict], ys: Sequence[dict]) -> list[dict]:
    return ([{"article_id": article_id, "layer": layer, "kind": "only_a", "a": _describe(layer, x),
              "b": None, "detail": ""} for x in xs]
            + [{"article_id": article_id, "layer": layer, "kind": "only_b", "a": None,
                "b": _describe(layer, y), "detail": ""} for y in ys])


