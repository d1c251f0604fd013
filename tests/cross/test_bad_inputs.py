"""Every bad input must fail `pourparlers validate` with its own code, at the exact file,
article, annotation and region, in one run, and leave the data untouched: each case of
`bad_cases.CASES` through the library (`load_corpus`, all Problem fields) and through the real
CLI (`pourparlers validate --format json|text|github`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bad_cases import (
    ARTICLE,
    BAD,
    CASES,
    EXPORT,
    GOOD,
    MEDINSKY,
    MEETING,
    RAW_META,
    RAW_TXT,
    Case,
    Copy,
    item,
    raw_metadata_is_a_dangling_symlink,
    relation,
)
from helpers import snapshot

from pourparlers.cli import main
from pourparlers.corpus import load_corpus
from pourparlers.validate import with_lines


@pytest.fixture
def repo(repo_copy: Path) -> Copy:
    """The repository's raw/ and schema/, with the good export as the only one in annotations/."""
    shutil.rmtree(repo_copy / "annotations")
    (repo_copy / "annotations").mkdir()
    shutil.copy2(GOOD, repo_copy / "annotations" / GOOD.name)
    return Copy(repo_copy)


def test_the_good_copy_is_clean(repo: Copy) -> None:
    assert load_corpus(repo.repo).problems == []


def test_there_are_at_least_thirty_distinct_cases() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)) >= 30
    assert len({c.code for c in CASES}) >= 30


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_caught_where_it_is(repo: Copy, c: Case, capsys) -> None:
    """The library names the place; the real CLI exits 1 with the same problems as JSON and
    leaves raw/, annotations/ and dist/ as they were."""
    c.mutate(repo)
    corpus = load_corpus(repo.repo)
    problems = corpus.problems
    found = [p for p in problems if p.code == c.code]
    assert found, [p.render() for p in problems]
    assert c.where in [(p.file, p.article_id, p.annotation_id, p.region_id) for p in found], (
        [p.render() for p in found])
    assert {p.code for p in problems} - {c.code} <= c.also, [p.render() for p in problems]
    for p in problems:
        assert p.file and p.message and p.expected and p.field and p.hint, p
    for row in corpus.summary:  # nothing lost: every item converted or rejected with a problem
        items = row["regions"] + row["choices"] + row["relations"] + row["other"]
        assert items == row["converted"] + row["rejected"], row
        assert not row["rejected"] or row["problems"], row

    sparse = c.name == "export_over_the_size_limit"  # 256 MiB: do not read it to compare
    before = {} if sparse else {n: snapshot(repo.root / n) for n in ("raw", "annotations", "dist")}
    assert main(["--root", str(repo.root), "validate", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["problems"] == [p.as_dict() for p in with_lines(corpus.report, repo.repo).problems]
    if not sparse:
        assert {n: snapshot(repo.root / n) for n in ("raw", "annotations", "dist")} == before


REPRESENTATIVE = ["truncated_json", "unknown_entity_label", "utf16_offsets_after_an_emoji",
                  "role_not_allowed_for_the_event_type", "raw_changed_after_annotation",
                  "export_article_id_escapes_raw"]


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_text_and_github_formats_name_the_place(repo: Copy, name: str, capsys) -> None:
    c = next(c for c in CASES if c.name == name)
    c.mutate(repo)
    file, article, annotation, region = c.where
    assert main(["--root", str(repo.root), "validate"]) == 1
    text = capsys.readouterr().out
    assert "✗" in text and f"[{c.code}]" in text
    line = next(line for line in text.splitlines() if f"[{c.code}]" in line)
    assert line.strip().startswith(file)
    for part, value in (("article", article), ("annotation", annotation), ("region", region)):
        assert (f", {part} {value}" in line) if value else f", {part} " not in line, line
    assert main(["--root", str(repo.root), "validate", "--format", "github"]) == 1
    github = capsys.readouterr().out
    assert f"::error file={file}" in github
    assert f"title=pourparlers validate%3A {c.code}::{file}" in github


def test_github_annotation_points_at_the_line_of_the_region(repo: Copy, capsys) -> None:
    """A pretty-printed export (as a reviewable diff shows it): the annotation lands on the
    region's own line; all problems of the run are there, each on its line."""
    tasks = repo.tasks()
    item(tasks, MEDINSKY)["value"]["labels"] = ["PERSON"]
    relation(tasks, MEETING)["labels"] = ["prisoners"]
    text = json.dumps(tasks, ensure_ascii=False, indent=2)
    repo.export.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    assert main(["--root", str(repo.root), "validate", "--format", "github"]) == 1
    github = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert len(github) == 2
    region_of = {"role-not-allowed": MEETING, "unknown-label": MEDINSKY}
    for line in github:
        number = int(line.split(",line=")[1].split(",")[0])
        code = line.split("validate%3A ")[1].split("::")[0]
        assert lines[number - 1].strip() == f'"id": "{region_of.pop(code)}",', line
    assert not region_of
    assert main(["--root", str(repo.root), "validate", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sorted(p["line"] for p in report["problems"]) == sorted(
        int(line.split(",line=")[1].split(",")[0]) for line in github)


def test_json_invalid_gives_its_line(repo: Copy, capsys) -> None:
    shutil.copy2(BAD / "nan-lead-time.json", repo.export)
    assert main(["--root", str(repo.root), "validate", "--format", "github"]) == 1
    assert f"::error file={EXPORT},line=2," in capsys.readouterr().out


def test_a_long_valid_export_is_processed(repo: Copy) -> None:
    """About 6 MB: the task with 1500 more (alternate) annotations converts without a problem,
    every region and relation accounted for."""
    tasks = repo.tasks()
    first = tasks[0]["annotations"][0]
    first["ground_truth"] = True
    tasks[0]["annotations"] += [{**first, "id": 1000 + i, "ground_truth": False}
                                for i in range(1500)]
    repo.save(tasks)
    assert repo.export.stat().st_size > 5_000_000
    corpus = load_corpus(repo.repo)
    assert corpus.problems == []
    (row,) = corpus.summary
    assert (row["gold"], row["alternate"], row["rejected"]) == (1, 1500, 0)
    assert corpus.tables["entities"].num_rows == 8 * 1501


def test_a_file_name_cannot_inject_workflow_commands(repo: Copy, capsys) -> None:
    """A file name is data too: newlines, `::`, `,` and `%` are escaped in GitHub output."""
    name = "x\n::error file=README.md::pwned,%0A.json"
    repo.export.rename(repo.root / "annotations" / name)
    assert main(["--root", str(repo.root), "validate", "--format", "github"]) == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("::")]
    assert errors and all(line.startswith("::error file=annotations/x%0A%3A%3Aerror file=README.md")
                          for line in errors), errors
    assert "%2C%250A.json" in errors[0]


def test_hash_drift_says_why_the_export_is_not_checked(repo: Copy) -> None:
    next(c for c in CASES if c.name == "raw_changed_after_annotation").mutate(repo)
    by_code = {p.code: p for p in load_corpus(repo.repo).problems}
    assert sorted(by_code) == ["hash-drift", "unknown-article"]
    unknown = by_code["unknown-article"]
    assert unknown.message == (f"article {ARTICLE} is in raw/ but could not be read; its "
                               "annotations are not checked")
    assert "pourparlers ingest" not in unknown.hint


def test_every_problem_is_reported_in_one_run(repo: Copy, capsys) -> None:
    """Seven independent faults in two exports and raw/: one run reports all seven."""
    together = ["unknown_entity_label", "role_not_allowed_for_the_event_type",
                "stance_without_polarity", "offsets_shifted_by_one", "relation_both_ways",
                "raw_text_without_metadata", "utf16_offsets_after_an_emoji"]
    chosen = [c for c in CASES if c.name in together]
    for c in chosen:
        c.mutate(repo)
    assert main(["--root", str(repo.root), "validate", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    located = {(p["code"], p["file"], p["article_id"], p["annotation_id"], p["region_id"])
               for p in report["problems"]}
    assert located == {(c.code, *c.where) for c in chosen}
    failed = [check["name"] for check in report["checks"] if not check["passed"]]
    assert len(failed) >= 5


def test_a_dangling_metadata_link_is_both_missing_metadata_and_a_link(repo: Copy) -> None:
    raw_metadata_is_a_dangling_symlink(repo)
    found = {(p.code, p.file) for p in load_corpus(repo.repo).problems}
    assert {("raw-without-metadata", RAW_TXT), ("not-a-regular-file", RAW_META)} <= found
