"""Reading one export file of annotations/: never through a link, never past a size limit.

A file that cannot be read, parsed or recognised as a list of Label Studio tasks becomes one
problem naming the file; its tasks then count as not converted.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from pourparlers.errors import MAX_EXPORT_MIB, Problem, problem
from pourparlers.people import people_in

# The largest export file convert reads. One article's export is kilobytes to a few megabytes;
# past this size a file is a mistake (a whole-project export, a binary), reported unread.
MAX_EXPORT_BYTES = MAX_EXPORT_MIB * 1024 * 1024


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while millions of acyclic objects are made (JSON, row tuples).

    Its generation scans are pure overhead here: the converter creates no reference cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _file_problem(code: str, file: str, message: str, expected: str = "", line: int = 0) -> Problem:
    return problem(code, message, file=file, expected=expected, line=line)


def read_export(path: Path, file: str) -> tuple[list | None, list[Problem]]:
    """The tasks of one export file (None when it cannot be read) and its file-level problems:
    what stopped it being read, or the persons it names (the caller pauses the GC). `file` is
    the name problems give it."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            what = ("a symbolic link" if stat.S_ISLNK(info.st_mode) else
                    "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file")
            return None, [_file_problem("not-a-regular-file", file, f"the export is {what}",
                                       expected="a regular file")]
        if info.st_size > MAX_EXPORT_BYTES:
            return None, [_file_problem(
                "file-too-large", file, f"the file has {info.st_size} bytes",
                expected=f"at most {MAX_EXPORT_BYTES} bytes")]
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        return None, [_file_problem("file-unreadable", file,
                                   f"cannot read the file: {error.strerror or error}")]
    if not raw.strip():
        return None, [_file_problem("file-empty", file, "the file is empty",
                                   expected="a JSON list of tasks")]
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return None, [_file_problem(
            "json-invalid", file,
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            expected="a complete JSON document", line=error.lineno)]
    if type(data) is dict:
        data = [data]
    elif type(data) is not list or not data:
        what = "an empty list" if type(data) is list else f"a JSON {type(data).__name__}"
        return None, [_file_problem("export-shape", file, f"the export is {what}",
                                   expected="a JSON list of task objects")]
    return data, _people(data, file) if b"@" in raw else []   # (a byte scan first: it is rare)


def _people(tasks: list, file: str) -> list[Problem]:
    return [problem("personal-data", f"{where} names a person: {_shown(value)}", file=file,
                    expected="a user id only", field=where)
            for where, value in people_in(tasks)]


def _shown(value: str) -> str:
    """A person's address as the problem shows it: enough to find it, not to copy it."""
    name, at, domain = value.partition("@")
    return f"{name[:1]}…{at}{domain}" if at else f"{value[:1]}…"

