"""Ingest: raw files copied verbatim, metadata recorded, stable ids, duplicates refused."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from conftest import REPO, snapshot

from pourparlers.errors import IngestError
from pourparlers.ingest import (
    article_id_for,
    article_text,
    check_article_id,
    ingest,
    load_articles,
    sha256,
)

RAW = REPO / "raw"
SEED_000 = RAW / "pp-0a488f442605.txt"  # received as 000_7063880fff2bbc6a.txt


def empty_root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "raw").mkdir(parents=True)
    return root


def test_header_line_becomes_metadata_and_is_removed_from_text():
    parsed = article_text(SEED_000.read_bytes())
    assert parsed.header_date == "2025-05"
    assert parsed.text.startswith("Les premiers pourparlers russo-ukrainiens")
    assert SEED_000.read_bytes().decode("utf-8") == " date 2025-05 " + parsed.text


def test_text_is_normalized_before_annotation_never_after():
    raw = "\ufeffZelensky a parlé.\r\nPuis Poutine\ra répondu".encode()
    nfd = unicodedata.normalize("NFD", "é").encode()
    assert article_text(raw).text == "Zelensky a parlé.\nPuis Poutine\na répondu"
    assert article_text(nfd).text == "é"


def test_ingest_copies_verbatim_with_metadata(tmp_path):
    root = empty_root(tmp_path)
    source = tmp_path / "000_7063880fff2bbc6a.txt"
    source.write_bytes(SEED_000.read_bytes())
    [meta] = ingest([source], root, notes="test")
    assert meta["article_id"] == "pp-0a488f442605"  # pinned: ids never change
    assert (root / "raw" / "pp-0a488f442605.txt").read_bytes() == source.read_bytes()
    stored = json.loads((root / "raw" / "pp-0a488f442605.json").read_text(encoding="utf-8"))
    assert stored == meta
    assert meta["published"] == "2025-05" and meta["date_precision"] == "month"
    assert meta["date_from"] == "header"
    assert meta["text_sha256"] == sha256(article_text(source.read_bytes()).text)
    assert meta["received_as"] == "000_7063880fff2bbc6a.txt"
    assert meta["title"].startswith("Les premiers pourparlers")


def test_date_option_wins_and_gives_precision(tmp_path):
    root = empty_root(tmp_path)
    [meta] = ingest([RAW / "pp-caf1c0f94279.txt"], root, source="Chas Pravdy", date="2025-06-02")
    assert (meta["published"], meta["date_precision"], meta["source"]) == ("2025-06-02", "day", "Chas Pravdy")


def test_duplicate_text_is_refused_even_with_other_line_endings(tmp_path):
    root = empty_root(tmp_path)
    ingest([SEED_000], root)
    before = snapshot(root / "raw")
    crlf = tmp_path / "copy.txt"
    crlf.write_bytes(SEED_000.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(IngestError, match="already ingested as pp-0a488f442605"):
        ingest([crlf], root)
    assert snapshot(root / "raw") == before


def test_a_bad_file_among_several_writes_nothing(tmp_path):
    root = empty_root(tmp_path)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Négociations à Istanbul".encode("latin-1"))
    with pytest.raises(IngestError, match=r"latin1\.txt: not UTF-8 text"):
        ingest([SEED_000, bad], root)
    assert snapshot(root / "raw") == {}


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (b"", {}, "empty file"),
        (b"  \n\n", {}, "empty file"),
        (b"Texte", {"date": "2025-13"}, "invalid date '2025-13'"),
        (b"Texte", {"date": "16 mai 2025"}, "invalid date"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(tmp_path, content, options, message):
    root = empty_root(tmp_path)
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        ingest([path], root, **options)
    assert snapshot(root / "raw") == {}


def test_title_for_several_files_is_refused(tmp_path):
    with pytest.raises(IngestError, match="--title and --url describe one article"):
        ingest([SEED_000, RAW / "pp-caf1c0f94279.txt"], empty_root(tmp_path), title="x")


@pytest.mark.parametrize("bad", ["../etc/passwd", "pp-0a488f44260/", "pp-0A488F442605", "", "pp-0a488f442605\n"])
def test_article_ids_that_could_escape_raw_are_refused(bad):
    with pytest.raises(IngestError, match="invalid article id"):
        check_article_id(bad)


def test_repository_raw_articles_load_without_problems():
    articles, problems = load_articles(REPO)
    assert problems == []
    assert articles.num_rows == 5
    for row in articles.to_pylist():
        raw = (REPO / row["raw_file"]).read_bytes()
        assert article_id_for(raw) == row["article_id"]
        assert sha256(row["text"]) == row["text_sha256"]
        assert len(row["text"]) == row["n_chars"]


def test_reading_raw_reports_its_progress(monkeypatch):
    monkeypatch.setattr("pourparlers.ingest.PROGRESS_EVERY", 2)
    seen = []
    articles, problems = load_articles(REPO, lambda done, total: seen.append((done, total)))
    assert (articles.num_rows, problems) == (5, [])
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_texts_go_to_arrow_in_batches_with_the_same_table(monkeypatch):
    whole, _ = load_articles(REPO)
    monkeypatch.setattr("pourparlers.ingest.TEXT_BATCH", 2)
    batched, _ = load_articles(REPO)
    assert batched["text"].num_chunks == 1
    assert batched.equals(whole)


def test_hash_drift_is_reported(repo_copy):
    path = repo_copy / "raw" / "pp-0a488f442605.txt"
    path.write_bytes(path.read_bytes().replace(b"Medinsky", b"Medinski"))
    articles, problems = load_articles(repo_copy)
    assert [(p.code, p.file, p.article_id) for p in problems] == [
        ("hash-drift", "raw/pp-0a488f442605.txt", "pp-0a488f442605")
    ]
    assert "pp-0a488f442605" not in articles["article_id"].to_pylist()


def test_metadata_with_a_path_like_id_is_reported(repo_copy):
    meta_path = repo_copy / "raw" / "pp-0a488f442605.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["article_id"] = "../../etc/passwd"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    _, problems = load_articles(repo_copy)
    assert [(p.code, p.file) for p in problems] == [("article-id-invalid", "raw/pp-0a488f442605.json")]


def test_duplicate_article_id_in_metadata_is_reported(repo_copy):
    original = repo_copy / "raw" / "pp-0a488f442605.json"
    (repo_copy / "raw" / "pp-ffffffffffff.json").write_bytes(original.read_bytes())
    _, problems = load_articles(repo_copy)
    assert [(p.code, p.file) for p in problems] == [("file-name-mismatch", "raw/pp-ffffffffffff.json")]


def test_truncated_metadata_is_reported(repo_copy):
    meta_path = repo_copy / "raw" / "pp-0a488f442605.json"
    meta_path.write_bytes(meta_path.read_bytes()[:40])
    _, problems = load_articles(repo_copy)
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
def test_workers_read_raw_as_one_process_does(repo_copy, damaged):
    if damaged:
        _damage_raw(repo_copy)
    one, one_problems = load_articles(repo_copy, workers=1)
    seen = []
    many, many_problems = load_articles(repo_copy, lambda done, total: seen.append((done, total)),
                                        workers=2, chunk_files=2)
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
    monkeypatch.setattr("pourparlers.ingest.ProcessPoolExecutor", no_workers)
    articles, problems = load_articles(REPO)
    assert (articles.num_rows, problems) == (5, [])
