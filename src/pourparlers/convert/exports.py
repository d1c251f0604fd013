"""Reading one export file of annotations/: never through a link, never past a size limit.

A file that cannot be read, parsed or recognised as a list of Label Studio tasks becomes one
problem naming the file; its tasks then count as not converted.
"""

from __future__ import annotations

import gc
import json
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
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
    if _may_repeat_keys(raw, data):
        repeated = duplicate_keys(raw)
        if repeated:
            return None, [_file_problem(
                "duplicate-key", file, f"key {key!r} appears twice in one object" + (
                    f" (and {len(repeated) - 1} more repeated key(s))" if len(repeated) > 1 else ""),
                expected="each key once per JSON object", line=line) for line, key in repeated[:1]]
    if type(data) is dict:
        data = [data]
    elif type(data) is not list or not data:
        what = "an empty list" if type(data) is list else f"a JSON {type(data).__name__}"
        return None, [_file_problem("export-shape", file, f"the export is {what}",
                                   expected="a JSON list of task objects")]
    return data, _people(data, file) if b"@" in raw else []   # (a byte scan first: it is rare)


def _may_repeat_keys(raw: bytes, data: object) -> bool:
    """Whether the file may hold a key twice in one object (a JSON parser keeps the last value
    silently). A parsed object holds each key once: its compact serialization has one colon
    per key plus the colons inside strings, like the file, so the file has more colons exactly
    when a key repeats (or when a colon is escaped as \\u003a in a string: then look too).
    numpy counts bytes a few times faster than `bytes.count`; the serialization is the main cost."""
    if _count(raw, _COLON) != _count(orjson.dumps(data), _COLON):
        return True
    array = np.frombuffer(raw, np.uint8)
    escapes = np.flatnonzero(array[:-5] == _BACKSLASH)
    return any(raw[at + 1:at + 6].lower() == b"u003a" for at in escapes[array[escapes + 1] == _U].tolist())


_COLON, _BACKSLASH, _U = ord(":"), ord("\\"), ord("u")


def _count(data: bytes, byte: int) -> int:
    return int(np.count_nonzero(np.frombuffer(data, np.uint8) == byte))


_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]:]')


def duplicate_keys(raw: bytes) -> list[tuple[int, str]]:
    """(line, key) of every key repeated within one JSON object of a document, in order.

    The parse lost the first values, so the file is tokenized again (strings, brackets and
    colons): a string right before a colon is a key of the innermost open object."""
    found: list[tuple[int, str]] = []
    keys: list[set | None] = []        # per open bracket: the object's keys, None for a list
    last = None                        # the string token just before, with its position
    for token in _TOKEN.finditer(raw):
        text = token.group()
        if text == b"{":
            keys.append(set())
        elif text == b"[":
            keys.append(None)
        elif text in (b"}", b"]"):
            if keys:
                keys.pop()
        elif text == b":" and last is not None and keys and keys[-1] is not None:
            key = json.loads(last.group())
            if key in keys[-1]:
                found.append((raw.count(b"\n", 0, last.start()) + 1, key))
            keys[-1].add(key)
        last = token if text[:1] == b'"' else None
    return found


def _people(tasks: list, file: str) -> list[Problem]:
    return [problem("personal-data", f"{where} names a person: {_shown(value)}", file=file,
                    expected="a user id only", field=where)
            for where, value in people_in(tasks)]


def _shown(value: str) -> str:
    """A person's address as the problem shows it: enough to find it, not to copy it."""
    name, at, domain = value.partition("@")
    return f"{name[:1]}…{at}{domain}" if at else f"{value[:1]}…"

