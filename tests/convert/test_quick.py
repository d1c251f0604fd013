"""The quick path of convert (`convert.quick`) is the plain checks' yes, in one test: whatever
item it accepts, the step-by-step checks of `convert.items` accept unchanged, with the same
effect and no problem."""

from __future__ import annotations

import json

from export_fixtures import GOOD, JUNK, TAXONOMY, damage, fixture, result_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pourparlers.convert.quick import well_formed_choice, well_formed_region, well_formed_relation
from pourparlers.convert.rows import Rows
from pourparlers.convert.spec import Spec
from pourparlers.convert.task import TaskConverter, TaskResult


def _quick_agrees_with_checks(items: list) -> int:
    """Run the full checks over a task's items in the converter's order and, before each, the
    quick recogniser (`well_formed_*`) on the same state: whenever it accepts an item, the
    checks must accept it too, with the same effect and no problem. Returns how many it took."""
    spec = Spec.of(TAXONOMY)
    done = TaskResult(GOOD, Rows())
    checks = TaskConverter(spec, f"annotations/{GOOD}.json", done.rows, done)
    regions: dict = {}
    seen: set[str] = set()
    arguments: dict = {}
    accepted = 0
    labels = [i for i in items if type(i) is dict and i.get("type") == "labels"]
    for item in labels:
        quick = well_formed_region(item, spec, set(seen))
        before = len(done.problems)
        region = checks.checked_region(1, item, seen)
        if quick is not None:
            accepted += 1
            assert region is not None and len(done.problems) == before
            assert [getattr(quick, a) for a in quick.__slots__] == [
                getattr(region, a) for a in region.__slots__]
        if region is not None:
            regions[region.id] = region
    for item in items:
        if type(item) is not dict or item.get("type") not in ("choices", "textarea", "relation"):
            continue
        before = len(done.problems)
        if item["type"] == "relation":
            holders = {rid: r.holder for rid, r in regions.items()}
            quick = well_formed_relation(item, spec, regions, dict(arguments))
            ok = checks.checked_relation(1, item, regions, seen, arguments)
            if quick is not None:
                source, target, label = quick
                assert ok
                if source.kind == "stance":
                    assert holders[source.id] is None and source.holder == target.id
                else:
                    assert (source.id, target.id, label) in arguments
        else:
            quick = well_formed_choice(item, spec, regions)
            ok = checks.checked_per_region(1, item, regions, seen)
            if quick is not None:
                region, attribute, value = quick
                assert ok and region.attrs[attribute] == value
        if quick is not None:
            accepted += 1
            assert len(done.problems) == before
    return accepted


def _replacements(items: list) -> list:
    """Values that sit on the edges of what a well-formed item may hold."""
    ids = sorted({item["id"] for item in items if "id" in item})
    names = sorted({str(v) for v in TAXONOMY.controls.values()})
    return [*JUNK, " ", 2**31 - 1, 2**31, -(2**31) - 1, 0, 10**6, *ids, *names,
            "right", "left", "bi", "labels", "choices", "textarea", "relation", ["STANCE"],
            ["ORG"], ["x"], [" "], ["Q7747"], ["holder"], ["agent"], [1], [None], [["x"]]]


def _both_value_lists(items: list) -> list:
    """The items with each choice's list also under value.text and each textarea's under
    value.choices, so that a changed `type` alone reads a well-shaped list."""
    copy = json.loads(json.dumps(items))
    for item in copy:
        value = item.get("value", {})
        if item["type"] in ("choices", "textarea"):
            value["text"] = value["choices"] = value.get("choices") or value["text"]
    return copy


def test_well_formed_items_are_items_the_checks_accept_one_change_each() -> None:
    """Every single change of every item: a key removed or set to an edge value, or the item
    repeated (a second holder, a duplicate region, choice or argument)."""
    original = result_of(fixture(GOOD))
    assert _quick_agrees_with_checks(original) == len(original)   # untouched: all quick
    for items in (original, _both_value_lists(original)):
        pool = _replacements(items)
        for position, item in enumerate(items):
            _quick_agrees_with_checks([*items[:position + 1], *items[position:]])
            paths = [(k,) for k in item] + [("value", k) for k in item.get("value", {})]
            for path in paths:
                for change in [_ABSENT_KEY, *pool]:
                    copy = json.loads(json.dumps(items))
                    holder = copy[position] if len(path) == 1 else copy[position]["value"]
                    if change is _ABSENT_KEY:
                        del holder[path[-1]]
                    else:
                        holder[path[-1]] = change
                    _quick_agrees_with_checks(copy)


_ABSENT_KEY = object()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_well_formed_items_are_items_the_checks_accept_any_changes(
        data: st.DataObject) -> None:
    """Several changes at once (ids made to collide, relations moved to other regions)."""
    items = result_of(fixture(GOOD))
    damage(items, data, 2, 8, _replacements(items))
    assert _quick_agrees_with_checks(items) > 0   # at most 8 of the task's items are changed
