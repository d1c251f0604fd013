"""Every export format of the repository's own release, read back by the tool its users read it
with: spaCy (the CoNLL converter and `DocBin`), pybrat (brat standoff), `datasets` against
BigBIO's own KB schema, pandas (the PLOVER rows), networkx (the GraphML network)."""

from __future__ import annotations

import csv
import importlib.util
import json
from collections import Counter
from pathlib import Path

import datasets
import pandas as pd
import pytest
from helpers import FIXTURES, copy_repository, snapshot, taxonomy

from pourparlers.build import build
from pourparlers.build.features import decoded
from pourparlers.cli import main
from pourparlers.export import MARKER, export
from pourparlers.repo import Repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return copy_repository(tmp_path_factory.mktemp("exports") / "repo", annotations=True)


@pytest.fixture(scope="module")
def release(repo) -> Path:
    return build(Repo(repo), "0.1.0", repo / "dist" / "0.1.0").path


@pytest.fixture(scope="module")
def documents(release) -> dict[str, list[dict]]:
    loaded = datasets.load_dataset(str(release), "documents")
    return {split: [decoded(part.features, row) for row in part] for split, part in loaded.items()}


def exported(repo: Path, release: Path, fmt: str, tmp: Path) -> Path:
    out = tmp / fmt
    result = export(fmt, out, Repo(repo), release=release)
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["written"] == result.written
    return out


def test_conll_is_read_by_spacy_s_converter_article_by_article(repo, release, documents, tmp_path):
    from spacy.training.converters import conll_ner_to_docs

    out = exported(repo, release, "conll", tmp_path)
    sentences = datasets.load_dataset(str(release), "ner_sentences")
    for split, articles in documents.items():
        docs = list(conll_ner_to_docs((out / f"{split}.conll").read_text(encoding="utf-8"), n_sents=0, no_print=True))
        assert len(docs) == len(articles)
        rows = [decoded(sentences[split].features, row) for row in sentences[split]]
        for doc, article in zip(docs, articles, strict=True):
            own = [row for row in rows if row["article_id"] == article["id"]]
            assert [t.text for t in doc] == [t for row in own for t in row["tokens"]]
            assert sum(1 for _ in doc.sents) == len(own)
            tokens = [(s, e) for row in own for s, e in zip(row["token_starts"], row["token_ends"], strict=True)]
            entities = {(tokens[span.start][0], tokens[span.end - 1][1], span.label_) for span in doc.ents}
            mentions = {(m["start"], m["end"], m["type"]) for m in article["entities"]}
            assert entities <= mentions      # every entity read back is a gold mention, whole
    summary = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert summary["written"]["mentions"] + summary["lost"]["nested or overlapping mentions"] == 268


def test_docbin_loads_in_spacy_with_the_release_s_spans(repo, release, documents, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    out = exported(repo, release, "spacy", tmp_path)
    vocab = spacy.blank("fr").vocab
    for split, articles in documents.items():
        docs = [doc for path in sorted((out / split).glob("*.spacy"))
                for doc in DocBin().from_disk(path).get_docs(vocab)]
        assert [doc.user_data["article_id"] for doc in docs] == [a["id"] for a in articles]
        for doc, article in zip(docs, articles, strict=True):
            assert doc.text == article["text"]
            assert [(s.start_char, s.end_char, s.label_, s.kb_id_ or None, s.id_) for s in doc.spans["mentions"]] == [
                (m["start"], m["end"], m["type"], m["canonical_id"], m["id"]) for m in article["entities"]]
            assert [(s.start_char, s.end_char, s.label_, s.id_) for s in doc.spans["events"]] == [
                (e["trigger"]["start"], e["trigger"]["end"], e["type"], e["id"]) for e in article["events"]]
            assert [s.label_ for s in doc.spans["event_realis"]] == [e["realis"] for e in article["events"]]
            assert [(s.label_, s.kb_id_ or None, s.id_) for s in doc.spans["event_arguments"]] == [
                (a["role"], a["canonical_id"], e["id"]) for e in article["events"] for a in e["arguments"]]
            assert [(s.start_char, s.end_char, s.label_, s.kb_id_ or None) for s in doc.spans["stances"]] == [
                (t["evidence"]["start"], t["evidence"]["end"], t["target"], t["holder_canonical_id"])
                for t in article["stances"]]
            assert [s.label_ for s in doc.spans["stance_polarity"]] == [t["polarity"] for t in article["stances"]]
            assert [s.label_ for s in doc.spans["stance_attribution"]] == [t["attribution"] for t in article["stances"]]
            holders = {m["id"]: m for m in article["entities"]}
            assert [(s.start_char, s.end_char, s.id_) for s in doc.spans["stance_holders"]] == [
                (holders[t["holder_id"]]["start"], holders[t["holder_id"]]["end"], t["id"])
                for t in article["stances"] if t["holder_id"]]
            # doc.ents: the outermost mentions; every mention left out overlaps a longer-or-equal one kept
            ents = [(e.start_char, e.end_char) for e in doc.ents]
            spans = {(m["start"], m["end"]) for m in article["entities"]}
            assert set(ents) <= spans
            for start, end in spans - set(ents):
                assert any(a < end and start < b and b - a >= end - start for a, b in ents), (start, end)


def test_brat_standoff_offsets_give_the_text_and_pybrat_parses_every_file(repo, release, documents, tmp_path):
    from pybrat.parser import BratParser

    out = exported(repo, release, "brat", tmp_path)
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    tax = taxonomy()
    assert all(f"\n{name}\n" in conf for name in tax.entity_types)
    assert all(f"\n{event}\t" in conf for event in tax.event_types)
    for split, articles in documents.items():
        for article in articles:
            text = (out / split / f"{article['id']}.txt").read_text(encoding="utf-8")
            assert text == article["text"]
            lines = (out / split / f"{article['id']}.ann").read_text(encoding="utf-8").splitlines()
            for line in lines:
                if line.startswith("T"):
                    _, kind_where, shown = line.split("\t")
                    fragments = [tuple(map(int, part.split())) for part in kind_where.split(" ", 1)[1].split(";")]
                    assert " ".join(text[a:b] for a, b in fragments) == shown, line
            kinds = Counter(line[0] for line in lines)
            assert kinds["T"] == len(article["entities"]) + len(article["events"]) + len(article["stances"])
            assert kinds["E"] == len(article["events"])
            assert kinds["A"] == len(article["events"]) + 3 * len(article["stances"])
            assert kinds["R"] == sum(1 for s in article["stances"] if s["holder_id"])
            assert kinds["#"] == sum(1 for m in article["entities"] if m["canonical_id"])
        # pybrat refuses two text-bound annotations on one span (brat allows an entity and a trigger
        # there), so that check is relaxed; every count is compared instead.
        parsed = {example.id: example for example in BratParser(error="ignore").parse(out / split)}
        assert set(parsed) == {a["id"] for a in articles}
        for article in articles:
            example = parsed[article["id"]]
            assert example.text == article["text"]
            assert len(example.entities) == len(article["entities"]) + len(article["events"]) + len(article["stances"])
            assert all(example.text[e.start:e.end] == e.mention for e in example.entities if len(e.spans) == 1)
            assert [(e.type, e.trigger.start, e.trigger.end, len(e.arguments)) for e in example.events] == [
                (v["type"], v["trigger"]["start"], v["trigger"]["end"], len(v["arguments"])) for v in article["events"]]
            mentions = {m["id"]: m for m in article["entities"]}
            assert sorted((r.arg1.start, r.arg2.start, r.arg2.end) for r in example.relations) == sorted(
                (s["evidence"]["start"], mentions[s["holder_id"]]["start"], mentions[s["holder_id"]]["end"])
                for s in article["stances"] if s["holder_id"])


def _bigbio_kb_features():
    """BigBIO's own KB schema (tests/fixtures/bigbio/kb.py, vendored: see its README)."""
    spec = importlib.util.spec_from_file_location("bigbio_kb", FIXTURES / "bigbio" / "kb.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.features


def test_bigbio_kb_loads_with_load_dataset_and_has_bigbio_s_own_features(repo, release, documents, tmp_path):
    out = exported(repo, release, "bigbio", tmp_path)
    loaded = datasets.load_dataset(str(out), "pourparlers_bigbio_kb")
    assert set(loaded) == set(documents)
    for split, articles in documents.items():
        assert loaded[split].features == _bigbio_kb_features()
        records = {row["id"]: row for row in loaded[split]}
        for article in articles:
            record = records[article["id"]]
            text = " ".join(t for passage in record["passages"] for t in passage["text"])
            assert text == article["text"]
            for entity in record["entities"]:
                (start, end), = entity["offsets"]
                assert text[start:end] == entity["text"][0]
            mentions = [e for e in record["entities"] if e["type"] != taxonomy().controls["stance_label"]]
            assert [(e["id"], e["type"], [n["db_id"] for n in e["normalized"]]) for e in mentions] == [
                (m["id"], m["type"], [m["canonical_id"]] if m["canonical_id"] else []) for m in article["entities"]]
            assert [[(a["role"], a["ref_id"]) for a in e["arguments"]] for e in record["events"]] == [
                [(a["role"], a["entity_id"]) for a in e["arguments"]] for e in article["events"]]
            ids = {e["id"] for e in record["entities"]}
            assert all(r["arg1_id"] in ids and r["arg2_id"] in ids for r in record["relations"])
            linked = Counter(m["canonical_id"] for m in article["entities"] if m["canonical_id"])
            chains = sorted(len(c["entity_ids"]) for c in record["coreferences"])
            assert chains == sorted(n for n in linked.values() if n > 1)


def test_plover_rows_read_with_pandas_carry_the_taxonomy_s_codes(repo, release, documents, tmp_path):
    out = exported(repo, release, "plover", tmp_path)
    rows = pd.read_csv(out / "events.tsv", sep="\t", dtype=str, keep_default_na=False)
    events = [e for articles in documents.values() for a in articles for e in a["events"]]
    assert list(rows["event_id"]) == [e["id"] for e in events]
    tax = taxonomy()
    types = {item.name: item for item in tax.spec.event_types}
    assert list(rows["cameo_code"]) == [types[e["type"]].cameo for e in events]
    assert list(rows["event_type"]) == [types[e["type"]].plover for e in events]
    assert list(rows["event_mode"]) == [tax.plover_mode_of[e["realis"]] or "" for e in events]
    slot = tax.plover_slot_of
    assert list(rows["actor_id"]) == [";".join(a["canonical_id"] for a in e["arguments"]
                                               if slot.get(a["role"]) == "actor" and a["canonical_id"]) for e in events]
    assert list(rows["recipient_name_raw"]) == [";".join(a["text"] for a in e["arguments"]
                                                         if slot.get(a["role"]) == "recipient") for e in events]
    putin = rows[rows["actor_id"].str.split(";").apply(lambda ids: "vladimir-poutine" in ids)]
    assert len(putin) >= 1 and set(putin["actor_name"].str.split(";").sum()) >= {"Vladimir Poutine"}
    assert (rows["event_type"] == "").sum() == sum(1 for e in events if not types[e["type"]].plover)


def test_stance_network_graphml_is_read_by_networkx_with_the_csv_s_edges(repo, release, tmp_path):
    import networkx

    out = exported(repo, release, "stances", tmp_path)
    with open(out / "edges.csv", encoding="utf-8", newline="") as stream:
        edges = list(csv.DictReader(stream))
    graph = networkx.read_graphml(out / "network.graphml", force_multigraph=True)
    assert isinstance(graph, networkx.MultiDiGraph)
    read = sorted((u, v, d["polarity"], d["stances"], d["stance_ids"]) for u, v, d in graph.edges(data=True))
    assert read == sorted((f"actor:{e['holder']}", f"target:{e['target']}", e["polarity"], int(e["stances"]),
                           e["stance_ids"]) for e in edges)
    stances = [decoded(part.features, row) for part in datasets.load_dataset(str(release), "stances").values()
               for row in part]
    linked = [s for s in stances if s["holder_canonical_id"]]
    assert sum(int(e["stances"]) for e in edges) == len(linked)
    assert graph.nodes["actor:vladimir-poutine"]["name"] == "Vladimir Poutine"
    assert Counter((f"actor:{s['holder_canonical_id']}", f"target:{s['target']}", s["polarity"]) for s in linked) == {
        (u, v, d["polarity"]): d["stances"] for u, v, d in graph.edges(data=True)}


def test_export_from_the_repository_equals_the_export_of_its_release(repo, release, tmp_path):
    from_release = exported(repo, release, "brat", tmp_path)
    assert main(["--root", str(repo), "export", "brat", "--out", str(tmp_path / "again")]) == 0
    assert snapshot(tmp_path / "again") == snapshot(from_release)


def test_an_export_never_replaces_a_folder_it_did_not_make(repo, release, tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["--root", str(repo), "export", "conll", "--out", str(foreign), "--release", str(release)]) == 1
    assert "Error [folder-not-ours]: " in capsys.readouterr().err
    assert snapshot(foreign) == {"notes.txt": b"mine"}
    assert main(["--root", str(repo), "export", "conll", "--out", str(tmp_path / "c"), "--release", str(release)]) == 0
    assert main(["--root", str(repo), "export", "conll", "--out", str(tmp_path / "c"), "--release", str(release)]) == 0


def test_a_text_free_release_is_refused_with_the_command_that_restores_it(repo, tmp_path, capsys):
    bare = tmp_path / "bare"
    assert main(["--root", str(repo), "build", "--no-text", "--out", str(bare)]) == 0
    capsys.readouterr()
    assert main(["--root", str(repo), "export", "brat", "--out", str(tmp_path / "b"), "--release", str(bare)]) == 1
    err = capsys.readouterr().err
    assert "Error [export-refused]: " in err and "text-free" in err and "pourparlers rehydrate" in err
    assert not (tmp_path / "b").exists()
