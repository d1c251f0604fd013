"""The release read as its users read it: actor-level rows (one filter for all stances of an actor),
the actors and sentence-level NER configs, every annotation layer, the label table decoded by one
DuckDB join, croissant.json validated and read by mlcroissant, and the splits read with pandas,
polars and DuckDB as the card says."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import datasets
import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from helpers import copy_repository, taxonomy

from pourparlers.build import build
from pourparlers.build.features import decoded
from pourparlers.build.ner import token_frame
from pourparlers.build.sentences import MAX_TOKENS, sentence_frame, sentence_starts
from pourparlers.corpus import load_corpus
from pourparlers.repo import Repo


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = copy_repository(tmp_path_factory.mktemp("release") / "repo", annotations=True)
    out = root / "dist" / "0.1.0"
    build(Repo(root), "0.1.0", out)
    return out


def rows(release: Path, config: str) -> list[dict]:
    """Every row of a config, all splits, labels by name (as `datasets` decodes them)."""
    loaded = datasets.load_dataset(str(release), config)
    return [decoded(split.features, row) for split in loaded.values() for row in split]


def test_all_stances_of_one_actor_are_one_filter(release):
    stances = rows(release, "stances")
    mentions = {row["id"]: row for row in rows(release, "entities")}
    joined = [row for row in stances
              if row["holder_id"] and mentions[row["holder_id"]]["canonical_id"] == "vladimir-poutine"]
    filtered = [row for row in stances if row["holder_canonical_id"] == "vladimir-poutine"]
    assert filtered == joined and len(filtered) >= 1
    by_actor = Counter(row["holder_canonical_id"] for row in stances)
    assert by_actor[None] == sum(1 for row in stances if not row["holder_id"]
                                 or mentions[row["holder_id"]]["canonical_id"] is None)


def test_event_arguments_carry_their_filler_s_canonical_id(release):
    mentions = {row["id"]: row for row in rows(release, "entities")}
    arguments = [argument for event in rows(release, "events") for argument in event["arguments"]]
    assert [a["canonical_id"] for a in arguments] == [mentions[a["entity_id"]]["canonical_id"] for a in arguments]
    assert sum(a["canonical_id"] is not None for a in arguments) > 50


def test_actors_config_is_the_declared_table_with_gold_mention_counts(release):
    actors = rows(release, "actors")
    declared = taxonomy().actors.rows()
    assert [(a["canonical_id"], a["name"], a["type"]) for a in actors] == [
        (d["canonical_id"], d["name"], d["type"]) for d in declared]
    counted = Counter(row["canonical_id"] for row in rows(release, "entities") if row["canonical_id"])
    assert {a["canonical_id"]: a["mentions"] for a in actors if a["mentions"]} == dict(counted)
    assert sum(counted.values()) == 174 and len(counted) == 50
    assert all(a["external_ids"] == [] for a in actors)


def test_annotations_config_holds_every_layer_with_its_annotator(release):
    annotations = rows(release, "annotations")
    tables = load_corpus(Repo(release.parents[1])).tables
    assert Counter((a["article_id"], a["layer"], a["annotator"]) for a in annotations) == Counter(
        {(row["article_id"], row["layer"], row["annotator"]): 1 for row in tables["entities"].to_pylist()})
    for layer in ("gold", "alternate"):
        assert sum(len(a["entities"]) for a in annotations if a["layer"] == layer) == sum(
            row["layer"] == layer for row in tables["entities"].to_pylist())
    gold = {a["article_id"]: a for a in annotations if a["layer"] == "gold"}
    documents = {row["id"]: row for row in rows(release, "documents")}
    assert {k: (v["entities"], v["events"], v["stances"]) for k, v in gold.items()} == {
        k: (v["entities"], v["events"], v["stances"]) for k, v in documents.items()}


def test_ner_sentences_tile_the_articles_tokens_within_the_window(release):
    sentences = rows(release, "ner_sentences")
    texts = {row["id"]: row["text"] for row in rows(release, "articles")}
    ner = {row["id"]: row for row in rows(release, "ner")}
    for article, whole in ner.items():
        own = [row for row in sentences if row["article_id"] == article]
        assert [row["sentence"] for row in own] == list(range(len(own)))
        assert [t for row in own for t in row["tokens"]] == whole["tokens"]
        assert [t for row in own for t in row["ner_tags"]] == whole["ner_tags"]
    for row in sentences:
        assert texts[row["article_id"]][row["start"]:row["end"]] == row["text"]
        assert len(row["tokens"]) <= MAX_TOKENS
        assert not row["ner_tags"][0].startswith("I-"), row["id"]   # no mention cut by a boundary
    assert len(sentences) == 88


def test_a_mention_over_a_sentence_boundary_joins_the_two_sentences():
    text = "Il a vu Poutine. Le président Zelensky\nIgnat rentre. Fin."
    assert [text[s:s + 5] for s in sentence_starts(text, "fr")] == ["Il a ", "Le pr", "Ignat", "Fin."]
    tokens = token_frame(pl.Series([text]).to_arrow())
    crossing = (text.index("Zelensky"), text.index("rentre"))   # "Zelensky\nIgnat": over a line break
    frame, _, stats = sentence_frame([text], ["fr"], tokens, np.array([0]), np.array([crossing[0]]),
                                     np.array([crossing[1]]))
    assert (stats.sentences, stats.merged) == (3, 1)
    starts = tokens["start"].to_numpy()[frame["first"].to_numpy()]
    assert [text[s:s + 5] for s in starts] == ["Il a ", "Le pr", "Fin."]


def test_a_sentence_over_the_window_is_cut_outside_mentions():
    words = " ".join(f"mot{i}" for i in range(2 * MAX_TOKENS + 10)) + "."
    tokens = token_frame(pl.Series([words]).to_arrow())
    inside = (words.index(f"mot{MAX_TOKENS - 3}"), words.index(f"mot{MAX_TOKENS + 3}") + 3)
    frame, _, stats = sentence_frame([words], ["fr"], tokens, np.array([0]), np.array([inside[0]]),
                                     np.array([inside[1]]))
    sizes = (frame["last"] - frame["first"]).to_list()
    assert stats.cut == len(sizes) - 1 == 2 and max(sizes) <= MAX_TOKENS and stats.over_length == 0
    first_cut = frame["first"].to_list()[1]
    assert first_cut == MAX_TOKENS - 3        # before the mention, which stays whole
    assert sum(sizes) == tokens.height


def test_every_label_decodes_with_one_duckdb_join_on_the_label_table(release):
    db = duckdb.connect()
    labels = str(release / "labels.parquet")
    for config, column in (("entities", "type"), ("entities", "coarse_type"), ("events", "type"),
                           ("events", "realis"), ("stances", "target"), ("stances", "polarity"),
                           ("stances", "attribution"), ("actors", "type"), ("articles", "date_precision")):
        key = "canonical_id" if config == "actors" else "id"
        found = db.execute(f"SELECT t.{key}, l.name FROM '{release}/{config}/*.parquet' t JOIN '{labels}' l "
                           f"ON l.config = ? AND l.column = ? AND l.id = t.{column}", [config, column]).fetchall()
        expected = {row[key]: row[column] for _, part in _splits(release, config) for row in part}
        assert dict(found) == expected and len(found) == len(expected), (config, column)
    roles = db.execute(
        f"SELECT l.name, count(*) FROM (SELECT unnest(arguments) AS a FROM '{release}/events/*.parquet') "
        f"JOIN '{labels}' l ON l.config = 'events' AND l.column = 'arguments.role' AND l.id = a.role "
        "GROUP BY l.name").fetchall()
    assert dict(roles) == Counter(a["role"] for e in rows(release, "events") for a in e["arguments"])
    codes = dict(db.execute(f"SELECT name, cameo FROM '{labels}' "
                            "WHERE config = 'events' AND \"column\" = 'type'").fetchall())
    assert codes == {item.name: item.cameo for item in taxonomy().spec.event_types}


def _splits(release: Path, config: str):
    loaded = datasets.load_dataset(str(release), config)
    return [(name, [decoded(split.features, row) for row in split]) for name, split in loaded.items()]


def test_splits_read_with_pandas_polars_and_duckdb_as_the_card_says(release):
    card = (release / "README.md").read_text(encoding="utf-8")
    assert 'pd.read_parquet("entities/train-00000-of-00001.parquet")' in card
    train = pd.read_parquet(release / "entities" / "train-00000-of-00001.parquet")
    both = pl.read_parquet(release / "entities" / "*.parquet", include_file_paths="file")
    split = both["file"].str.extract(r"(train|validation|test)-[^/]*\.parquet$")
    assert split.value_counts().sort("file")["count"].to_list() == [37, 231]   # test, train
    assert len(train) == 231
    counted = duckdb.sql(f"SELECT regexp_extract(filename, '(train|validation|test)-[^/]*\\.parquet$', 1) AS split, "
                         "count(*) "
                         f"FROM read_parquet('{release}/entities/*.parquet', filename = true) GROUP BY split "
                         "ORDER BY split").fetchall()
    assert counted == [("test", 37), ("train", 231)]


def test_croissant_metadata_is_valid_and_mlcroissant_reads_the_records(release):
    mlcroissant = pytest.importorskip("mlcroissant")
    dataset = mlcroissant.Dataset(jsonld=release / "croissant.json")
    issues = dataset.metadata.ctx.issues
    # a build has no date (`release` dates the CHANGELOG): the one recommendation left unmet
    assert (issues.errors, issues.warnings) == (set(), {
        '[Metadata(pourparlers)] Property "https://schema.org/datePublished" is recommended, but does not exist.'})
    document = json.loads((release / "croissant.json").read_text(encoding="utf-8"))
    files = [item["@id"] for item in document["distribution"] if item["@type"] == "cr:FileObject"]
    assert len(files) == len(set(files))         # each file once, labels.parquet included
    assert sorted(files) == sorted(p.relative_to(release).as_posix() for p in release.rglob("*.parquet"))
    records = list(dataset.records("entities"))
    parquet = [row for _, part in _splits(release, "entities") for row in part]
    assert len(records) == len(parquet) == 268
    assert Counter(r["entities/split"].decode() for r in records) == {"train": 231, "test": 37}
    assert sorted(r["entities/id"].decode() for r in records) == sorted(row["id"] for row in parquet)
    events = list(dataset.records("events"))
    assert sum(len(r["events/arguments"]) for r in events) == sum(
        len(row["arguments"]) for _, part in _splits(release, "events") for row in part)
    from pourparlers.hashing import sha256_file
    metadata = dataset.metadata.to_json()
    files = [item for item in metadata["distribution"] if item["@type"] == "cr:FileObject"]
    assert {item["contentUrl"] for item in files} == {p.relative_to(release).as_posix()
                                                       for p in release.rglob("*.parquet")}
    assert all(item["sha256"] == sha256_file(release / item["contentUrl"]) for item in files)
