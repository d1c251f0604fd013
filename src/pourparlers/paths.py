"""Where the repository's folders are. Every command takes a `--root` so tests use copies."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(os.environ.get("POURPARLERS_ROOT", Path(__file__).resolve().parents[2]))
SCHEMA_DIR = REPO_ROOT / "schema"
RAW_DIR_NAME = "raw"
ANNOTATIONS_DIR_NAME = "annotations"
DIST_DIR_NAME = "dist"
