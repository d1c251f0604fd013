"""The CLI: exit codes and messages; the library does the work."""

from __future__ import annotations

import subprocess
import sys

from helpers import FIXTURES, REPO, snapshot

from pourparlers.cli import main


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "pourparlers", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for verb in ("ingest", "convert", "validate", "build", "schema", "server", "annotate", "pull", "agreement",
                 "release", "publish", "rehydrate", "guidelines"):
        assert verb in result.stdout


def test_ingest_refuses_a_duplicate_with_exit_1_and_changes_nothing(repo_copy, capsys):
    before = snapshot(repo_copy / "raw")
    code = main(["--root", str(repo_copy), "ingest", str(REPO / "raw" / "pp-0a488f442605.txt")])
    captured = capsys.readouterr()
    assert code == 1
    assert "Error [ingest-refused]:" in captured.err and "already ingested as pp-0a488f442605" in captured.err
    assert snapshot(repo_copy / "raw") == before


def test_convert_prints_the_accounting_and_writes_tables(repo_copy, tmp_path, capsys):
    import shutil

    import pyarrow.parquet as pq

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
    assert "all 5 files" in printed and "5/7/0" in printed   # gold/alternate/cancelled


def test_root_is_accepted_before_and_after_the_verb(repo_copy, capsys):
    assert main(["--root", str(repo_copy), "validate", "--format", "json"]) == 0
    before = capsys.readouterr().out
    assert main(["validate", "--root", str(repo_copy), "--format", "json"]) == 0
    assert capsys.readouterr().out == before


def test_the_repository_is_found_from_the_working_folder(repo_copy, monkeypatch, capsys):
    """Inside any folder of a repository, as git finds `.git`; never the install location."""
    monkeypatch.chdir(repo_copy / "annotations")
    (repo_copy / "raw" / "pp-0a488f442605.json").unlink()
    assert main(["validate"]) == 1
    assert "raw-without-metadata" in capsys.readouterr().out


def test_outside_a_repository_the_error_says_how_to_get_in(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert f"Error [not-a-repository]: not inside a pourparlers repository ({tmp_path}" in err
    assert "Hint: cd into one or pass --root" in err
    assert main(["--root", str(tmp_path), "validate"]) == 1
    assert f"Error [not-a-repository]: {tmp_path} is not a pourparlers repository" in capsys.readouterr().err


def test_an_unforeseen_failure_is_one_line_unless_debugging(repo_copy, monkeypatch, capsys):
    import pytest

    from pourparlers import corpus

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(corpus, "load_articles", broken)
    assert main(["--root", str(repo_copy), "validate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error [command-failed]: ZeroDivisionError: division by zero\n")
    assert "--debug" in err and "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        main(["--root", str(repo_copy), "validate", "--debug"])
    monkeypatch.setenv("POURPARLERS_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["--root", str(repo_copy), "validate"])


def test_commands_that_need_label_studio_say_how_to_reach_one(repo_copy, monkeypatch, capsys):
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--root", str(repo_copy), "pull"]) == 1
    err = capsys.readouterr().err
    assert "Error [labelstudio-error]: no Label Studio server to talk to" in err
    assert "scripts/labelstudio start" in err
    assert main(["--root", str(repo_copy), "annotate", "--url", "http://127.0.0.1:9"]) == 1
    assert "Error [labelstudio-error]: no API token for http://127.0.0.1:9" in capsys.readouterr().err


def test_agreement_refuses_an_unknown_selector(repo_with_annotations, capsys):
    assert main(["--root", str(repo_with_annotations), "agreement", "--a", "best"]) == 1
    assert "Error [selector-invalid]: unknown annotation selector 'best'" in capsys.readouterr().err
    assert main(["--root", str(repo_with_annotations), "agreement", "--b", "annotation:x"]) == 1
    assert "Error [selector-invalid]: annotation id 'x' is not an integer" in capsys.readouterr().err


def test_schema_refuses_a_guidelines_block_of_no_known_table(repo_copy, capsys):
    (repo_copy / "GUIDELINES.md").write_text("<!-- BEGIN GENERATED colours -->\n<!-- END GENERATED colours -->\n",
                                             encoding="utf-8")
    assert main(["--root", str(repo_copy), "schema"]) == 1
    assert "Error [guidelines-invalid]: GUIDELINES.md: unknown generated block 'colours'" in capsys.readouterr().err


def test_server_stop_and_status_leave_a_stranger_alone(repo_copy, capsys):
    import json
    import os

    home = repo_copy / ".labelstudio"
    home.mkdir()
    (home / "server.json").write_text(json.dumps({"url": "http://127.0.0.1:8089", "pid": os.getpid()}),
                                      encoding="utf-8")
    assert main(["--root", str(repo_copy), "server", "stop"]) == 0       # this very test process
    assert "named a process that is not the server any more (left alone" in capsys.readouterr().out
    (home / "server.json").write_text(json.dumps({"url": "x", "pid": os.getpid()}), encoding="utf-8")
    assert main(["--root", str(repo_copy), "server", "status"]) == 3
    assert "stale .labelstudio/server.json removed" in capsys.readouterr().out
    assert not (home / "server.json").exists()


def test_validate_imports_neither_datasets_nor_the_export_formats():
    """`pourparlers validate` is the everyday loop (benchmarks: within 1.3x of its own imports);
    listing the export formats for the parser must not import the exporters or `datasets`."""
    probe = ("import sys; from pourparlers.cli import parser; parser(); "
             "import pourparlers.corpus; print(sorted(m for m in ('datasets', 'spacy', 'pourparlers.export.reader') "
             "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
