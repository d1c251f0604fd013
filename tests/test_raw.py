"""raw/ read into the articles table: ids, files and text hashes checked, in one process or in
forked workers with the same result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import REPO

from pourparlers import raw, workers
from pourparlers.hashing import sha256
from pourparlers.ingest import article_id_for
from pourparlers.raw import load_articles
from pourparlers.repo import Repo


def test_repository_raw_articles_load_without_problems():
    articles, problems = load_articles(Repo(REPO))
    assert problems == []
    assert articles.num_rows == 5
    for row in articles.to_pylist():
        raw = (REPO / row["raw_file"]).read_bytes()
        assert article_id_for(raw) == row["article_id"]
        assert sha256(row["text"]) == row["text_sha256"]
        assert len(row["text"]) == row["n_chars"]


def test_reading_raw_reports_its_progress(monkeypatch):
    monkeypatch.setattr("pourparlers.raw.PROGRESS_EVERY", 2)
    seen = []
    articles, problems = load_articles(Repo(REPO), lambda done, total: seen.append((done, total)))
    assert (articles.num_rows, problems) == (5, [])
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_texts_go_to_arrow_in_batches_with_the_same_table(monkeypatch):
    whole, _ = load_articles(Repo(REPO))
    monkeypatch.setattr("pourparlers.raw.TEXT_BATCH", 2)
    batched, _ = load_articles(Repo(REPO))
    assert batched["text"].num_chunks == 1
    assert batched.equals(whole)


def test_hash_drift_is_reported(repo_copy):
    path = repo_copy / "raw" / "pp-0a488f442605.txt"
    path.write_bytes(path.read_bytes().replace(b"Medinsky", b"Medinski"))
    articles, problems = load_articles(Repo(repo_copy))
    assert [(p.code, p.file, p.article_id) for p in problems] == [
        ("hash-drift", "raw/pp-0a488f442605.txt", "pp-0a488f442605")
    ]
    assert "pp-0a488f442605" not in articles["article_id"].to_pylist()


def test_metadata_with_a_path_like_id_is_reported(repo_copy):
    meta_path = repo_copy / "raw" / "pp-0a488f442605.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["article_id"] = "../../etc/passwd"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    _, problems = load_articles(Repo(repo_copy))
    assert [(p.code, p.file) for p in problems] == [("article-id-invalid", "raw/pp-0a488f442605.json")]


def test_duplicate_article_id_in_metadata_is_reported(repo_copy):
    original = repo_copy / "raw" / "pp-0a488f442605.json"
    (repo_copy / "raw" / "pp-ffffffffffff.json").write_bytes(original.read_bytes())
    _, problems = load_articles(Repo(repo_copy))
    assert [(p.code, p.file) for p in problems] == [("file-name-mismatch", "raw/pp-ffffffffffff.json")]


def test_truncated_metadata_is_reported(repo_copy):
    meta_path = repo_copy / "raw" / "pp-0a488f442605.json"
    meta_path.write_bytes(meta_path.read_bytes()[:40])
    _, problems = load_articles(Repo(repo_copy))
    assert [(p.code, p.file) for p in problems] == [("metadata-invalid", "raw/pp-0a488f442605.json")]


def _damage_raw(root: Path) -> None:
    """Problems of every kind load_articles reports, spread over the folder."""
    raw = root / "raw"
    first, second, third, fourth, _ = sorted(raw.glob("*.json"))
    text = first.with_suffix(".txt")
    text.write_bytes(text.read_bytes().replace(b"e", b"E", 1))                     # hash-drift
    second.write_text("{not json", encoding="utf-8")                              # metadata-invalid
    third.with_suffix(".txt").unlink()                                            # raw-missing
    meta = json.loads(fourth.read_text(encoding="utf-8"))
    fourth.rename(raw / "pp-000000000000.json")        # file-name-mismatch, and its text is alone
    (raw / "pp-111111111111.txt").write_text("une dépêche sans métadonnées", encoding="utf-8")
    assert meta["article_id"] == fourth.stem


@pytest.mark.parametrize("damaged", [False, True])
def test_workers_read_raw_as_one_process_does(repo_copy, damaged, monkeypatch):
    if damaged:
        _damage_raw(repo_copy)
    one, one_problems = load_articles(Repo(repo_copy))
    seen = []
    monkeypatch.setattr(raw, "READ_RUNS", workers.Runs(parallel_from=1, size=2, workers=2))
    many, many_problems = load_articles(Repo(repo_copy), lambda done, total: seen.append((done, total)))
    assert many.equals(one)
    assert many["text"].num_chunks == 1
    assert many_problems == one_problems
    assert sorted(p.code for p in one_problems) == (sorted([
        "hash-drift", "metadata-invalid", "raw-missing", "file-name-mismatch",
        "raw-without-metadata", "raw-without-metadata"]) if damaged else [])
    assert one.num_rows == (1 if damaged else 5)
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]   # one report per run of 2 files


def test_small_folders_are_read_in_one_process(monkeypatch):
    def no_workers(*args, **kwargs):
        raise AssertionError("a worker process was started")
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", no_workers)
    articles, problems = load_articles(Repo(REPO))
    assert (articles.num_rows, problems) == (5, [])
