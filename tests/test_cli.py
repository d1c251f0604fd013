"""The CLI: exit codes and messages; the library does the work."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO, snapshot

from pourparlers.cli import main


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "pourparlers", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for verb in ("ingest", "convert", "validate", "build", "schema", "server", "annotate", "pull", "agreement",
                 "release", "publish", "rehydrate"):
        assert verb in result.stdout


def test_ingest_refuses_a_duplicate_with_exit_1_and_changes_nothing(repo_copy, capsys):
    before = snapshot(repo_copy / "raw")
    code = main(["--root", str(repo_copy), "ingest", str(REPO / "raw" / "pp-0a488f442605.txt")])
    captured = capsys.readouterr()
    assert code == 1
    assert "Error:" in captured.err and "already ingested as pp-0a488f442605" in captured.err
    assert snapshot(repo_copy / "raw") == before


def test_schema_check_fails_on_a_stale_label_config(repo_copy, capsys):
    config = repo_copy / "schema" / "label_config.xml"
    config.write_text(config.read_text(encoding="utf-8").replace("MEETING", "MEET"), encoding="utf-8")
    assert main(["--root", str(repo_copy), "schema", "--check"]) == 1
    assert "stale generated artifact(s): schema/label_config.xml" in capsys.readouterr().err
    assert main(["--root", str(repo_copy), "schema"]) == 0
    assert main(["--root", str(repo_copy), "schema", "--check"]) == 0


def test_convert_prints_the_accounting_and_writes_tables(repo_copy, tmp_path, capsys):
    import shutil

    import pyarrow.parquet as pq
    from conftest import FIXTURES

    shutil.copy2(FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json", repo_copy / "annotations")
    assert main(["--root", str(repo_copy), "convert", "--out", str(tmp_path / "tables")]) == 0
    printed = capsys.readouterr().out
    assert "1/0/0" in printed and "Tables written to" in printed
    assert pq.read_table(tmp_path / "tables" / "entities.parquet").num_rows == 8
    assert pq.read_table(tmp_path / "tables" / "articles.parquet").num_rows == 5


def test_convert_summary_of_many_files_shows_totals(repo_with_annotations, capsys, monkeypatch):
    from pourparlers import cli

    monkeypatch.setattr(cli, "FILES_LISTED", 2)
    assert main(["--root", str(repo_with_annotations), "convert"]) == 0
    printed = capsys.readouterr().out
    assert "annotations/pp-" not in printed      # no file has a problem: none is listed
    assert "all 5 files" in printed and "5/2/0" in printed
