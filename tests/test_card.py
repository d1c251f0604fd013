"""The card's generated sections: label tables from the taxonomy, the list of sources."""

from __future__ import annotations

import pytest
from helpers import taxonomy as repo_taxonomy

from pourparlers import card


@pytest.fixture(scope="module")
def taxonomy():
    return repo_taxonomy()


def test_label_tables_come_from_the_taxonomy(taxonomy):
    tables = card.label_tables_markdown(taxonomy)
    for item in taxonomy.spec.entity_types:
        assert f"| {item.name} | {item.coarse} | " in tables
    assert "| MEETING | CONSULT | 040 |" in tables
    assert "participant: PER, ORG, GPE, NORP; host: PER, ORG, GPE, NORP" in tables
    for name in (*taxonomy.realis, *taxonomy.stance_targets, *taxonomy.polarities,
                 *taxonomy.attributions):
        assert f"| {name} | " in tables


def test_card_lists_articles_up_to_a_limit_then_counts_them_per_outlet():
    sources = [{"article_id": f"pp-{i:012x}", "title": f"Article {i}", "source": "RFI" if i % 3 == 0 else "Le Monde",
                "published": f"2025-05-{1 + i % 28:02d}", "url": f"https://example.org/{i}", "notes": ""}
               for i in range(card.SOURCES_LISTED + 1)]
    listed = card._sources_markdown(sources[:card.SOURCES_LISTED])
    assert listed.count("\n| pp-") == card.SOURCES_LISTED
    counted = card._sources_markdown(sources)
    assert "pp-" not in counted
    assert "| Le Monde | 134 | 2025-05-01 | 2025-05-28 |" in counted
    assert "| RFI | 67 | 2025-05-01 | 2025-05-28 |" in counted
    assert f"The {card.SOURCES_LISTED + 1} articles" in counted
