"""SHA-256 digests, the one way the project checksums texts and files."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(data: str | bytes) -> str:
    """The hex digest of bytes, or of a string's UTF-8 encoding."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The hex digest of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
