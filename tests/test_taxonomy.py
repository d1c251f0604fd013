"""The taxonomy: parsed from schema/taxonomy.yaml, with the counts DESIGN.md promises."""

from __future__ import annotations

import copy

import pytest

from pourparlers.taxonomy import load_taxonomy, parse_taxonomy


def test_taxonomy_v1_has_the_designed_inventory():
    taxonomy = load_taxonomy()
    assert len(taxonomy.entity_types) == 11
    assert len(taxonomy.event_types) == 13
    assert taxonomy.realis == ("ACTUAL", "PLANNED", "HYPOTHETICAL", "NEGATED", "GENERIC")
    assert taxonomy.polarities == ("FAVOR", "AGAINST", "CONDITIONAL", "NEUTRAL")
    assert taxonomy.attributions == ("DIRECT_QUOTE", "INDIRECT_SPEECH", "THIRD_PARTY", "AUTHORIAL")
    assert set(taxonomy.coarse_of.values()) <= {"PER", "ORG", "LOC", "MISC", "O"}
    assert taxonomy.roles_of["MEETING"]["participant"] == ("PER", "ORG", "GPE", "NORP")
    assert taxonomy.ner_tags[:3] == ("O", "B-PER", "I-PER")


def test_every_label_has_french_and_english_definitions():
    raw = load_taxonomy().raw
    items = [*raw["entity_types"], *raw["event_types"], *raw["realis"], *raw["stance"]["targets"],
             *raw["stance"]["polarities"], *raw["stance"]["attributions"]]
    missing = [item["name"] for item in items if not item.get("fr") or not item.get("en")]
    assert missing == []


def test_a_role_filled_by_an_unknown_entity_type_is_refused():
    raw = copy.deepcopy(load_taxonomy().raw)
    raw["event_types"][0]["roles"]["participant"] = ["PER", "PERSON"]
    with pytest.raises(ValueError, match="MEETING role participant: unknown types {'PERSON'}"):
        parse_taxonomy(raw)
