"""Clean normalized tables of one article (an excerpt of seed 000, its ` date 2025-05 ` header
removed as ingest does), built directly with the layouts of `pourparlers.tables`, so the
validate tests do not depend on the converter; tests edit the rows."""

from __future__ import annotations

import hashlib

import pyarrow as pa
from helpers import FIXTURES, taxonomy

from pourparlers.tables import SCHEMAS

TEXT = (FIXTURES / "validate" / "seed-000-excerpt.txt").read_text(encoding="utf-8")
ARTICLE = "pp-7063880fff2b"
SOURCE = f"annotations/{ARTICLE}.json"
RAW = f"raw/{ARTICLE}.txt"
ANNOTATION = 41
TAXONOMY = taxonomy()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find(surface: str, occurrence: int = 1, text: str = TEXT) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.index(surface, start + 1)
    return start, start + len(surface)


class Corpus:
    """Rows of the five tables for one article and one gold annotation; tests edit the rows."""

    def __init__(self, text: str = TEXT):
        self.text = text
        self.articles = [{
            "article_id": ARTICLE, "title": text.splitlines()[0], "source": "seed 000",
            "url": None, "published": "2025-05", "date_precision": "month", "language": "fr",
            "notes": None, "text": text, "text_sha256": sha256(text), "n_chars": len(text),
            "raw_file": RAW,
        }]
        self.entities: list[dict] = []
        self.events: list[dict] = []
        self.event_arguments: list[dict] = []
        self.stances: list[dict] = []

    def provenance(self, region: str, annotation: int = ANNOTATION, layer: str = "gold") -> dict:
        return {"article_id": ARTICLE, "source_file": SOURCE, "task_id": 7,
                "annotation_id": annotation, "annotator": "annotator@example.org",
                "layer": layer, "region_id": region}

    def span(self, surface: str, occurrence: int = 1) -> dict:
        start, end = find(surface, occurrence, self.text)
        return {"start": start, "end": end, "text": surface, "export_text": surface}

    def entity(self, region: str, surface: str, kind: str, occurrence: int = 1,
               canonical_id: str | None = None, **extra) -> dict:
        row = {"mention_id": f"{ARTICLE}:{extra.get('annotation', ANNOTATION)}:{region}",
               **self.provenance(region, **extra), **self.span(surface, occurrence),
               "type": kind, "canonical_id": canonical_id}
        self.entities.append(row)
        return row

    def event(self, region: str, surface: str, kind: str, realis: str = "ACTUAL",
              occurrence: int = 1) -> dict:
        row = {"event_id": f"{ARTICLE}:{ANNOTATION}:{region}", **self.provenance(region),
               **self.span(surface, occurrence), "type": kind, "realis": realis}
        self.events.append(row)
        return row

    def argument(self, event: dict, role: str, mention: dict) -> dict:
        row = {"event_id": event["event_id"], **self.provenance(event["region_id"]),
               "role": role, "mention_id": mention["mention_id"],
               "target_region_id": mention["region_id"]}
        self.event_arguments.append(row)
        return row

    def stance(self, region: str, surface: str, holder: dict | None, target: str,
               polarity: str, attribution: str) -> dict:
        row = {"stance_id": f"{ARTICLE}:{ANNOTATION}:{region}", **self.provenance(region),
               **self.span(surface), "holder_id": holder["mention_id"] if holder else None,
               "target": target, "polarity": polarity, "attribution": attribution}
        self.stances.append(row)
        return row

    def tables(self) -> dict[str, pa.Table]:
        return {name: pa.Table.from_pylist(getattr(self, name), schema=schema)
                for name, schema in SCHEMAS.items()}


def seed_corpus() -> Corpus:
    """A clean annotation of the excerpt: entities, events with arguments, two stances."""
    c = Corpus()
    c.entity("ent-medinsky", "Vladimir Medinsky", "PER", canonical_id="vladimir-medinsky")
    c.entity("ent-negociateur", "négociateur en chef russe", "ROLE")
    c.entity("ent-prisonniers", "1000 prisonniers", "QUANTITY")
    c.entity("ent-otan", "OTAN", "ORG", canonical_id="otan")
    c.entity("ent-antalya", "Antalya", "GPE", canonical_id="antalya")
    c.entity("ent-secretaire", "secrétaire d'État américain", "ROLE")
    c.entity("ent-rubio", "Marco Rubio", "PER", canonical_id="marco-rubio")
    c.entity("ent-washington", "Washington", "GPE", canonical_id="etats-unis")
    c.entity("ent-trump", "Donald Trump", "PER", canonical_id="donald-trump")
    c.entity("ent-poutine", "Vladimir Poutine", "PER", canonical_id="vladimir-poutine")
    c.entity("ent-rubio-2", "Marco Rubio", "PER", occurrence=2, canonical_id="marco-rubio")
    c.event("evt-pourparlers", "pourparlers", "MEETING")
    c.event("evt-echange", "échange", "PRISONER_EXCHANGE", realis="PLANNED")
    c.event("evt-declare", "a déclaré", "STATEMENT")
    c.argument(c.events[1], "prisoners", c.entities[2])
    c.argument(c.events[2], "speaker", c.entities[6])
    c.argument(c.events[2], "location", c.entities[4])
    c.stance("stc-rubio", "la seule manière d'obtenir une percée est [une rencontre] entre "
             "Donald Trump et Vladimir Poutine", c.entities[10], "trump_putin_summit", "FAVOR",
             "DIRECT_QUOTE")
    c.stance("stc-washington", "Washington n'attendait pas grand-chose de l'issue de la réunion "
             "de vendredi", c.entities[7], "direct_talks", "NEUTRAL", "INDIRECT_SPEECH")
    return c
