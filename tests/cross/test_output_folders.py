"""No command deletes or replaces what it did not make: an output folder must be new, empty, or
an earlier output of the same command (its marker says so); staging folders of a killed run are
cleaned by the next one; files and folders follow the umask."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, snapshot

from pourparlers import atomic
from pourparlers.cli import main

EXPORT = FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json"
FOLDERS = ("raw", "annotations", "schema", "dist")


def state(root: Path) -> dict:
    return {name: snapshot(root / name) for name in FOLDERS} | {
        "top": sorted(p.name for p in root.iterdir()), "git": snapshot(root / ".git")}


@pytest.fixture
def repo(repo_copy: Path) -> Path:
    shutil.copy2(EXPORT, repo_copy / "annotations" / EXPORT.name)
    (repo_copy / ".git").mkdir()
    (repo_copy / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    release = repo_copy / "dist" / "0.0.9"
    release.mkdir(parents=True)
    (release / "README.md").write_text("a release someone keeps\n", encoding="utf-8")
    return repo_copy


@pytest.mark.parametrize("out", [".", "raw", "annotations", "dist", "schema", "dist/0.0.9", ".git"])
@pytest.mark.parametrize("verb", [["build"], ["build", "--no-text"], ["convert"]])
def test_an_out_folder_the_command_did_not_make_is_refused(repo, verb, out, capsys):
    before = state(repo)
    assert main(["--root", str(repo), *verb, "--out", str(repo / out)]) == 1
    err = capsys.readouterr().err
    assert f"Error [folder-not-ours]: {repo / out}" in err and "refusing to replace it" in err
    assert state(repo) == before


def test_an_out_that_is_a_file_or_a_link_is_refused(repo, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine\n", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(repo / "raw")
    for out, what in ((target, "a file"), (link, "a symbolic link")):
        for verb in ("build", "convert"):
            assert main(["--root", str(repo), verb, "--out", str(out)]) == 1
            assert f"{out} is {what}, not a folder pourparlers made" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "mine\n" and link.is_symlink()
    assert snapshot(repo / "raw") == snapshot(Path(os.readlink(link)))


def test_a_new_or_empty_folder_or_an_earlier_output_is_written(repo, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (tmp_path / "new", empty):
        assert main(["--root", str(repo), "build", "--out", str(out)]) == 0
        assert (out / "README.md").exists() and (out / atomic.MARKER).read_text() == "release\n"
        assert main(["--root", str(repo), "build", "--no-text", "--out", str(out)]) == 0   # replaced
        assert main(["--root", str(repo), "convert", "--out", str(out)]) == 1           # another kind
    assert main(["--root", str(repo), "convert", "--out", str(tmp_path / "tables")]) == 0
    assert main(["--root", str(repo), "convert", "--out", str(tmp_path / "tables")]) == 0
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == [
        atomic.MARKER, "articles.parquet", "entities.parquet", "event_arguments.parquet",
        "events.parquet", "stances.parquet"]


def test_the_staging_folder_of_a_killed_build_is_cleaned_by_the_next_run(repo, tmp_path):
    """A build killed with SIGKILL while it writes leaves its staging folder; the next build of
    the same target removes it (its process is gone) and leaves no other."""
    out = tmp_path / "dist" / "0.1.0"
    slow = ("import sys, time\n"
            "import pourparlers.build.parquet as parquet\n"
            "def stall(*a, **k):\n"
            "    sys.stdout.write('writing\\n'); sys.stdout.flush(); time.sleep(60)\n"   # one write: two threads stall
            "parquet.ParquetStream.write = stall\n"
            "from pourparlers.cli import main\n"
            f"main(['--root', {str(repo)!r}, 'build', '--out', {str(out)!r}])\n")
    process = subprocess.Popen([sys.executable, "-c", slow], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "writing\n"
    process.kill()
    process.wait()
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".0.1.0.staging-")]
    assert len(leftovers) == 1 and not out.exists()
    assert main(["--root", str(repo), "build", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["0.1.0"]


def test_a_version_moved_aside_by_a_killed_swap_is_put_back(tmp_path):
    final = tmp_path / "0.1.0"
    aside = tmp_path / ".0.1.0.previous-999999999-abcd1234"   # no such process
    aside.mkdir()
    (aside / "README.md").write_text("the old build\n", encoding="utf-8")
    assert atomic.clean_leftovers(final) == [aside]
    assert (final / "README.md").read_text(encoding="utf-8") == "the old build\n"


def test_outputs_follow_the_umask(repo, tmp_path):
    old = os.umask(0o022)
    try:
        assert main(["--root", str(repo), "build", "--out", str(tmp_path / "out")]) == 0
        assert main(["--root", str(repo), "convert", "--out", str(tmp_path / "tables")]) == 0
    finally:
        os.umask(old)
    for folder in (tmp_path / "out", tmp_path / "tables"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755
        for path in folder.rglob("*"):
            assert stat.S_IMODE(path.stat().st_mode) == (0o755 if path.is_dir() else 0o644), path
