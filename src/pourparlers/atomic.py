"""Atomic writes: a failed run must leave `raw/`, `annotations/` and `dist/` as they were, and no
command deletes or replaces what it did not make.

A file is written to a temporary sibling and renamed over its name; a folder is built in a
staging sibling and swapped in by rename (`staged_folder`), the only folder swap of the code. A
folder a command makes for the user (`output_folder`: a build, converted tables, a rehydrated
release) carries a marker naming its kind: it may replace a new or empty folder, or a folder with
the same marker, and nothing else, so `--out .` or `--out raw` is refused, not emptied.
Staging folders left by a run that was killed are cleaned by the next one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pourparlers.errors import PourparlersError

MARKER = ".pourparlers-output"
"""The file in every folder `output_folder` makes; it holds the folder's kind."""


class FolderNotOurs(PourparlersError):
    """A command was asked to replace a folder (or file) it did not make."""

    code = "folder-not-ours"


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
    aside = final.with_name(f".{final.name}.previous-{os.getpid()}-{uuid.uuid4().hex[:8]}")
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
    staged = Path(tempfile.mkdtemp(prefix=f".{final.name}.staging-{os.getpid()}-", dir=final.parent))
    try:
        os.chmod(staged, 0o777 & ~_umask())
        yield staged
        swap_in(staged, final)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def clean_leftovers(final: Path) -> list[Path]:
    """Remove the staging folders of `final` that a killed run left (its process is gone); an
    old version moved aside by a run killed mid-swap is put back when `final` is missing.
    Returns what was removed or restored."""
    final = Path(final)
    done = []
    try:
        siblings = list(final.parent.iterdir())
    except OSError:
        return done
    for sibling in sorted(siblings):
        for kind in ("staging", "previous"):
            prefix = f".{final.name}.{kind}-"
            pid = sibling.name[len(prefix):].split("-", 1)[0] if sibling.name.startswith(prefix) else ""
            if not pid.isdigit() or _alive(int(pid)) or not sibling.is_dir() or sibling.is_symlink():
                continue
            if kind == "previous" and not final.exists():
                os.rename(sibling, final)
            else:
                shutil.rmtree(sibling, ignore_errors=True)
            done.append(sibling)
    return done


def _kind_of(folder: Path) -> str | None:
    marker = folder / MARKER
    try:
        if marker.is_file() and not marker.is_symlink():
            return marker.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        pass
    return None


def check_replaceable(final: Path, kind: str) -> None:
    """Refuse unless `final` is new, an empty folder, or an earlier `kind` output of ours."""
    final = Path(final)
    if final.is_symlink() or (final.exists() and not final.is_dir()):
        what = "a symbolic link" if final.is_symlink() else "a file"
        raise FolderNotOurs(f"{final} is {what}, not a folder pourparlers made: refusing to replace it",
                            "choose another --out (a new folder)")
    if not final.exists():
        return
    try:
        empty = not any(final.iterdir())
    except OSError as error:
        raise FolderNotOurs(f"{final} cannot be read ({error.strerror}): refusing to replace it",
                            "choose another --out (a new folder)") from None
    if empty:
        return
    found = _kind_of(final)
    if found != kind:
        made = f"holds a {found} output, not a {kind}" if found else "was not made by pourparlers"
        raise FolderNotOurs(f"{final} {made} (no {MARKER} file saying {kind!r}): refusing to replace it",
                            "choose another --out (a new folder), or move that folder away yourself")


@contextmanager
def output_folder(final: Path, kind: str) -> Iterator[Path]:
    """A folder a command makes whole for the user, marked as `kind`: staged and swapped in
    (`staged_folder`), replacing only a new or empty folder or an earlier `kind` output."""
    final = Path(final)
    check_replaceable(final, kind)
    clean_leftovers(final)
    with staged_folder(final) as staged:
        (staged / MARKER).write_text(f"{kind}\n", encoding="utf-8")
        yield staged
