"""References between tables: the entity lookup that joins on 64-bit hashes of the ids (a
speed-up) gives what the plain join on the id strings gives."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pourparlers.validate.references import EntityLookup, entity_lookup

IDS = st.one_of(st.none(), st.sampled_from(["m1", "m2", "m3", "", "m1 "]), st.text(max_size=3))


@settings(max_examples=100, deadline=None)
@given(st.lists(IDS, max_size=6, unique=True), st.lists(IDS, max_size=8))
def test_entity_lookup_join_on_hashes_is_the_string_join(entity_ids: list, references: list):
    """Unknown ids, nulls and near-misses get nulls, known ids their entity, as with strings."""
    entities = pl.DataFrame({"mention_id": entity_ids, "article_id": "a", "annotation_id": 1,
                             "type": [f"T{i}" for i in range(len(entity_ids))]},
                            schema={"mention_id": pl.String, "article_id": pl.String,
                                    "annotation_id": pl.Int64, "type": pl.String})
    frame = pl.LazyFrame({"holder_id": references, "row": range(len(references))},
                         schema={"holder_id": pl.String, "row": pl.Int64})
    lookup = entity_lookup(entities, duplicated=False)
    assert lookup.hashes_distinct
    on_strings = EntityLookup(lookup.table, hashes_distinct=False)
    expected = on_strings.join(frame, "holder_id", "_h").sort("row").collect()
    assert lookup.join(frame, "holder_id", "_h").sort("row").collect().equals(expected)
    assert expected.columns == ["holder_id", "row", "_h_article", "_h_annotation", "_h_type"]
