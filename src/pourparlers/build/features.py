"""The features of every release config, generated from the taxonomy: every label column is a
`ClassLabel` named from it, so `datasets` loads labels by name and nothing is spelled by hand.
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from pourparlers.tables import DATE_PRECISIONS, LAYERS
from pourparlers.taxonomy import Taxonomy

SPLITS = ("train", "validation", "test")
CONFIGS = ("documents", "articles", "entities", "events", "stances", "ner", "ner_sentences", "actors",
           "annotations")
DEFAULT_CONFIG = "documents"


def _label(names) -> ClassLabel:
    return ClassLabel(names=list(names))


def _span() -> dict:
    return {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}


def article_fields() -> dict:
    return {
        "id": Value("string"),
        "title": Value("string"),
        "source": Value("string"),
        "url": Value("string"),
        "published": Value("string"),
        "date_precision": _label(DATE_PRECISIONS),
        "language": Value("string"),
        "text": Value("string"),
        "text_sha256": Value("string"),
        "n_chars": Value("int32"),
    }


def _entity_fields(taxonomy: Taxonomy) -> dict:
    return {
        "start": Value("int32"),
        "end": Value("int32"),
        "text": Value("string"),
        "type": _label(taxonomy.entity_types),
        "coarse_type": _label(("O", *taxonomy.coarse_types)),
        "canonical_id": Value("string"),
    }


def _event_fields(taxonomy: Taxonomy) -> dict:
    return {
        "type": _label(taxonomy.event_types),
        "realis": _label(taxonomy.realis),
        "trigger": _span(),
        "arguments": [{
            "role": _label(taxonomy.roles),
            "entity_id": Value("string"),
            "text": Value("string"),
            "canonical_id": Value("string"),
        }],
    }


def _stance_fields(taxonomy: Taxonomy) -> dict:
    return {
        "holder_id": Value("string"),
        "holder_text": Value("string"),
        "holder_canonical_id": Value("string"),
        "target": _label(taxonomy.stance_targets),
        "polarity": _label(taxonomy.polarities),
        "attribution": _label(taxonomy.attributions),
        "evidence": _span(),
    }


def release_features(taxonomy: Taxonomy) -> dict[str, Features]:
    """Features of every config; every label column is a `ClassLabel` named from the taxonomy."""
    def in_article(fields: dict) -> dict:
        return {"id": Value("string"), "article_id": Value("string"), **fields}

    return {
        "documents": Features({
            **article_fields(),
            "entities": [{"id": Value("string"), **_entity_fields(taxonomy)}],
            "events": [{"id": Value("string"), **_event_fields(taxonomy)}],
            "stances": [{"id": Value("string"), **_stance_fields(taxonomy)}],
        }),
        "articles": Features(article_fields()),
        "entities": Features(in_article(_entity_fields(taxonomy))),
        "events": Features(in_article(_event_fields(taxonomy))),
        "stances": Features(in_article(_stance_fields(taxonomy))),
        "ner": Features(in_article(_token_fields(taxonomy))),
        "ner_sentences": Features(in_article({
            "sentence": Value("int32"),
            "start": Value("int32"),
            "end": Value("int32"),
            "text": Value("string"),
            **_token_fields(taxonomy),
        })),
        "actors": Features({
            "canonical_id": Value("string"),
            "name": Value("string"),
            "type": _label(taxonomy.entity_types),
            "mentions": Value("int32"),
            "external_ids": [{"source": Value("string"), "id": Value("string")}],
        }),
        "annotations": Features({
            "id": Value("string"),
            "article_id": Value("string"),
            "layer": _label(LAYERS),
            "annotator": Value("string"),
            "entities": [{"id": Value("string"), **_entity_fields(taxonomy)}],
            "events": [{"id": Value("string"), **_event_fields(taxonomy)}],
            "stances": [{"id": Value("string"), **_stance_fields(taxonomy)}],
        }),
    }


def _token_fields(taxonomy: Taxonomy) -> dict:
    return {
        "tokens": [Value("string")],
        "token_starts": [Value("int32")],
        "token_ends": [Value("int32")],
        "ner_tags": [_label(taxonomy.ner_tags)],
    }



def with_string_labels(feature):
    """`feature` with every ClassLabel replaced by a string Value (the labels as convert gives them)."""
    if isinstance(feature, ClassLabel):
        return Value("string")
    if isinstance(feature, Features):
        return Features({name: with_string_labels(f) for name, f in feature.items()})
    if isinstance(feature, dict):
        return {name: with_string_labels(f) for name, f in feature.items()}
    if isinstance(feature, List):
        return List(with_string_labels(feature.feature))
    return feature


def has_label(feature) -> bool:
    if isinstance(feature, ClassLabel):
        return True
    if isinstance(feature, dict):
        return any(has_label(f) for f in feature.values())
    return isinstance(feature, List) and has_label(feature.feature)


def decoded(feature, value, shorten=None):
    """`value` (as `Dataset.to_list` or `pq.read_table(...).to_pylist()` gives it) with every
    ClassLabel id replaced by its name; `shorten(value)` is applied to strings and lists after
    their items are decoded (the card shortens long ones)."""
    if value is None:
        return None
    if isinstance(feature, ClassLabel):
        return feature.int2str(value)
    if isinstance(feature, dict):
        value = {name: decoded(feature[name], value.get(name), shorten) for name in feature}
    elif isinstance(feature, List):
        value = [decoded(feature.feature, item, shorten) for item in value]
    return value if shorten is None else shorten(value)
