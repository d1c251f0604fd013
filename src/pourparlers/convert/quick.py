"""The well-formed item, recognised in one test.

These run for every item of the corpus, so the common case costs a few lookups. They return
None at the first doubt, and the step-by-step checks of `convert.items` then find and report
what is wrong; a well-formed item is one those checks accept unchanged (tests/convert/ holds
them to that).
"""

from __future__ import annotations

from pourparlers.convert.spec import INT32_MAX, INT32_MIN, Region, Spec


def well_formed_region(item: dict, spec: Spec, seen_ids: set[str]) -> Region | None:
    try:
        rid, value = item["id"], item["value"]
        start, end, labels, text = value["start"], value["end"], value["labels"], value["text"]
        kind = spec.kind_of[item["from_name"]]
    except (KeyError, TypeError):
        return None
    if (type(rid) is str and rid and rid not in seen_ids
            and type(start) is int and type(end) is int
            and INT32_MIN <= start <= INT32_MAX and INT32_MIN <= end <= INT32_MAX
            and type(labels) is list and len(labels) == 1 and type(labels[0]) is str
            and type(text) is str and (kind != "stance" or labels[0] == spec.stance_label)
            and item.get("to_name") == spec.text):
        return Region(rid, kind, labels[0], start, end, text)
    return None


def well_formed_choice(item: dict, spec: Spec,
                        regions: dict[str, Region]) -> tuple[Region, str, str] | None:
    """(region, attribute, value) of a per-region choice or textarea item."""
    try:
        result_type = item["type"]
        expected_type, kind, attribute = spec.per_region[item["from_name"]]
        rid, value = item["id"], item["value"]
        region = regions[rid]
        start, end = value["start"], value["end"]
        values = value["choices" if result_type == "choices" else "text"]
    except (KeyError, TypeError):
        return None
    if (result_type == expected_type and region.kind == kind and type(rid) is str
            and type(start) is int and type(end) is int
            and start == region.start and end == region.end
            and type(values) is list and len(values) == 1 and type(values[0]) is str
            and values[0].strip() and attribute not in region.attrs
            and item.get("to_name") == spec.text):
        return region, attribute, values[0]
    return None


def well_formed_relation(item: dict, spec: Spec, regions: dict[str, Region],
                          arguments: dict[tuple[str, str, str], None],
                          ) -> tuple[Region, Region, str] | None:
    """(source, target, label) of an event argument or of a stance's first holder."""
    try:
        from_id, to_id, labels = item["from_id"], item["to_id"], item["labels"]
        source, target = regions[from_id], regions[to_id]
        direction = item["direction"]
    except (KeyError, TypeError):
        return None
    if not (type(from_id) is str and type(to_id) is str and type(labels) is list
            and len(labels) == 1 and type(labels[0]) is str):
        return None
    if direction == "left":
        source, target = target, source
    elif direction != "right":
        return None
    label = labels[0]
    if target.kind != "entity":
        return None
    if source.kind == "event" and label != spec.holder:
        return None if (source.id, target.id, label) in arguments else (source, target, label)
    if source.kind == "stance" and label == spec.holder and source.holder is None:
        return source, target, label
    return None
