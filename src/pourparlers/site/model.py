"""One annotation of an article (a `documents` row or an `annotations` row: both hold entities,
events and stances) as what the pages show: the spans to highlight and the details of each
annotation, with canonical ids resolved to actor pages."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pourparlers.site.text import Span
from pourparlers.taxonomy import Taxonomy

_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,80}$")


def page_names(ids: Iterable[str], prefix: str) -> dict[str, str]:
    """A file name for each id: the id itself when it is a short lower-case slug (every actor of
    the corpus: `vladimir-poutine`), else `<prefix>-` and a digest of it (an id may hold any
    character but spaces, and case-insensitive file systems must not merge two)."""
    def digest(value: str, length: int = 16) -> str:
        return f"{prefix}-{hashlib.sha256(value.encode()).hexdigest()[:length]}"

    names = {value: value if _SAFE_NAME.match(value) else digest(value) for value in ids}
    taken: dict[str, str] = {}
    for value, name in names.items():
        if name in taken:   # a slug equal to another id's digest name: both get their digest
            for clash in (value, taken[name]):
                names[clash] = digest(clash, 64)
        taken[name] = value
    return names


@dataclass(frozen=True)
class Labels:
    """What the pages say about labels: the taxonomy's English definitions, the polarity signs,
    and the actor pages (canonical id -> file name and display name)."""

    taxonomy: Taxonomy
    actors: dict[str, dict]          # canonical id -> actors row
    actor_files: dict[str, str]      # canonical id -> file name (no extension)

    @classmethod
    def of(cls, taxonomy: Taxonomy, actors: dict[str, dict]) -> Labels:
        return cls(taxonomy, actors, page_names(actors, "actor"))

    def definition(self, layer: str, name: str | None) -> str:
        spec = self.taxonomy.spec
        items = {"entity": spec.entity_types, "event": spec.event_types, "stance": spec.stance.targets,
                 "realis": spec.realis, "polarity": spec.stance.polarities,
                 "attribution": spec.stance.attributions}[layer]
        return next((item.en for item in items if item.name == name), "")

    def sign(self, polarity: str | None) -> str:
        return self.taxonomy.polarity_signs.get(polarity or "", "?")

    def actor(self, canonical_id: str | None, root: str) -> dict | None:
        """{id, name, href} of an actor page; None without an id; no href for an undeclared id."""
        if not canonical_id:
            return None
        row = self.actors.get(canonical_id)
        if row is None:
            return {"id": canonical_id, "name": canonical_id, "href": None}
        return {"id": canonical_id, "name": row["name"],
                "href": f"{root}actors/{self.actor_files[canonical_id]}.html"}


def spans_of(annotation: dict, labels: Labels) -> list[Span]:
    """Every mention, trigger and stance evidence of `annotation`, ready to highlight."""
    spans = []
    for entity in annotation["entities"]:
        attributes = {"data-canonical": entity["canonical_id"]} if entity["canonical_id"] else {}
        title = entity["type"] + (f" · {entity['canonical_id']}" if entity["canonical_id"] else "")
        spans.append(Span(entity["id"], "entity", entity["type"], entity["start"], entity["end"],
                          entity["type"], title, attributes))
    for event in annotation["events"]:
        trigger = event["trigger"]
        spans.append(Span(event["id"], "event", event["type"], trigger["start"], trigger["end"], event["type"],
                          f"{event['type']} · {event['realis'] or 'no realis'}",
                          {"data-realis": event["realis"] or ""}))
    for stance in annotation["stances"]:
        evidence = stance["evidence"]
        sign = labels.sign(stance["polarity"])
        spans.append(Span(stance["id"], "stance", stance["target"], evidence["start"], evidence["end"],
                          f"{sign} {stance['target']}", f"{stance['polarity']} · {stance['target']}",
                          {"data-polarity": stance["polarity"] or "", "data-sign": sign}))
    return spans


def details_of(annotation: dict, labels: Labels, root: str) -> list[dict]:
    """What the details panel shows for each annotation of `annotation`, in text order per layer."""
    mentions = {entity["id"]: entity for entity in annotation["entities"]}
    out = []
    for entity in annotation["entities"]:
        out.append({"layer": "entity", "id": entity["id"], "text": entity["text"], "type": entity["type"],
                    "definition": labels.definition("entity", entity["type"]),
                    "start": entity["start"], "end": entity["end"],
                    "actor": labels.actor(entity["canonical_id"], root)})
    for event in annotation["events"]:
        trigger = event["trigger"]
        arguments = [{"role": argument["role"], "entity_id": argument["entity_id"], "text": argument["text"],
                      "type": (mentions.get(argument["entity_id"]) or {}).get("type"),
                      "actor": labels.actor(argument["canonical_id"], root)} for argument in event["arguments"]]
        out.append({"layer": "event", "id": event["id"], "text": trigger["text"], "type": event["type"],
                    "definition": labels.definition("event", event["type"]), "realis": event["realis"],
                    "realis_definition": labels.definition("realis", event["realis"]),
                    "start": trigger["start"], "end": trigger["end"], "arguments": arguments})
    for stance in annotation["stances"]:
        evidence = stance["evidence"]
        out.append({"layer": "stance", "id": stance["id"], "text": evidence["text"], "target": stance["target"],
                    "definition": labels.definition("stance", stance["target"]),
                    "polarity": stance["polarity"], "sign": labels.sign(stance["polarity"]),
                    "polarity_definition": labels.definition("polarity", stance["polarity"]),
                    "attribution": stance["attribution"],
                    "attribution_definition": labels.definition("attribution", stance["attribution"]),
                    "holder_id": stance["holder_id"], "holder_text": stance["holder_text"],
                    "actor": labels.actor(stance["holder_canonical_id"], root),
                    "start": evidence["start"], "end": evidence["end"]})
    return out


def type_counts(spans: Iterable[Span]) -> dict[str, dict[str, int]]:
    """Layer -> type -> number of annotations (for the toggles), layers in nesting order."""
    counts: dict[str, dict[str, int]] = {"entity": {}, "event": {}, "stance": {}}
    for span in spans:
        counts[span.layer][span.type] = counts[span.layer].get(span.type, 0) + 1
    return {layer: dict(sorted(types.items())) for layer, types in counts.items()}
