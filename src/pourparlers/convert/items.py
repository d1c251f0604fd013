"""The result items of one annotation: regions, per-region values and relations.

Each item is first recognised in one test (`convert.quick`); only the others go through the
step-by-step checks here, which find what is wrong and report it with the annotation and the
region named. Convert checks structure only: what must hold to turn an item into a row at all.
Values a row can carry as plain strings (labels, roles, offsets in range, span text) are kept
raw and checked later by validate on the tables.
"""

from __future__ import annotations

from pourparlers.convert.quick import well_formed_choice, well_formed_region, well_formed_relation
from pourparlers.convert.spec import INT32_MAX, INT32_MIN, TABLE_OF, Region, Spec, is_int
from pourparlers.errors import Problem, problem

_ABSENT = object()


class ItemChecks:
    """The checks of result items, for one task; `report` records a problem where it happened."""

    def __init__(self, spec: Spec, file: str, problems: list[Problem]) -> None:
        self.spec = spec
        self.file = file
        self.problems = problems
        self.article_id = ""

    def report(self, code: str, message: str, *, annotation_id: object = "",
               region_id: object = "", expected: str = "", field: str | None = None,
               hint: str | None = None) -> None:
        self.problems.append(problem(
            code, message, file=self.file, article_id=self.article_id,
            annotation_id=annotation_id, region_id=region_id, expected=expected, field=field,
            hint=hint))

    def not_an_item(self, annotation_id: int, position: int, item: object) -> None:
        if type(item) is not dict:
            self.report("missing-key", f"result item #{position} is a JSON {type(item).__name__}",
                        annotation_id=annotation_id, expected="a result object")
            return
        kind = item.get("type")
        rid = item.get("id", "")
        if kind is None:
            self.report("missing-key", f"result item #{position} has no type",
                        annotation_id=annotation_id, region_id=rid,
                        expected="type labels, choices, textarea or relation")
        else:
            self.report("unknown-result-type", f"result item #{position} has type {kind!r}",
                        annotation_id=annotation_id, region_id=rid,
                        expected="labels, choices, textarea or relation")

    def wrong_control(self, annotation_id: int, item: dict, rid: object, result_type: str,
                      known: bool) -> None:
        """Report an item whose control (`from_name`) or object (`to_name`) is not ours."""
        if not known:
            self.report("unknown-control",
                        f"{result_type} item from control {item.get('from_name')!r}",
                        annotation_id=annotation_id, region_id=rid,
                        expected=self.spec.controls_of(result_type))
        else:
            self.report("unknown-control",
                        f"{result_type} item points to object {item.get('to_name')!r}",
                        annotation_id=annotation_id, region_id=rid,
                        expected=f"to_name {self.spec.text!r}")

    def region(self, annotation_id: int, item: dict, seen_ids: set[str]) -> Region | None:
        """A labels item as a region, or None once the reason is reported."""
        found = well_formed_region(item, self.spec, seen_ids)
        if found is not None:
            seen_ids.add(found.id)
            return found
        return self.checked_region(annotation_id, item, seen_ids)

    def checked_region(self, annotation_id: int, item: dict,
                       seen_ids: set[str]) -> Region | None:
        rid = item.get("id")
        value = item.get("value")
        from_name = item.get("from_name")
        kind = self.spec.kind_of.get(from_name) if type(from_name) is str else None
        has_id = type(rid) is str and rid != ""
        if has_id:
            if rid in seen_ids:
                self.report("duplicate-region",
                            f"region id {rid!r} is used twice in the annotation; the second "
                            "is skipped", annotation_id=annotation_id, region_id=rid,
                            expected="unique region ids")
                return None
            seen_ids.add(rid)
        where = "" if rid is None else rid
        if kind is None or item.get("to_name") != self.spec.text:
            self.wrong_control(annotation_id, item, where, "labels", kind is not None)
            return None
        if type(value) is dict:
            start = value.get("start", _ABSENT)
            end = value.get("end", _ABSENT)
            labels = value.get("labels", _ABSENT)
            text = value.get("text", _ABSENT)
        else:
            start = end = labels = text = _ABSENT
        if not has_id or _ABSENT in (start, end, labels, text):
            missing = [] if has_id else ["id"]
            if type(value) is not dict:
                missing.append("value")
            else:
                missing += [k for k in ("start", "end", "labels", "text") if k not in value]
            self.report("missing-key", f"{kind} region has no {', '.join(missing)}",
                        annotation_id=annotation_id, region_id=where,
                        expected="id and value.start, value.end, value.labels, value.text")
            return None
        if type(labels) is not list or len(labels) != 1 or type(labels[0]) is not str:
            self.report("label-count", f"{kind} region has labels {labels!r}",
                        annotation_id=annotation_id, region_id=rid,
                        expected="exactly one label", field=f"{TABLE_OF[kind]}.type")
            return None
        if not (type(start) is int and type(end) is int and INT32_MIN <= start <= INT32_MAX
                and INT32_MIN <= end <= INT32_MAX):
            name, offset = (("end", end) if type(start) is int and INT32_MIN <= start <= INT32_MAX
                            else ("start", start))
            self.report("offset-type", f"{kind} region has {name} {offset!r}",
                        annotation_id=annotation_id, region_id=rid,
                        expected="an integer code-point offset",
                        field=f"{TABLE_OF[kind]}.{name}")
            return None
        label = labels[0]
        if kind == "stance" and label != self.spec.stance_label:
            self.report("unknown-label", f"stance region has label {label!r}",
                        annotation_id=annotation_id, region_id=rid,
                        expected=repr(self.spec.stance_label),
                        field="schema/taxonomy.yaml: controls.stance_label")
            return None
        if type(text) is not str:
            self.report("text-type", f"{kind} region has value.text {text!r}, not a string",
                        annotation_id=annotation_id, region_id=rid,
                        expected="the span's text as a string (it is compared with the stored text)",
                        field=f"{TABLE_OF[kind]}.text")
            return None
        return Region(rid, kind, label, start, end, text)

    def per_region(self, annotation_id: int, item: dict, regions: dict[str, Region],
                   seen_ids: set[str]) -> bool:
        found = well_formed_choice(item, self.spec, regions)
        if found is not None:
            region, attribute, choice = found
            region.attrs[attribute] = choice
            return True
        return self.checked_per_region(annotation_id, item, regions, seen_ids)

    def checked_per_region(self, annotation_id: int, item: dict, regions: dict[str, Region],
                           seen_ids: set[str]) -> bool:
        result_type = item["type"]
        rid = item.get("id")
        where = "" if rid is None else rid
        control = item.get("from_name")
        spec = self.spec.per_region.get(control) if type(control) is str else None
        known = spec is not None and spec[0] == result_type
        if not known or item.get("to_name") != self.spec.text:
            self.wrong_control(annotation_id, item, where, result_type, known)
            return False
        _, kind, attribute = spec
        value = item.get("value")
        if not isinstance(rid, str) or type(value) is not dict:
            self.report("missing-key", f"{control} item has no id or no value",
                        annotation_id=annotation_id, region_id=where,
                        expected="the id of its region and a value")
            return False
        region = regions.get(rid)
        if region is None:
            why = ("belongs to a region that was not converted (see its problem)"
                   if rid in seen_ids else "has no region with this id")
            self.report("orphan-choice", f"{control} value {why}",
                        annotation_id=annotation_id, region_id=rid,
                        expected="a labels region with the same id")
            return False
        if region.kind != kind:
            self.report("choice-not-allowed",
                        f"{control} is set on a {region.kind} region ({region.label})",
                        annotation_id=annotation_id, region_id=rid,
                        expected=f"{control} on {kind} regions only")
            return False
        start, end = value.get("start"), value.get("end")
        if not (is_int(start) and is_int(end) and start == region.start and end == region.end):
            self.report("choice-span-mismatch",
                        f"{control} value has offsets {start!r}-{end!r}, its region "
                        f"{region.start}-{region.end}",
                        annotation_id=annotation_id, region_id=rid,
                        expected=f"start {region.start}, end {region.end}")
            return False
        values = value.get("choices" if result_type == "choices" else "text")
        field_name = f"{TABLE_OF[kind]}.{attribute}"
        if (type(values) is not list or len(values) != 1 or not isinstance(values[0], str)
                or not values[0].strip()):
            self.report("choice-count", f"{control} has value {values!r}",
                        annotation_id=annotation_id, region_id=rid,
                        expected="a list of exactly one non-empty string", field=field_name)
            return False
        if attribute in region.attrs:
            self.report("duplicate-choice",
                        f"{control} is set twice on the region ({region.attrs[attribute]!r}, "
                        f"then {values[0]!r}); the second is skipped",
                        annotation_id=annotation_id, region_id=rid,
                        expected=f"one {control} per region", field=field_name)
            return False
        region.attrs[attribute] = values[0]
        return True

    def relation(self, annotation_id: int, item: dict, regions: dict[str, Region],
                 seen_ids: set[str], arguments: dict[tuple[str, str, str], None]) -> bool:
        found = well_formed_relation(item, self.spec, regions, arguments)
        if found is not None:
            source, target, label = found
            if source.kind == "stance":
                source.holder = target.id
            else:
                arguments[source.id, target.id, label] = None
            return True
        return self.checked_relation(annotation_id, item, regions, seen_ids, arguments)

    def checked_relation(self, annotation_id: int, item: dict, regions: dict[str, Region],
                         seen_ids: set[str],
                         arguments: dict[tuple[str, str, str], None]) -> bool:
        from_id, to_id = item.get("from_id"), item.get("to_id")
        where = "" if from_id is None else from_id
        if not isinstance(from_id, str) or not isinstance(to_id, str):
            self.report("missing-key", "relation has no from_id or to_id",
                        annotation_id=annotation_id, region_id=where,
                        expected="from_id and to_id of two regions")
            return False
        arrow = f"{from_id} -> {to_id}"
        for end in (from_id, to_id):
            if end not in regions:
                why = ("a region that was not converted (see its problem)" if end in seen_ids
                       else "no region of the annotation")
                self.report("dangling-relation", f"relation {arrow}: {end!r} is {why}",
                            annotation_id=annotation_id, region_id=from_id,
                            expected="both ends among the annotation's regions")
                return False
        direction = item.get("direction")
        if direction == "right":
            source, target = regions[from_id], regions[to_id]
        elif direction == "left":
            source, target = regions[to_id], regions[from_id]
        else:
            self.report("relation-direction",
                        f"relation {arrow} has direction {direction!r}",
                        annotation_id=annotation_id, region_id=from_id,
                        expected="right or left")
            return False
        labels = item.get("labels")
        if type(labels) is not list or len(labels) != 1 or not isinstance(labels[0], str):
            self.report("relation-label-count", f"relation {arrow} has labels {labels!r}",
                        annotation_id=annotation_id, region_id=from_id,
                        expected="exactly one label", field="event_arguments.role")
            return False
        label = labels[0]
        holder = self.spec.holder
        fits = (source.kind == "event" and label != holder) or (
            source.kind == "stance" and label == holder)
        if target.kind != "entity" or not fits:
            self.report("relation-not-allowed",
                        f"relation {arrow} labelled {label!r} goes from a {source.kind} "
                        f"({source.label}) to a {target.kind} ({target.label})",
                        annotation_id=annotation_id, region_id=from_id,
                        expected=f"event -> entity with a role, or stance -> entity with "
                                 f"{holder!r}")
            return False
        if source.kind == "stance":
            if source.holder is not None:
                self.report("multiple-holders",
                            f"stance already has holder {source.holder!r}; relation {arrow} "
                            "is skipped", annotation_id=annotation_id, region_id=source.id,
                            expected="at most one holder", field="stances.holder_id")
                return False
            source.holder = target.id
            return True
        key = (source.id, target.id, label)
        if key in arguments:
            self.report("duplicate-relation",
                        f"relation {arrow} labelled {label!r} appears twice; the second is "
                        "skipped", annotation_id=annotation_id, region_id=source.id,
                        expected="each argument once")
            return False
        arguments[key] = None
        return True

