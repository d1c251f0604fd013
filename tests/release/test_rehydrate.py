"""Text-free builds and their rehydration: texts restored from raw/ or fetched files, every
hash checked, Parquet files byte-identical to those of the build with text."""

from __future__ import annotations

import shutil
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from helpers import FIXTURES, copy_repository

from pourparlers.cli import main
from pourparlers.errors import InvalidData
from pourparlers.release import rehydrate
from pourparlers.release.diff import read_config

EXPORT = FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json"
TEXT_CONFIGS = ("articles", "entities", "events", "stances", "ner", "ner_sentences", "documents", "annotations")


def fresh_repo(base: Path) -> Path:
    return copy_repository(base / "repo")


def text_columns(folder: Path) -> dict[str, list]:
    """Every text-bearing value of a release, per config."""
    out = {}
    for config, rows in ((c, [r for split in read_config(folder, c).values() for r in split])
                         for c in TEXT_CONFIGS):
        values = []
        for row in rows:
            values += [row.get("text"), row.get("holder_text"), row.get("tokens")]
            values += [(row.get("trigger") or {}).get("text"), (row.get("evidence") or {}).get("text")]
            values += [a["text"] for a in row.get("arguments") or []]
            values += [e["text"] for e in row.get("entities") or []]
            values += [e["evidence"]["text"] for e in row.get("stances") or []]
            values += [e["trigger"]["text"] for e in row.get("events") or []]
        out[config] = [v for v in values if v is not None]
    return out


@pytest.mark.parametrize("batching", ["default", "one article per batch, row groups of 7"])
def test_text_free_build_rehydrates_to_byte_identical_tables(tmp_path, capsys, monkeypatch, batching):
    """Rehydrate writes each file whole; build streams it in batches: same bytes either way."""
    if batching != "default":
        from pourparlers.build import assembly, parquet

        monkeypatch.setattr(assembly, "BATCH_ARTICLES", 1)
        monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 7)
    root = fresh_repo(tmp_path)
    shutil.copy2(EXPORT, root / "annotations" / EXPORT.name)
    full, bare, back = tmp_path / "full", tmp_path / "bare", tmp_path / "back"
    assert main(["--root", str(root), "build", "--out", str(full)]) == 0
    assert main(["--root", str(root), "build", "--no-text", "--out", str(bare)]) == 0
    assert text_columns(bare) == {c: [] for c in TEXT_CONFIGS}
    assert all(text_columns(full).values())
    hashes = [row["text_sha256"] for rows in read_config(bare, "articles").values() for row in rows]
    assert len(hashes) == 5 and all(len(h) == 64 for h in hashes)
    assert read_config(bare, "entities")["train"][0]["start"] == read_config(full, "entities")["train"][0]["start"]
    card = (bare / "README.md").read_text(encoding="utf-8")
    assert "Text-free build." in card and "pourparlers rehydrate" in card

    capsys.readouterr()
    assert main(["--root", str(root), "rehydrate", str(bare), "--out", str(back)]) == 0
    assert "Rehydrated 5 article text(s), every SHA-256 verified" in capsys.readouterr().out
    parquet = sorted(p.relative_to(full).as_posix() for p in full.rglob("*.parquet"))
    assert parquet == sorted(p.relative_to(back).as_posix() for p in back.rglob("*.parquet"))
    # articles, documents, ner, ner_sentences: train + test; entities, events, stances, annotations,
    # actors: train only; labels.parquet
    assert len(parquet) == 14
    assert (back / "croissant.json").read_bytes() == (full / "croissant.json").read_bytes()
    assert (bare / "croissant.json").read_bytes() != (full / "croissant.json").read_bytes()
    for name in parquet:
        assert (back / name).read_bytes() == (full / name).read_bytes(), name
        assert pq.read_table(back / name).equals(pq.read_table(full / name))
    assert "Text-free build." not in (back / "README.md").read_text(encoding="utf-8")
    assert "Rehydrated locally" in (back / "README.md").read_text(encoding="utf-8")
    for config in ("documents", "events"):
        restored, built = datasets.load_dataset(str(back), config), datasets.load_dataset(str(full), config)
        assert {s: d.to_list() for s, d in restored.items()} == {s: d.to_list() for s, d in built.items()}


def test_rehydrate_refuses_a_text_that_is_not_the_annotated_one(tmp_path):
    root = fresh_repo(tmp_path)
    bare = tmp_path / "bare"
    assert main(["--root", str(root), "build", "--no-text", "--out", str(bare)]) == 0
    texts = tmp_path / "fetched"
    shutil.copytree(root / "raw", texts)
    edited = texts / "pp-2b691a1ff8b5.txt"
    edited.write_bytes(edited.read_bytes() + b" (mis \xc3\xa0 jour)")
    (texts / "pp-e2673bbd75cb.txt").unlink()
    with pytest.raises(InvalidData) as failed:
        rehydrate(bare, tmp_path / "back", texts)
    assert [(p.code, p.article_id) for p in failed.value.problems] == [
        ("text-hash-mismatch", "pp-2b691a1ff8b5"), ("text-missing", "pp-e2673bbd75cb")]
    assert failed.value.hint == "every article text must match its hash; 3 of 5 did"
    assert not (tmp_path / "back").exists()


@pytest.fixture
def text_free_release(tmp_path):
    from pourparlers.release import cut_release
    from pourparlers.repo import Repo

    root = fresh_repo(tmp_path)
    shutil.copy2(EXPORT, root / "annotations" / EXPORT.name)
    cut_release(Repo(root), bump="minor", text=False, date="2026-11-23")
    return root, root / "dist" / "0.1.0"


@pytest.mark.parametrize(("damage", "found"), [
    (lambda f: (f / "entities" / "train-00000-of-00001.parquet").write_bytes(
        (f / "entities" / "train-00000-of-00001.parquet").read_bytes()[:-9] + b"000000000"),
     "changed: entities/train-00000-of-00001.parquet"),
    (lambda f: (f / "entities" / ".smuggled.parquet").write_bytes(b"PAR1"),
     "not in the manifest: entities/.smuggled.parquet"),
    (lambda f: (f / "README.md").unlink(), "missing: README.md"),
    (lambda f: (f / "extra").symlink_to(f / "README.md"), "not a regular file: extra"),
])
def test_a_release_that_does_not_match_its_manifest_is_not_rehydrated(text_free_release, tmp_path,
                                                                       damage, found, capsys):
    root, release = text_free_release
    damage(release)
    assert main(["--root", str(root), "rehydrate", str(release), "--out", str(tmp_path / "back")]) == 1
    err = capsys.readouterr().err
    assert "Error [release-mismatch]:" in err and found in err
    assert not (tmp_path / "back").exists()


def test_a_folder_that_is_no_release_is_refused_without_traceback(tmp_path, capsys):
    root = fresh_repo(tmp_path)
    broken = tmp_path / "broken"
    (broken / "articles").mkdir(parents=True)
    (broken / "articles" / "train-00000-of-00001.parquet").write_bytes(b"not parquet at all")
    assert main(["--root", str(root), "rehydrate", str(broken), "--out", str(tmp_path / "back")]) == 1
    err = capsys.readouterr().err
    assert "Error [release-refused]:" in err and "cannot be read as a release" in err
    assert "Traceback" not in err and not (tmp_path / "back").exists()
    assert main(["--root", str(root), "rehydrate", str(tmp_path / "nowhere")]) == 1
    assert "is not a folder" in capsys.readouterr().err
