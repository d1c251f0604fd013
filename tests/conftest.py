"""Test-session setup: Hugging Face libraries stay offline and cache into a temporary folder.

The variables are read when `datasets` is imported, so they are set here, before any test
module imports it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="pourparlers-hf-")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_UPDATE_DOWNLOAD_COUNTS"] = "0"
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the repository's data and schema, safe to modify."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("schema", "raw", "annotations"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, root / name)
        else:
            (root / name).mkdir()
    for name in ("CHANGELOG.md", "DATASET_CARD.md"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, root / name)
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, to prove a failed command changed nothing."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
