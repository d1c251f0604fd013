"""Property: random valid annotations on a real seed text survive export -> convert -> tables ->
predictions -> convert unchanged.

Hypothesis draws entities (any type, optional canonical id), events with realis and arguments
whose role the event type allows and whose filler's type the role allows, and stances with
target, polarity, attribution and a holder of an allowed type (none for the holder-less attribution). They are
written as a Label Studio result (items in any order), converted, checked by validate (no
problem: the draw is valid), turned back into a result with `results_from_tables`, put into the
task both as a prediction and as the annotation, and converted again: the tables must be equal.
"""

from __future__ import annotations

import hashlib

import orjson
import pyarrow as pa
from helpers import FIXTURES, REPO, taxonomy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pourparlers.convert import convert_task
from pourparlers.labelstudio.results import results_from_tables
from pourparlers.raw import load_articles
from pourparlers.repo import Repo
from pourparlers.tables import ARTICLES
from pourparlers.validate import check_tables

TAX = taxonomy()
EXPORT = FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json"
ARTICLE = "pp-0a488f442605"
FILE = f"annotations/{ARTICLE}.json"
ANNOTATION = 7
_ARTICLES, _ = load_articles(Repo(REPO))
SEED = next(row for row in _ARTICLES.to_pylist() if row["article_id"] == ARTICLE)
# The stored seed text, and the same with a flag emoji (non-BMP) and a line in front of it.
TEXTS = (SEED["text"], "\U0001F1FA\U0001F1E6 Istanbul\n" + SEED["text"])
REGION_ID = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
                    min_size=1, max_size=12)


def articles_table(text: str) -> pa.Table:
    row = {**SEED, "text": text, "n_chars": len(text),
           "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    return pa.Table.from_pylist([row], schema=ARTICLES)


@st.composite
def spans(draw: st.DrawFn, text: str) -> tuple[int, int]:
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 60)))
    return start, end


def item(rid: str, control: str, kind: str, text: str, start: int, end: int, **value) -> dict:
    return {"id": rid, "from_name": control, "to_name": "text", "type": kind, "origin": "manual",
            "value": {"start": start, "end": end, "text": text[start:end], **value}}


@st.composite
def annotation(draw: st.DrawFn, text: str) -> list[dict]:
    """A valid Label Studio result: regions, per-region choices, relations, in random order."""
    c = TAX.controls
    ids = iter(draw(st.lists(REGION_ID, min_size=40, max_size=40, unique=True)))
    items: list[dict] = []
    entities: list[tuple[str, str]] = []  # (region id, type)
    used_spans: set[tuple] = set()

    def new_span(kind: str, label: str) -> tuple[int, int]:
        while True:
            start, end = draw(spans(text))
            if (kind, label, start, end) not in used_spans:
                used_spans.add((kind, label, start, end))
                return start, end

    def entity(kind: str) -> str:
        rid = next(ids)
        start, end = new_span("entity", kind)
        items.append(item(rid, c["entity"], "labels", text, start, end, labels=[kind]))
        # a named mention (capitalised) may fill an argument or hold a stance: it needs an id
        named = text[start:start + 1].isupper() and kind in TAX.canonical_id_types
        canonical = draw(st.sampled_from(["vladimir-poutine", "russie", "ukraine"] + ([] if named else [None])))
        if canonical:
            items.append(item(rid, c["canonical_id"], "textarea", text, start, end)
                         | {"value": {"start": start, "end": end, "text": [canonical]}})
        entities.append((rid, kind))
        return rid

    def filler(types: tuple[str, ...]) -> str:
        fitting = [rid for rid, kind in entities if kind in types]
        if fitting and draw(st.booleans()):
            return draw(st.sampled_from(fitting))
        return entity(draw(st.sampled_from(types)))

    relations: list[dict] = []
    for _ in range(draw(st.integers(0, 6))):
        entity(draw(st.sampled_from(TAX.entity_types)))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(TAX.event_types))
        rid = next(ids)
        start, end = new_span("event", kind)
        items.append(item(rid, c["event"], "labels", text, start, end, labels=[kind]))
        items.append(item(rid, c["realis"], "choices", text, start, end,
                          choices=[draw(st.sampled_from(TAX.realis))]))
        roles = TAX.roles_of[kind]
        seen = set()
        for role in draw(st.lists(st.sampled_from(sorted(roles)), max_size=3)):
            target = filler(roles[role])
            if (role, target) not in seen:
                seen.add((role, target))
                relations.append({"from_id": rid, "to_id": target, "type": "relation",
                                  "direction": "right", "labels": [role]})
    for _ in range(draw(st.integers(0, 3))):
        rid = next(ids)
        attribution = draw(st.sampled_from(TAX.attributions))
        holder = None if attribution == TAX.holderless_attribution else filler(TAX.holder_types)
        target = draw(st.sampled_from(TAX.stance_targets))
        start, end = new_span("stance", (target, holder))
        items.append(item(rid, c["stance"], "labels", text, start, end,
                          labels=[c["stance_label"]]))
        for control, value in (("stance_target", target), ("stance_attribution", attribution),
                               ("stance_polarity", draw(st.sampled_from(TAX.polarities)))):
            items.append(item(rid, c[control], "choices", text, start, end, choices=[value]))
        if holder:
            relations.append({"from_id": rid, "to_id": holder, "type": "relation",
                              "direction": "right", "labels": [c["holder_relation"]]})
    return draw(st.permutations(items + relations))


def convert(task: dict, text: str) -> dict[str, pa.Table]:
    done = convert_task(orjson.loads(orjson.dumps(task)), file=FILE,
                        articles_by_id={ARTICLE: text}, taxonomy=TAX)
    assert done.problems == [], [p.render() for p in done.problems]
    counts = done.counts
    assert counts.items == counts.converted and counts.rejected == 0
    return done.tables()


@st.composite
def case(draw: st.DrawFn) -> tuple[str, list[dict]]:
    text = draw(st.sampled_from(TEXTS))
    return text, draw(annotation(text))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_valid_annotations_survive_the_round_trip(drawn: tuple[str, list[dict]]) -> None:
    text, result = drawn
    task = orjson.loads(EXPORT.read_bytes())[0]
    task["data"]["text"] = text
    task["annotations"] = [{**task["annotations"][0], "result": result}]

    first = convert(task, text)
    labels = sum(1 for it in result if it["type"] == "labels")
    assert sum(first[name].num_rows for name in ("entities", "events", "stances")) == labels
    stances = first["stances"]
    held = stances.num_rows - stances["holder_id"].null_count
    assert first["event_arguments"].num_rows + held == sum(
        1 for it in result if it["type"] == "relation")
    assert check_tables({"articles": articles_table(text), **first}, TAX) == []
    for name in ("entities", "events", "stances"):
        for row in first[name].to_pylist():
            assert text[row["start"]:row["end"]] == row["text"] == row["export_text"]

    predicted = results_from_tables(first, TAX, ARTICLE)
    task["predictions"] = [{"id": 1, "model_version": "round-trip", "score": None,
                            "result": predicted}]
    task["annotations"] = [{**task["annotations"][0], "result": predicted}]
    second = convert(task, text)
    for name, table in first.items():
        assert second[name].equals(table), name
