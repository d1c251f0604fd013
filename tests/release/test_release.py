"""Releases as a maintainer cuts them: successive versions of a copy of the repository, the
generated changelog diff, semver rules, manifests, the text-free build and its rehydration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, REPO, copy_repository, snapshot

from pourparlers.card import AGREEMENT_MARKER, agreement_markdown
from pourparlers.cli import main
from pourparlers.release import ReleaseError, cut_release, verify_manifest
from pourparlers.repo import Repo

EXPORT = FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json"
DATE = "2026-11-23"


def fresh_repo(base: Path) -> Path:
    return copy_repository(base / "repo")


def edit_export(root: Path, drop_region: str, canonical: tuple[str, str]) -> None:
    """A correction: one region deleted, one canonical id changed (as a re-export would)."""
    path = root / "annotations" / EXPORT.name
    tasks = json.loads(path.read_text(encoding="utf-8"))
    annotation = tasks[0]["annotations"][0]
    annotation["result"] = [item for item in annotation["result"] if item.get("id") != drop_region]
    for item in annotation["result"]:
        if item.get("from_name") == "canonical_id" and item["value"]["text"] == [canonical[0]]:
            item["value"]["text"] = [canonical[1]]
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """0.1.0 (the five articles), 0.2.0 (+ a Label Studio export), 0.2.1 (a correction)."""
    root = fresh_repo(tmp_path_factory.mktemp("releases"))
    first = cut_release(Repo(root), bump="minor", date=DATE)
    log_after_first = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    shutil.copy2(EXPORT, root / "annotations" / EXPORT.name)
    with pytest.raises(ReleaseError) as refused:
        cut_release(Repo(root), bump="patch", date=DATE)
    second = cut_release(Repo(root), bump="minor", date=DATE)
    edit_export(root, drop_region="Qe9Gh5JsLx", canonical=("russie", "russes"))
    third = cut_release(Repo(root), bump="patch", date=DATE)
    return {"root": root, "results": (first, second, third), "log_after_first": log_after_first,
            "patch_refused": refused.value}


def test_first_release_closes_the_unreleased_changelog_heading(releases):
    first = releases["results"][0]
    assert (first.version, first.previous, first.bump) == ("0.1.0", None, "minor")
    log = releases["log_after_first"]
    assert "## [0.1.0] - 2026-11-23\n\n### Added" in log
    assert "unreleased" not in log
    assert "### Generated diff (first release: everything is new)" in log
    assert "- Articles: 5 added, 0 removed, 0 with a changed text." in log
    assert log.index("### Added") < log.index("### Generated diff")


def test_second_release_records_the_annotations_added_per_layer_and_type(releases):
    second = releases["results"][1]
    assert (second.version, second.previous, second.bump) == ("0.2.0", "0.1.0", "minor")
    assert second.diff.layers_added == ["entities", "events", "stances"]
    assert second.changelog == (
        "### Generated diff against 0.1.0\n"
        "\n"
        "- Articles: 0 added, 0 removed, 0 with a changed text.\n"
        "\n"
        "| layer | type | added | removed | changed |\n"
        "|---|---|---|---|---|\n"
        "| entities | GPE | 2 | 0 | 0 |\n"
        "| entities | ORG | 1 | 0 | 0 |\n"
        "| entities | PER | 2 | 0 | 0 |\n"
        "| entities | QUANTITY | 2 | 0 | 0 |\n"
        "| entities | ROLE | 1 | 0 | 0 |\n"
        "| events | MEETING | 1 | 0 | 0 |\n"
        "| events | PRISONER_EXCHANGE | 1 | 0 | 0 |\n"
        "| stances | ukraine_in_nato | 1 | 0 | 0 |\n"
        "\n"
        "(types: entity type, event type, stance target; gold layer only; an annotation is matched by its id "
        "`<article>:<region>`)\n"
        "- Schema: no change (taxonomy 1.0.0).\n"
        f"- Files: {len(second.manifest['files'])}, SHA-256 of each in `dist/0.2.0/manifest.json`.\n"
    )


def test_a_patch_cannot_add_an_annotation_layer(releases):
    refused = releases["patch_refused"]
    assert str(refused) == "0.1.1 is a patch release after 0.1.0, but articles or an annotation layer were added"
    assert refused.hint == "semver: use --minor"


def test_a_correction_is_a_patch_with_removed_and_changed_annotations(releases):
    third = releases["results"][2]
    assert (third.version, third.bump) == ("0.2.1", "patch")
    assert {layer: {t: dict(c) for t, c in per_type.items()} for layer, per_type in third.diff.annotations.items()
            if per_type} == {"entities": {"GPE": {"removed": 1, "changed": 1}},
                             # the changed canonical id is that of the stance's holder
                             "stances": {"ukraine_in_nato": {"changed": 1}}}
    assert "| entities | GPE | 0 | 1 | 1 |" in third.changelog


def test_changelog_is_newest_first_and_every_release_folder_matches_its_manifest(releases):
    root = releases["root"]
    log = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert log.index("## [0.2.1] - 2026-11-23") < log.index("## [0.2.0] - 2026-11-23") < log.index("## [0.1.0]")
    for result in releases["results"]:
        folder = root / "dist" / result.version
        assert verify_manifest(folder) == []
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["version"] == result.version and manifest["text"] is True
        assert set(manifest["files"]) == {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                                          if p.is_file()} - {"manifest.json", ".pourparlers-output"}
        citation = (folder / "CITATION.cff").read_text(encoding="utf-8")
        assert f'version: "{result.version}"' in citation and 'date-released: "2026-11-23"' in citation
    # the CLI's `build` keeps building the newest version of the changelog
    assert "0.2.1" in log.split("## [", 2)[1]


def test_a_release_is_never_overwritten_and_versions_only_grow(releases, capsys):
    root = releases["root"]
    before = snapshot(root / "dist")
    with pytest.raises(ReleaseError, match="version 0.2.1 is not newer than the previous release 0.2.1"):
        cut_release(Repo(root), version="0.2.1", date=DATE)
    assert main(["--root", str(root), "release", "0.2.0"]) == 1
    assert ("Error [release-refused]: version 0.2.0 is not newer than the previous release 0.2.1"
            in capsys.readouterr().err)
    assert main(["--root", str(root), "build"]) == 1      # no version in preparation
    err = capsys.readouterr().err
    assert "every version of CHANGELOG.md is released (the newest is 0.2.1)" in err
    assert "Hint: start the next one: add a heading '## [x.y.z] - unreleased' above '## [0.2.1]'" in err
    assert main(["--root", str(root), "build", "--version", "0.2.0"]) == 1
    assert "0.2.0 is released (CHANGELOG.md): dist/0.2.0 is made by `pourparlers release` alone" in (
        capsys.readouterr().err)
    assert main(["--root", str(root), "build", "--out", str(root / "dist" / "0.2.1")]) == 1
    assert "dist/0.2.1 is a release (manifest.json); a release is never overwritten" in capsys.readouterr().err
    assert snapshot(root / "dist") == before


def test_a_tampered_release_folder_is_reported(tmp_path, releases):
    folder = tmp_path / "copy"
    shutil.copytree(releases["root"] / "dist" / "0.2.0", folder)
    (folder / "README.md").write_text("edited", encoding="utf-8")
    (folder / "extra.txt").write_text("x", encoding="utf-8")
    assert verify_manifest(folder) == ["not in the manifest: extra.txt", "changed: README.md"]


def test_a_schema_change_needs_a_major_release(tmp_path):
    root = fresh_repo(tmp_path)
    cut_release(Repo(root), bump="minor", date=DATE)
    taxonomy = root / "schema" / "taxonomy.yaml"
    text = taxonomy.read_text(encoding="utf-8")
    anchor = "  targets:\n"
    taxonomy.write_text(text.replace(anchor, anchor + '    - name: sanctions_relief\n      fr: "levée des '
                                     'sanctions"\n      en: "sanctions relief"\n', 1), encoding="utf-8")
    with pytest.raises(ReleaseError) as refused:
        cut_release(Repo(root), bump="minor", date=DATE)
    assert str(refused.value).startswith("0.2.0 is a minor release after 0.1.0, but the schema changed: ")
    assert "labels added: sanctions_relief" in str(refused.value)
    assert refused.value.hint == "semver: use --major"
    assert not (root / "dist" / "0.2.0").exists()
    major = cut_release(Repo(root), bump="major", date=DATE)
    assert major.version == "1.0.0"
    assert "- Schema (taxonomy 1.0.0): **breaking**" in major.changelog
    assert "  - `stances.target`: labels added: sanctions_relief" in major.changelog


def test_a_missing_previous_release_names_the_command_that_fetches_it(tmp_path):
    root = fresh_repo(tmp_path)
    cut_release(Repo(root), bump="minor", date=DATE)
    shutil.rmtree(root / "dist" / "0.1.0")
    with pytest.raises(ReleaseError) as refused:
        cut_release(Repo(root), bump="minor", date=DATE)
    assert "the previous release 0.1.0 (CHANGELOG.md) is not in" in str(refused.value)
    assert "hf download ORG/NAME --repo-type dataset --revision v0.1.0 --local-dir " in refused.value.hint


def test_release_cli_prints_the_diff_and_the_next_step(tmp_path, capsys):
    root = fresh_repo(tmp_path)
    assert main(["--root", str(root), "release", "--minor"]) == 0
    printed = capsys.readouterr().out
    assert f"Release 0.1.0 (first release) in {root / 'dist' / '0.1.0'}" in printed
    assert "- Articles: 5 added, 0 removed, 0 with a changed text." in printed
    assert "Next: commit CHANGELOG.md and tag that commit (git tag v0.1.0" in printed
    assert "publish it with pourparlers publish --repo-id ORG/NAME --dry-run" in printed


def test_card_has_an_example_per_config_and_a_marked_agreement_place(releases, tmp_path):
    card = (releases["root"] / "dist" / "0.2.0" / "README.md").read_text(encoding="utf-8")
    for config in ("documents", "articles", "entities", "events", "stances", "ner"):
        assert f"`{config}` (" in card
    assert AGREEMENT_MARKER in card and "Agreement figures: none published for this release yet." in card
    report = json.loads((REPO / "reports" / "agreement.json").read_text(encoding="utf-8"))
    strict = report["pooled"]["entities"]["strict"]["micro"]
    figures = tmp_path / "agreement.json"
    figures.write_text(json.dumps(report), encoding="utf-8")
    rendered = agreement_markdown(figures)
    assert (f"| entity mentions, strict (same span and type) | {strict['a']} | {strict['b']} | "
            f"{strict['matched']} | {strict['precision']:.3f} | {strict['recall']:.3f} | "
            f"{strict['f1']:.3f} |") in rendered
    assert "none published" not in rendered
