"""Ingest: raw files copied verbatim, metadata recorded, stable ids, duplicates refused."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from helpers import REPO, snapshot

from pourparlers.errors import IngestError
from pourparlers.hashing import sha256
from pourparlers.ingest import ingest
from pourparlers.raw import article_text, check_article_id
from pourparlers.repo import Repo

RAW = REPO / "raw"
SEED_000 = RAW / "pp-0a488f442605.txt"  # received as 000_7063880fff2bbc6a.txt


def empty_root(tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    (root / "raw").mkdir(parents=True)
    return Repo(root)


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
    assert (root.raw / "pp-0a488f442605.txt").read_bytes() == source.read_bytes()
    stored = json.loads((root.raw / "pp-0a488f442605.json").read_text(encoding="utf-8"))
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
    before = snapshot(root.raw)
    crlf = tmp_path / "copy.txt"
    crlf.write_bytes(SEED_000.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(IngestError, match="already ingested as pp-0a488f442605"):
        ingest([crlf], root)
    assert snapshot(root.raw) == before


def test_a_bad_file_among_several_writes_nothing(tmp_path):
    root = empty_root(tmp_path)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Négociations à Istanbul".encode("latin-1"))
    with pytest.raises(IngestError, match=r"latin1\.txt: not UTF-8 text"):
        ingest([SEED_000, bad], root)
    assert snapshot(root.raw) == {}


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
    assert snapshot(root.raw) == {}


def test_title_for_several_files_is_refused(tmp_path):
    with pytest.raises(IngestError, match="--title and --url describe one article"):
        ingest([SEED_000, RAW / "pp-caf1c0f94279.txt"], empty_root(tmp_path), title="x")


@pytest.mark.parametrize("bad", ["../etc/passwd", "pp-0a488f44260/", "pp-0A488F442605", "", "pp-0a488f442605\n"])
def test_article_ids_that_could_escape_raw_are_refused(bad):
    with pytest.raises(IngestError, match="invalid article id"):
        check_article_id(bad)


@pytest.mark.parametrize(("content", "message"), [
    (b"\xef\xbb\xbf", "no visible text once decoded"),
    (b"  \n", "empty file"),
    (b"\x00\x00\x00\n", "no visible text once decoded"),
    (b"\xef\xbb\xbf \xc2\xa0\t\n\xe2\x80\x8b", "no visible text once decoded"),
])
def test_an_article_without_visible_text_is_refused(tmp_path, content, message):
    root = empty_root(tmp_path)
    path = tmp_path / "blank.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message) as refused:
        ingest([path], root)
    assert refused.value.code == "ingest-refused"
    assert snapshot(root.raw) == {}


def test_an_article_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    from pourparlers import ingest as ingest_module

    monkeypatch.setattr(ingest_module, "MAX_ARTICLE_BYTES", 100)
    root = empty_root(tmp_path)
    with pytest.raises(IngestError, match=r"bytes, more than an article's 100 bytes"):
        ingest([SEED_000], root)
    assert snapshot(root.raw) == {}
