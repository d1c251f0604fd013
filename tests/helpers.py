"""What several test modules share: where the repository and the fixtures are, snapshots of
folders, and small conveniences. Test modules import from here, never from each other or from
conftest."""

from __future__ import annotations

import shutil
import socket
import uuid
from pathlib import Path
from typing import NoReturn

import pytest

from pourparlers.repo import Repo

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = FIXTURES / "seeds"
"""Paragraphs of the seed articles (the first of each), for tests that ingest new articles."""

LOUD_SKIPS: dict[str, str] = {}
"""What this test session could not check, and why: conftest prints it in a block at the end."""


def loud_skip(what: str, reason: str) -> NoReturn:
    """Skip tests this machine cannot run (no browser, no node) and say so at the end of the run:
    a missing tool must never pass for a green suite unnoticed."""
    LOUD_SKIPS[what] = reason
    pytest.skip(f"{what} SKIPPED: {reason}")


def copy_repository(root: Path, *, annotations: bool = False) -> Path:
    """A copy at `root` of the repository's articles, schema and documents, safe to modify;
    annotations/ is empty unless `annotations` (then it holds the repository's own exports)."""
    root.mkdir(parents=True)
    for name in ("schema", "raw", *(["annotations"] if annotations else [])):
        shutil.copytree(REPO / name, root / name)
    if not annotations:
        (root / "annotations").mkdir()
    for name in ("DATASET_CARD.md", "CITATION.cff"):
        shutil.copy2(REPO / name, root / name)
    # A repository before its first release (this one's CHANGELOG.md has moved on since).
    (root / "CHANGELOG.md").write_text(FIRST_CHANGELOG, encoding="utf-8")
    return root


FIRST_CHANGELOG = """# Changelog

## [0.1.0] - unreleased

### Added
- Five French news articles on the 2025 Russia–Ukraine negotiations, annotated.
"""


def taxonomy():
    """The repository's own taxonomy."""
    return Repo(REPO).taxonomy()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, to prove a failed command changed nothing."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def exports_in(repo: Repo) -> dict[str, Path]:
    """The export files of a repository's annotations/, as `convert_exports` takes them."""
    from pourparlers.corpus import annotation_files

    return annotation_files(repo)


def benchmark_module():
    """benchmarks/bench.py (a script of the repository, not of the package), imported."""
    import importlib.util
    import sys

    if "bench" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench", REPO / "benchmarks" / "bench.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unique_title(request) -> str:
    """A project title of the test's own, so tests never see each other's tasks."""
    return f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


def hub_env(hub, home: Path, token: str | None = None) -> dict[str, str]:
    """The environment of a process that talks to the Hub stand-in `hub` (`huggingface_hub`,
    `datasets`, `hf`) with its own cache in `home`, and `token` as HF_TOKEN."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(HF_ENDPOINT=hub.endpoint, HF_HUB_DISABLE_XET="1", HF_UPDATE_DOWNLOAD_COUNTS="0",
               HF_HOME=str(home), HF_HUB_DISABLE_TELEMETRY="1")
    if token:
        env["HF_TOKEN"] = token
    return env


def edit_parquet(path: Path, change) -> None:
    """Rewrite a Parquet file of a release with `change(rows)` applied to its rows (as
    `to_pylist` gives them: labels as ClassLabel ids), keeping its schema and its features."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    rows = table.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
