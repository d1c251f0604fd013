"""Atomic writes: a failed run must leave `raw/`, `annotations/` and `dist/` as they were.

A file is written to a temporary sibling and renamed over its name; a folder is built in a
staging sibling and swapped in by rename (`staged_folder`), the only folder swap of the code.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, then rename.

    The file gets the permissions a plain `open()` would give it (0644 under the usual umask),
    not the 0600 of a temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def swap_in(staged: Path, final: Path) -> None:
    """Put the complete folder `staged` at `final` by rename; an existing `final` is moved
    aside first and removed once the new one is in place (restored if the rename fails)."""
    if not final.exists():
        os.rename(staged, final)
        return
    aside = final.with_name(f".{final.name}.previous-{uuid.uuid4().hex[:8]}")
    os.rename(final, aside)
    try:
        os.rename(staged, final)
    except BaseException:
        os.rename(aside, final)
        raise
    shutil.rmtree(aside)


@contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    """Yield an empty staging folder beside `final`; when the block succeeds it replaces
    `final` (`swap_in`), when it fails it is removed and `final` is untouched."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{final.name}.staging-", dir=final.parent))
    try:
        os.chmod(staged, 0o777 & ~_umask())
        yield staged
        swap_in(staged, final)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
