"""Nothing lost, nothing half-written: each command that writes (ingest, convert --out, build,
schema), made to fail through the real CLI, leaves raw/, annotations/, dist/ and schema/
byte-identical, with no temporary file left behind; and every write in src/ goes through
`pourparlers.atomic` (or into a folder that `atomic.new_directory` renames whole).
"""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, snapshot

from pourparlers import atomic
from pourparlers.cli import main

EXPORT = FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json"
SEEDS = Path("/work/shared/seeds")
FOLDERS = ("raw", "annotations", "dist", "schema")


def state(root: Path) -> dict[str, dict[str, bytes]]:
    return {name: snapshot(root / name) for name in FOLDERS}


@pytest.fixture
def repo(repo_copy: Path) -> Path:
    """The repository copy with the good export and a previous release in dist/."""
    shutil.copy2(EXPORT, repo_copy / "annotations" / EXPORT.name)
    previous = repo_copy / "dist" / "0.1.0"
    previous.mkdir(parents=True)
    (previous / "README.md").write_text("the previous release\n", encoding="utf-8")
    return repo_copy


def break_export(root: Path) -> None:
    export = root / "annotations" / EXPORT.name
    export.write_bytes(export.read_bytes().replace(b'"labels":["PER"]', b'"labels":["PERSON"]', 1))


def fail_on_call(monkeypatch: pytest.MonkeyPatch, n: int) -> list:
    """Make the n-th atomic rename fail, as a full disk or a killed process would."""
    calls: list = []
    real = os.replace

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == n:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    return calls


def article_files(tmp_path: Path) -> list[Path]:
    """Two new articles: the first paragraphs of two seeds (not in raw/ as such)."""
    files = []
    for seed in sorted(SEEDS.glob("00[12]_*.txt")):
        path = tmp_path / f"new-{seed.name}"
        path.write_text(seed.read_text(encoding="utf-8").split("\n\n")[0] + "\n", encoding="utf-8")
        files.append(path)
    return files


# ------------------------------------------------------------------------------- ingest


def test_ingest_refused_midway_writes_nothing(repo: Path, tmp_path: Path, capsys) -> None:
    good, other = article_files(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    before = state(repo)
    assert main(["--root", str(repo), "ingest", str(good), str(other), str(empty)]) == 1
    assert "empty file" in capsys.readouterr().err
    assert state(repo) == before


def test_ingest_failing_while_writing_leaves_raw_as_it_was(repo: Path, tmp_path: Path,
                                                         monkeypatch) -> None:
    """The third file of four (second article's text) fails: the first article's two files,
    already in place, are taken back."""
    files = article_files(tmp_path)
    before = state(repo)
    calls = fail_on_call(monkeypatch, 3)
    with pytest.raises(OSError, match="No space left"):
        main(["--root", str(repo), "ingest", *map(str, files)])
    assert len(calls) == 3
    assert state(repo) == before


def test_ingest_never_replaces_a_raw_file(repo: Path, tmp_path: Path, capsys) -> None:
    """A raw text left without metadata is not overwritten by a new ingest of the same bytes."""
    source = REPO / "raw" / "pp-0a488f442605.txt"
    (repo / "raw" / "pp-0a488f442605.json").unlink()
    before = state(repo)
    assert main(["--root", str(repo), "ingest", str(source)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert state(repo) == before


# ------------------------------------------------------------------------------- convert


def test_convert_with_problems_writes_no_table(repo: Path, capsys) -> None:
    break_export(repo)
    before = state(repo)
    assert main(["--root", str(repo), "convert", "--out", str(repo / "dist" / "tables")]) == 1
    assert "no table was written" in capsys.readouterr().err
    assert state(repo) == before


def test_convert_failing_while_writing_leaves_no_folder(repo: Path, monkeypatch) -> None:
    before = state(repo)
    fail_on_call(monkeypatch, 4)
    with pytest.raises(OSError, match="No space left"):
        main(["--root", str(repo), "convert", "--out", str(repo / "dist" / "tables")])
    assert state(repo) == before
    assert sorted(p.name for p in (repo / "dist").iterdir()) == ["0.1.0"]


# ------------------------------------------------------------------------------- build


def test_build_failing_after_the_parquet_leaves_dist(repo: Path, capsys) -> None:
    """A card template the renderer refuses fails once every parquet file is written."""
    card = repo / "DATASET_CARD.md"
    card.write_text(card.read_text(encoding="utf-8") + "\n{{ no_such_placeholder }}\n",
                    encoding="utf-8")
    before = state(repo)
    assert main(["--root", str(repo), "build", "--version", "0.1.0"]) == 1
    assert "no_such_placeholder" in capsys.readouterr().err
    assert state(repo) == before
    assert sorted(p.name for p in (repo / "dist").iterdir()) == ["0.1.0"]


def test_build_of_an_invalid_version_writes_nothing(repo: Path, capsys) -> None:
    before = state(repo)
    assert main(["--root", str(repo), "build", "--version", "../../escape"]) == 1
    assert "not semantic" in capsys.readouterr().err
    assert state(repo) == before
    assert not (repo.parent / "escape").exists()


# ------------------------------------------------------------------------------- schema


def test_schema_failing_while_writing_leaves_schema(repo: Path, monkeypatch) -> None:
    config = repo / "schema" / "label_config.xml"
    config.write_text(config.read_text(encoding="utf-8").replace("MEETING", "MEET"),
                      encoding="utf-8")
    before = state(repo)
    fail_on_call(monkeypatch, 1)
    with pytest.raises(OSError, match="No space left"):
        main(["--root", str(repo), "schema"])
    assert state(repo) == before


def test_schema_of_an_inconsistent_taxonomy_writes_nothing(repo: Path) -> None:
    taxonomy = repo / "schema" / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace("  - name: ORG\n",
                                                                    "  - name: ORG,GPE\n", 1),
                        encoding="utf-8")
    before = state(repo)
    with pytest.raises(ValueError, match="unknown types"):
        main(["--root", str(repo), "schema"])
    assert state(repo) == before


# ------------------------------------------------------------------------------- audit

# Every call in src/ that writes bytes somewhere other than through `pourparlers.atomic`, and
# why each is safe. A new one fails the audit until it is made atomic or listed here.
ALLOWED_WRITES = {
    ("atomic.py", "write_bytes"): "the temporary file itself, then renamed over the target",
    ("atomic.py", "write_text"): "encodes, then atomic.write_bytes",
    ("build.py", "build_release"): "parquet and card written inside atomic.new_directory(staged), "
                                   "which is renamed whole",
    ("build.py", "_write_config"): "called only by build_release, into its staged directory",
    ("build.py", "write_parquet"): "called only into a staged directory: build_release's, or "
                                   "rehydrate's atomic.new_directory",
    ("convert.py", "write_tables"): "pq.write_table into an in-memory buffer, then atomic",
    # Modules of the Label Studio workflow (on main): neither writes into the repository's data.
    ("pull.py", "check_files"): "the pulled files into a TemporaryDirectory, to validate them "
                                "before the atomic writes into annotations/",
    ("labelstudio_server.py", "start"): "appends the server log in .labelstudio/ (git-ignored)",
    ("release.py", "rehydrate"): "parquet written inside atomic.new_directory(out_dir), renamed whole",
    # The benchmark writes only its own synthetic corpus and scratch files in a temporary folder.
    ("bench.py", "generate"): "the synthetic corpus, in the benchmark's temporary folder",
    ("bench.py", "corrupt"): "the 1 %-broken tables, in the benchmark's temporary folder",
    ("bench.py", "_step_write_table"): "the write_table anchor itself, into scratch",
    ("bench.py", "_step_write_release"): "the write_table anchor itself, into scratch",
}
WRITERS = {"write_text", "write_bytes", "to_parquet", "write_table", "save_to_disk"}


def _writes(path: Path) -> set[tuple[str, str]]:
    """(file, function) of every non-atomic call that writes or opens a file for writing."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    atomic_names = {alias.asname or alias.name for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module == "pourparlers.atomic"
                    for alias in node.names}
    found = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            through_atomic = (isinstance(func, ast.Name) and name in atomic_names) or (
                isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "atomic")
            writes = name in WRITERS and not through_atomic
            if name in {"open", "fdopen"}:
                modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
                modes += [k.value.value for k in node.keywords
                          if k.arg == "mode" and isinstance(k.value, ast.Constant)]
                writes = any(set(str(m)) & set("wax+") for m in modes)
            if writes:
                found.add((path.name, function.name))
    return found


def test_every_write_in_src_is_atomic() -> None:
    found = set()
    for path in sorted((REPO / "src" / "pourparlers").glob("*.py")):
        found |= _writes(path)
    assert found, "the audit finds nothing: its patterns are out of date"
    assert found - set(ALLOWED_WRITES) == set()
