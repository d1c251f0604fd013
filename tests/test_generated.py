"""The files generated from schema/taxonomy.yaml and the catalogue of codes (label config,
GUIDELINES.md label tables, docs/problems.md): written by `pourparlers schema`, compared by
`pourparlers schema --check`."""

from __future__ import annotations

from pathlib import Path

import yaml
from helpers import REPO, snapshot, taxonomy

from pourparlers.cli import main
from pourparlers.generated import artifacts, guidelines_with_tables, problems_markdown, write_artifacts
from pourparlers.labelstudio.config import label_config
from pourparlers.repo import Repo
from pourparlers.taxonomy import parse_taxonomy

TAX = taxonomy()
LABEL_CONFIG, PROBLEMS, GUIDELINES = "schema/label_config.xml", "docs/problems.md", "GUIDELINES.md"


def test_the_repository_s_generated_files_are_up_to_date():
    assert write_artifacts(Repo(REPO), TAX, check=True) == []
    assert sorted(artifacts(Repo(REPO), TAX)) == sorted([LABEL_CONFIG, PROBLEMS, GUIDELINES])


def test_write_then_nothing_is_stale(tmp_path: Path):
    repo = Repo(tmp_path)
    assert write_artifacts(repo, TAX) == [LABEL_CONFIG, PROBLEMS]     # no GUIDELINES.md here
    assert (tmp_path / LABEL_CONFIG).read_text(encoding="utf-8") == label_config(TAX)
    assert (tmp_path / PROBLEMS).read_text(encoding="utf-8") == problems_markdown()
    assert write_artifacts(repo, TAX, check=True) == []
    assert write_artifacts(repo, TAX) == []


def test_check_reports_a_stale_file_and_writes_nothing(repo_copy: Path):
    stale = repo_copy / LABEL_CONFIG
    stale.write_text(label_config(TAX).replace('value="CALL"', 'value="PHONE"'), encoding="utf-8")
    (repo_copy / "docs").mkdir()
    (repo_copy / PROBLEMS).write_text(problems_markdown(), encoding="utf-8")
    before = snapshot(repo_copy)
    assert write_artifacts(Repo(repo_copy), TAX, check=True) == [LABEL_CONFIG]
    assert snapshot(repo_copy) == before
    assert write_artifacts(Repo(repo_copy), TAX) == [LABEL_CONFIG]
    assert stale.read_text(encoding="utf-8") == label_config(TAX)


def test_check_reports_missing_files_and_creates_nothing(tmp_path: Path):
    assert write_artifacts(Repo(tmp_path), TAX, check=True) == [LABEL_CONFIG, PROBLEMS]
    assert list(tmp_path.iterdir()) == []


def test_schema_check_fails_on_a_stale_label_config(repo_copy, capsys):
    (repo_copy / "docs").mkdir()
    (repo_copy / PROBLEMS).write_text(problems_markdown(), encoding="utf-8")
    config = repo_copy / LABEL_CONFIG
    config.write_text(config.read_text(encoding="utf-8").replace("MEETING", "MEET"), encoding="utf-8")
    assert main(["--root", str(repo_copy), "schema", "--check"]) == 1
    assert "Error [schema-stale]: stale generated artifact(s): schema/label_config.xml" in capsys.readouterr().err
    assert main(["--root", str(repo_copy), "schema"]) == 0
    assert main(["--root", str(repo_copy), "schema", "--check"]) == 0


def test_guidelines_tables_are_generated_from_the_schema(tmp_path: Path):
    current = (REPO / GUIDELINES).read_text(encoding="utf-8")
    for name in TAX.entity_types + TAX.event_types + TAX.stance_targets:
        assert f"| {name} |" in current
    raw = yaml.safe_load((REPO / "schema" / "taxonomy.yaml").read_text(encoding="utf-8"))
    raw["realis"][0]["name"] = "REALISED"
    assert "| REALISED |" in guidelines_with_tables(current, parse_taxonomy(raw))
    (tmp_path / GUIDELINES).write_text(current.replace("| PER | PER |", "| PERSON | PER |"), encoding="utf-8")
    write_artifacts(Repo(tmp_path), TAX)
    (tmp_path / GUIDELINES).write_text(current.replace("| PER | PER |", "| PERSON | PER |"), encoding="utf-8")
    assert write_artifacts(Repo(tmp_path), TAX, check=True) == [GUIDELINES]
