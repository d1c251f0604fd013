"""Test-session setup: Hugging Face libraries stay offline and cache into a temporary folder
(removed when the session ends).

The variables are read when `datasets` is imported, so they are set here, before any test
module imports it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_HF_HOME = tempfile.mkdtemp(prefix="pourparlers-hf-")
os.environ["HF_HOME"] = _HF_HOME
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_UPDATE_DOWNLOAD_COUNTS"] = "0"
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the repository's articles and schema, safe to modify, with an empty annotations/.

    Tests put the exports they need into it; `repo_with_annotations` has the repository's own.
    """
    root = tmp_path / "repo"
    root.mkdir()
    (root / "annotations").mkdir()
    for name in ("schema", "raw"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, root / name)
        else:
            (root / name).mkdir()
    for name in ("CHANGELOG.md", "DATASET_CARD.md"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, root / name)
    return root


@pytest.fixture
def repo_with_annotations(repo_copy: Path) -> Path:
    """`repo_copy` with the repository's gold and second annotations."""
    shutil.rmtree(repo_copy / "annotations")
    shutil.copytree(REPO / "annotations", repo_copy / "annotations")
    return repo_copy


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, to prove a failed command changed nothing."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    """A real Label Studio on 127.0.0.1, started once per test session on a fresh data dir.

    The server itself is installed once into the repository's git-ignored `.labelstudio/venv`
    (its own environment: it pins pyarrow<25). The first start migrates SQLite (~1.5 min).
    """
    from pourparlers import labelstudio_server as server

    reuse = os.environ.get("POURPARLERS_TEST_LABEL_STUDIO_HOME")
    if reuse:  # a developer's already running local server, to skip the 1.5 min start-up
        running = server.running(Path(reuse))
        assert running, f"no Label Studio running from {reuse}"
        yield running
        return
    python = server.install(server.home_dir(REPO))
    home = tmp_path_factory.mktemp("labelstudio")
    running = server.start(home, port=_free_port(), python=python)
    try:
        yield running
    finally:
        server.stop(home)


def unique_title(request) -> str:
    """A project title of the test's own, so tests never see each other's tasks."""
    import uuid

    return f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def ls_env(label_studio, monkeypatch):
    """Point the package's Label Studio client at the session's server, as a user would."""
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.credentials.token)
    return label_studio


@pytest.fixture
def ls_client(ls_env):
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=ls_env.url, api_key=ls_env.credentials.token)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HF_HOME, ignore_errors=True)
