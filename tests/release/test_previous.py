"""The previous release of a fresh clone: dist/ is not in git, so `release` rebuilds it from the
source repository's tag with the tag's own package, or says how to download it."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from helpers import REPO, SEEDS

from pourparlers.ingest import ingest
from pourparlers.release import cut_release
from pourparlers.release.versions import ReleaseError
from pourparlers.repo import Repo

DATE = "2026-12-06"


def git(root, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
                    *args], check=True, capture_output=True)


@pytest.fixture
def clone(tmp_path):
    """A git repository holding the tracked files of this one, with 0.1.0 cut, committed and
    tagged, and dist/ removed as a fresh clone has it."""
    root = tmp_path / "clone"
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (REPO / name).is_file() and not name.startswith(("tests/", "benchmarks/")):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## [0.1.0] - unreleased\n\nThe seeds.\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sources")
    cut_release(Repo(root), version="0.1.0", date=DATE)
    git(root, "commit", "-q", "-am", "release 0.1.0")
    git(root, "tag", "v0.1.0")
    shutil.rmtree(root / "dist")
    return root


def test_a_fresh_clone_rebuilds_the_previous_release_from_its_tag(clone):
    source = next(SEEDS.glob("001_*.txt"))
    (added,) = ingest([source], Repo(clone))
    result = cut_release(Repo(clone), bump="minor", date=DATE)
    assert (result.version, result.previous) == ("0.2.0", "0.1.0")
    assert result.diff.articles_added == [added["article_id"]]
    assert not result.diff.articles_removed and not result.diff.schema
    assert not any(result.diff.annotations.values())     # the five annotated articles: no change
    assert sorted(p.name for p in (clone / "dist").iterdir()) == ["0.2.0"]   # the rebuild is not kept


def test_without_the_folder_or_a_tag_release_says_how_to_download_it(clone):
    git(clone, "tag", "-d", "v0.1.0")
    with pytest.raises(ReleaseError) as refused:
        cut_release(Repo(clone), bump="patch", date=DATE, repo_id="acme/pourparlers")
    assert "is not in dist/0.1.0, and the repository has no tag v0.1.0" in str(refused.value)
    assert ("hf download acme/pourparlers --repo-type dataset --revision v0.1.0 --local-dir dist/0.1.0"
            in refused.value.hint)
