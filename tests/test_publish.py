"""Publishing as a maintainer does it, against a loopback stand-in of the Hub (tests/hubstandin.py).

The CLI and `datasets.load_dataset` run unmodified in subprocesses whose environment points
them at the stand-in (HF_ENDPOINT, HF_HUB_DISABLE_XET=1, HF_UPDATE_DOWNLOAD_COUNTS=0): the
Hugging Face libraries read those variables at import, and this test session imported them
offline (conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, copy_repository, edit_parquet, free_port, hub_env

from pourparlers.build.croissant import refresh_checksums
from pourparlers.cli import main
from pourparlers.errors import InvalidData
from pourparlers.publish import PublishError, plan_publish, publish
from pourparlers.release import cut_release
from pourparlers.release.manifest import ReleaseMismatch, read_manifest, write_manifest
from pourparlers.repo import Repo, RepoIdError

EXPORT = FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json"
REPO_ID = "acme/pourparlers"
TOKEN = "hf_standin_secret_token"
DATE = "2026-11-23"


def fresh_repo(base: Path) -> Path:
    return copy_repository(base / "repo")

# Loads every config of each tag from the stand-in and of the local release, and compares them.
COMPARE = r"""
import json, sys
import datasets
from huggingface_hub import HfApi

root, repo_id = sys.argv[1], sys.argv[2]
report = {}
for version in sys.argv[3:]:
    local = f"{root}/dist/{version}"
    configs = datasets.get_dataset_config_names(repo_id, revision=f"v{version}")
    entry = {"configs": sorted(configs), "equal": {}}
    for config in configs:
        hub = datasets.load_dataset(repo_id, config, revision=f"v{version}")
        mine = datasets.load_dataset(local, config)
        entry["equal"][config] = (sorted(hub) == sorted(mine) and all(
            hub[s].features == mine[s].features and hub[s].to_list() == mine[s].to_list() for s in hub))
    report[version] = entry
api = HfApi()
refs = api.list_repo_refs(repo_id, repo_type="dataset")
report["tags"] = {t.name: t.target_commit for t in refs.tags}
print(json.dumps(report))
"""


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=300)


def test_two_releases_published_then_loaded_by_tag(tmp_path, hub):
    root = fresh_repo(tmp_path)
    cut_release(Repo(root), bump="minor", date=DATE, repo_id=REPO_ID)
    env = hub_env(hub, tmp_path / "hf-home", TOKEN)
    first = run(["-m", "pourparlers", "--root", str(root), "publish", "--repo-id", REPO_ID, "--private"], env)
    assert first.returncode == 0, first.stderr
    assert hub.repos[REPO_ID].private
    assert "Published v0.1.0: " in first.stdout

    shutil.copy2(EXPORT, root / "annotations" / EXPORT.name)
    cut_release(Repo(root), bump="minor", date=DATE, repo_id=REPO_ID)
    second = run(["-m", "pourparlers", "--root", str(root), "publish"], env)  # repo id of the release
    assert second.returncode == 0, second.stderr
    # progress bars on stderr; the 6 Parquet files that did not change are not sent again
    assert "Upload 8 LFS files: 100%" in second.stderr

    again = run(["-m", "pourparlers", "--root", str(root), "publish", "--repo-id", REPO_ID], env)
    assert again.returncode == 1
    assert ("Error [publish-refused]: acme/pourparlers already has the tag v0.2.0: a published release "
            "is never replaced") in again.stderr
    for result in (first, second, again):
        assert TOKEN not in result.stdout + result.stderr

    # dist/ is not in git: a maintainer on a fresh clone downloads the previous release as the
    # error message says, and it passes the manifest check the next release makes
    shutil.rmtree(root / "dist" / "0.2.0")
    download = subprocess.run([str(Path(sys.executable).with_name("hf")), "download", REPO_ID, "--repo-type",
                               "dataset", "--revision", "v0.2.0", "--local-dir", str(root / "dist" / "0.2.0")],
                              env=env, capture_output=True, text=True, timeout=300)
    assert download.returncode == 0, download.stderr

    # 0.2.1 drops the only stance, so its config leaves the release; 0.2.2 (same data) is published
    # and its commit deletes the config on main
    path = root / "annotations" / EXPORT.name
    tasks = json.loads(path.read_text(encoding="utf-8"))
    result = tasks[0]["annotations"][0]["result"]
    stance = next(item["id"] for item in result if item.get("from_name") == "stance")
    kept = [item for item in result if stance not in (item.get("id"), item.get("from_id"))]
    tasks[0]["annotations"][0]["result"] = kept
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert "stances" not in cut_release(Repo(root), bump="patch", date=DATE, repo_id=REPO_ID).configs
    cut_release(Repo(root), bump="patch", date=DATE, repo_id=REPO_ID)  # 0.2.2, nothing changed
    third = run(["-m", "pourparlers", "--root", str(root), "publish"], env)  # the newest: 0.2.2
    assert third.returncode == 0, third.stderr
    older = run(["-m", "pourparlers", "--root", str(root), "publish", "--version", "0.2.1"], env)
    assert older.returncode == 1
    assert ("Error [publish-refused]: acme/pourparlers already has v0.2.2, newer than v0.2.1: publishing "
            "v0.2.1 would move `main` back to older data") in older.stderr

    repo = hub.repos[REPO_ID]
    assert sorted(repo.tags) == ["v0.1.0", "v0.2.0", "v0.2.2"]
    # one commit per release on top of the repo's initial commit, each tag on its own commit
    assert len(repo.commits) == 4 and repo.tags["v0.2.2"] == repo.branches["main"]
    assert "stances/train-00000-of-00001.parquet" in repo.commits[repo.tags["v0.2.0"]].files
    assert not any(p.startswith("stances/") for p in repo.commits[repo.tags["v0.2.2"]].files)
    assert {path for path in repo.commits[repo.tags["v0.1.0"]].files} == {
        ".gitattributes", "README.md", "manifest.json", "CITATION.cff", "labels.parquet", "croissant.json",
        "actors/train-00000-of-00001.parquet",
        *(f"{c}/{s}-00000-of-00001.parquet" for c in ("articles", "documents", "ner", "ner_sentences")
          for s in ("train", "test"))}

    compared = run(["-c", COMPARE, str(root), REPO_ID, "0.1.0", "0.2.0", "0.2.2"], env)
    assert compared.returncode == 0, compared.stderr
    report = json.loads(compared.stdout.strip().splitlines()[-1])
    assert report["0.1.0"]["configs"] == ["actors", "articles", "documents", "ner", "ner_sentences"]
    assert report["0.2.0"]["configs"] == ["actors", "annotations", "articles", "documents", "entities", "events",
                                          "ner", "ner_sentences", "stances"]
    assert report["0.2.2"]["configs"] == ["actors", "annotations", "articles", "documents", "entities", "events",
                                          "ner", "ner_sentences"]
    assert all(all(report[v]["equal"].values()) for v in ("0.1.0", "0.2.0", "0.2.2"))
    assert report["tags"] == {tag: repo.tags[tag] for tag in ("v0.1.0", "v0.2.0", "v0.2.2")}
    assert hub.unhandled == []


def test_dry_run_prints_the_plan_without_network_or_token(tmp_path, capsys):
    root = fresh_repo(tmp_path)
    cut_release(Repo(root), bump="minor", date=DATE)
    capsys.readouterr()
    assert main(["--root", str(root), "publish", "--repo-id", REPO_ID, "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"Publish {root / 'dist' / '0.1.0'} to https://huggingface.co/datasets/{REPO_ID}")
    assert "2. refuse if the tag v0.1.0, or a newer version tag, already exists" in printed
    assert '3. one commit "Release v0.1.0" uploading 14 file(s)' in printed
    assert "     articles/train-00000-of-00001.parquet  " in printed
    assert "4. tag that commit v0.1.0" in printed
    assert "Warning: the card of this release names the repo '<owner>/pourparlers'" in printed
    assert printed.rstrip().endswith("Dry run: nothing was uploaded or tagged.")


def test_publish_refuses_what_is_not_an_intact_release(tmp_path):
    root = fresh_repo(tmp_path)
    with pytest.raises(PublishError, match="no release to publish"):
        plan_publish(Repo(root), REPO_ID)
    cut_release(Repo(root), bump="minor", date=DATE)
    with pytest.raises(RepoIdError, match="is not ORG/NAME") as refused:
        plan_publish(Repo(root), "pourparlers")
    assert refused.value.code == "repo-id-invalid"
    with pytest.raises(RepoIdError, match="is not a Hub repo id"):
        plan_publish(Repo(root), "acme/pour\nparlers")
    with pytest.raises(PublishError, match="cut without a Hub repo id"):
        plan_publish(Repo(root))  # cut without --repo-id: the placeholder is never published to
    (root / "dist" / "0.1.0" / "README.md").write_text("edited", encoding="utf-8")
    with pytest.raises(ReleaseMismatch, match="does not match its manifest: changed: README.md") as refused:
        plan_publish(Repo(root), REPO_ID)
    assert refused.value.code == "release-mismatch"


def test_publish_refuses_a_release_that_fails_verify_and_lists_its_problems(tmp_path, hub, capsys):
    """A release whose files match its manifest but whose tables are wrong (as a broken build
    would cut it) is refused before anything reaches the Hub."""
    root = copy_repository(tmp_path / "repo", annotations=True)
    folder = cut_release(Repo(root), bump="minor", date=DATE, repo_id=REPO_ID).path
    entities = folder / "entities" / "train-00000-of-00001.parquet"
    entity = {}

    def shifted(rows):
        entity.update(rows[0])
        rows[0]["start"] += 1

    edit_parquet(entities, shifted)
    refresh_checksums(folder)   # croissant.json and the manifest vouch for the file, as a broken build's would
    write_manifest(folder, {k: v for k, v in read_manifest(folder).items() if k != "files"})
    with pytest.raises(InvalidData) as refused:
        plan_publish(Repo(root), REPO_ID)
    assert refused.value.code == "publish-refused"
    assert str(refused.value) == "release 0.1.0 fails verify: 1 problem(s)"
    assert [(p.code, p.file, p.article_id, p.region_id) for p in refused.value.problems] == [
        ("span-text-mismatch", "entities/train-00000-of-00001.parquet", entity["article_id"], entity["id"])]
    capsys.readouterr()
    assert main(["--root", str(root), "publish", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "Error [publish-refused]: release 0.1.0 fails verify: 1 problem(s)" in err
    assert (f"entities/train-00000-of-00001.parquet, article {entity['article_id']}, region {entity['id']}: "
            "[span-text-mismatch]") in err
    env = hub_env(hub, tmp_path / "hf-home", TOKEN)
    done = run(["-m", "pourparlers", "--root", str(root), "publish"], env)
    assert done.returncode == 1 and "Error [publish-refused]" in done.stderr
    assert REPO_ID not in hub.repos                      # nothing was created or uploaded


@pytest.mark.parametrize("extra", ["entities/.smuggled.parquet", ".hidden/x.parquet", "notes.txt"])
def test_a_file_the_manifest_does_not_list_is_refused_and_never_uploaded(tmp_path, hub, extra):
    root = fresh_repo(tmp_path)
    cut_release(Repo(root), bump="minor", date=DATE, repo_id=REPO_ID)
    folder = root / "dist" / "0.1.0"
    planned = sorted(path for path, _, _ in plan_publish(Repo(root), REPO_ID).files)
    (folder / extra).parent.mkdir(parents=True, exist_ok=True)
    (folder / extra).write_bytes(b"PAR1 not what the manifest vouches for")
    with pytest.raises(ReleaseMismatch, match=f"not in the manifest: {re.escape(extra)}"):
        plan_publish(Repo(root), REPO_ID)
    env = hub_env(hub, tmp_path / "hf-home", TOKEN)
    refused = run(["-m", "pourparlers", "--root", str(root), "publish"], env)
    assert refused.returncode == 1 and "Error [release-mismatch]" in refused.stderr
    assert REPO_ID not in hub.repos                      # nothing was created or uploaded
    (folder / extra).unlink()
    done = run(["-m", "pourparlers", "--root", str(root), "publish"], env)
    assert done.returncode == 0, done.stderr
    [branch] = [hub.repos[REPO_ID].branches["main"]]
    assert sorted(set(hub.repos[REPO_ID].commits[branch].files) - {".gitattributes"}) == planned  # (the Hub's own)


def test_publish_without_a_token_says_how_to_log_in(tmp_path, monkeypatch):
    root = fresh_repo(tmp_path)
    cut_release(Repo(root), bump="minor", date=DATE)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(PublishError) as refused:
        publish(plan_publish(Repo(root), REPO_ID))
    assert str(refused.value) == "no Hugging Face token found"
    assert refused.value.hint == "set HF_TOKEN, or run `hf auth login` once"


def test_publish_to_a_hub_that_does_not_answer_is_an_error_not_a_traceback(tmp_path):
    root = fresh_repo(tmp_path)
    cut_release(Repo(root), bump="minor", date=DATE, repo_id=REPO_ID)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{free_port()}",   # nothing listens there
               HF_HOME=str(tmp_path / "home"), HF_HUB_DISABLE_TELEMETRY="1", HF_TOKEN=TOKEN)
    done = run(["-m", "pourparlers", "--root", str(root), "publish"], env)
    assert done.returncode == 1
    assert f"Error [publish-refused]: cannot reach the Hub at {env['HF_ENDPOINT']}" in done.stderr
    assert "Traceback" not in done.stderr and TOKEN not in done.stderr + done.stdout
