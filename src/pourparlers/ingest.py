"""Ingest: copy an article into `raw/` verbatim, record its metadata, give it a stable id.

`raw/<article_id>.txt` holds the bytes exactly as received and is never edited afterwards;
`raw/<article_id>.json` holds the metadata. The annotated text is `article_text(raw bytes)`,
a deterministic function of the raw file, and its SHA-256 is stored so any later change to
the raw file (hash drift) is caught before it silently shifts every offset.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import multiprocessing as mp
import os
import re
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pourparlers import atomic
from pourparlers.errors import IngestError, Problem, problem
from pourparlers.paths import RAW_DIR_NAME
from pourparlers.tables import ARTICLES

ARTICLE_ID = re.compile(r"\App-[0-9a-f]{12}\Z")
# Some sources prefix the first line with a metadata header: " date 2025-05 Titre…".
HEADER = re.compile(r"\A date (\d{4}(?:-\d{2}(?:-\d{2})?)?) ")
DATE = re.compile(r"\A\d{4}(?:-\d{2}(?:-\d{2})?)?\Z")
PRECISION = {4: "year", 7: "month", 10: "day"}
PARALLEL_FROM_FILES = 2_000   # metadata files from which raw/ is read in worker processes
CHUNK_FILES = 1_000           # metadata files a worker reads at a time
PROGRESS_EVERY = 100   # articles between two reports to `load_articles`' progress callback
TEXT_BATCH = 1_000     # texts turned into Arrow at a time (a French text is ~2 bytes per char in Python)


@dataclass(frozen=True)
class RawText:
    """The annotated text of a raw file and what its header said."""

    text: str
    header_date: str | None


def article_text(raw: bytes, file: str = "") -> RawText:
    """Decode and normalize a raw article: UTF-8 (BOM dropped), newlines to `\\n`, Unicode NFC,
    and a leading ` date YYYY-MM ` header moved out of the text into metadata.

    Every step happens before annotation, never after: changing the text later would shift
    every offset.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(
            f"{file}: not UTF-8 text (byte {error.start}: {raw[error.start:error.start + 4]!r})",
            "convert the file to UTF-8 before ingesting it",
        ) from None
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    match = HEADER.match(text)
    if match:
        return RawText(text[match.end():], match.group(1))
    return RawText(text, None)


def sha256(data: str | bytes) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def article_id_for(raw: bytes) -> str:
    """A stable id from the raw bytes: the same file always gets the same id."""
    return "pp-" + sha256(raw)[:12]


def check_article_id(article_id: str) -> str:
    """Refuse ids that are not ours before they touch a path (`../x`, `a/b`, …)."""
    if not isinstance(article_id, str) or not ARTICLE_ID.match(article_id):
        raise IngestError(
            f"invalid article id {article_id!r}", "article ids look like pp-0123456789ab"
        )
    return article_id


def date_precision(value: str | None) -> str:
    if not value:
        return "unknown"
    if not DATE.match(value):
        raise IngestError(f"invalid date {value!r}", "use YYYY, YYYY-MM or YYYY-MM-DD")
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        dt.date(parts[0], parts[1], parts[2])
    except ValueError as error:
        raise IngestError(f"invalid date {value!r}: {error}", "use YYYY, YYYY-MM or YYYY-MM-DD") from None
    return PRECISION[len(value)]


def first_line(text: str, longest: int = 250) -> str | None:
    """The first non-empty line, taken as the title unless it is a whole paragraph."""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= longest else None
    return None


def existing_metadata(raw_dir: Path) -> dict[str, dict]:
    """Metadata of every ingested article, by id."""
    found = {}
    for path in sorted(raw_dir.glob("*.json")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
            found[meta["article_id"]] = meta
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IngestError(
                f"{path}: unreadable metadata ({error})", "run `pourparlers validate` for details"
            ) from None
    return found


def ingest(
    files: list[Path],
    root: Path,
    *,
    source: str | None = None,
    url: str | None = None,
    date: str | None = None,
    title: str | None = None,
    notes: str | None = None,
    language: str = "fr",
) -> list[dict]:
    """Copy each file into `raw/` with its metadata; return the metadata written.

    All files are checked before anything is written, so a bad file leaves `raw/` unchanged.
    A text already in the corpus (same text SHA-256) is refused.
    """
    if len(files) > 1 and (title or url):
        raise IngestError("--title and --url describe one article", "ingest one file at a time")
    raw_dir = Path(root) / RAW_DIR_NAME
    known = {meta["text_sha256"]: meta["article_id"] for meta in existing_metadata(raw_dir).values()}
    planned: list[tuple[bytes, dict]] = []
    for file in files:
        file = Path(file)
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise IngestError(f"{file}: cannot read ({error.strerror})") from None
        if not raw.strip():
            raise IngestError(f"{file}: empty file", "an article needs text")
        parsed = article_text(raw, str(file))
        text_hash = sha256(parsed.text)
        if text_hash in known:
            raise IngestError(
                f"{file}: already ingested as {known[text_hash]} (same text SHA-256)",
                "nothing to do; raw articles are never replaced",
            )
        published = date or parsed.header_date
        article_id = article_id_for(raw)
        meta = {
            "article_id": article_id,
            "raw_file": f"{RAW_DIR_NAME}/{article_id}.txt",
            "raw_sha256": sha256(raw),
            "text_sha256": text_hash,
            "n_chars": len(parsed.text),
            "title": title or first_line(parsed.text),
            "source": source,
            "url": url,
            "published": published,
            "date_precision": date_precision(published),
            "date_from": "option" if date else ("header" if parsed.header_date else None),
            "language": language,
            "notes": notes,
            "received_as": file.name,
        }
        known[text_hash] = article_id
        planned.append((raw, meta))
    written: list[Path] = []
    try:
        for raw, meta in planned:
            for path, data in (
                (raw_dir / f"{meta['article_id']}.txt", raw),
                (raw_dir / f"{meta['article_id']}.json",
                 (json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
                 .encode("utf-8")),
            ):
                if path.exists() or path.is_symlink():
                    raise IngestError(f"{path} already exists",
                                      "raw articles are never replaced: run `pourparlers "
                                      "validate` to see why it is there")
                atomic.write_bytes(path, data)
                written.append(path)
    except BaseException:
        # All or nothing: files written by this run are new (existing ones are refused above).
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return [meta for _, meta in planned]


HINT_METADATA_ID = ("ingest names both files raw/<article_id>.{txt,json} after the id it "
                    "gives: restore them with git, or ingest the text again")


def _not_regular(file: str, article_id: str = "") -> Problem:
    """raw/ never follows links: one could point out of the repository into a release."""
    return problem("not-a-regular-file", "is a symbolic link", file=file, article_id=article_id,
                   expected="a regular file", field="articles.raw_file",
                   hint="raw/ holds the files ingest wrote: replace the link by the file itself")


def _entries(folder: Path) -> dict[str, os.DirEntry]:
    """The folder's entries by name, listed once: whether each is a link comes with the listing
    instead of a system call per file (100,000 files at corpus scale)."""
    try:
        with os.scandir(folder) as listing:
            return {entry.name: entry for entry in listing}
    except (FileNotFoundError, NotADirectoryError):
        return {}


def _read_articles(raw_dir: str, metadata_names: list[str], links: frozenset[str],
                   progress: Callable[[int, int], object] | None = None,
                   ) -> tuple[dict[str, list | pa.Array], list[Problem]]:
    """Read the articles of these metadata files of `raw_dir`, in order: their columns (the
    texts as one Arrow array) and their problems. Paths are plain strings: at corpus scale
    pathlib's objects cost a quarter of the time. `links` are the names that are links."""
    rows: dict[str, list] = {field.name: [] for field in ARTICLES}
    texts: list[pa.Array] = []   # the texts go to Arrow as they come, never all as Python str
    problems: list[Problem] = []
    for done, name in enumerate(metadata_names):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(metadata_names))
        rel = f"{RAW_DIR_NAME}/{name}"
        if name in links:
            problems.append(_not_regular(rel))
            continue
        try:
            with open(os.path.join(raw_dir, name), encoding="utf-8") as handle:
                meta = json.load(handle)
            article_id = meta["article_id"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(problem("metadata-invalid", f"unreadable metadata: {error}", file=rel,
                                    expected="a JSON object with article_id and text_sha256",
                                    field="raw/<article_id>.json",
                                    hint="restore the file from git"))
            continue
        if not isinstance(article_id, str) or not ARTICLE_ID.match(article_id):
            problems.append(problem("article-id-invalid", f"invalid article id {article_id!r}",
                                    file=rel, expected="pp- followed by 12 hex digits",
                                    field="articles.article_id", hint=HINT_METADATA_ID))
            continue
        if name != f"{article_id}.json":
            problems.append(problem("file-name-mismatch", f"metadata of {article_id} is in {rel}",
                                    file=rel, article_id=article_id,
                                    expected=f"{RAW_DIR_NAME}/{article_id}.json",
                                    field="articles.article_id", hint=HINT_METADATA_ID))
            continue
        raw_file = f"{RAW_DIR_NAME}/{article_id}.txt"
        if f"{article_id}.txt" in links:
            problems.append(_not_regular(raw_file, article_id))
            continue
        raw_path = os.path.join(raw_dir, f"{article_id}.txt")
        try:
            with open(raw_path, "rb") as handle:
                text = article_text(handle.read(), raw_path).text
        except (OSError, IngestError) as error:
            problems.append(problem("raw-missing", f"cannot read the raw text: {error}",
                                    file=raw_file, article_id=article_id,
                                    expected="a readable UTF-8 text file",
                                    field="articles.raw_file",
                                    hint="restore the raw file with git"))
            continue
        if sha256(text) != meta.get("text_sha256"):
            problems.append(problem(
                "hash-drift", "the raw article changed after it was ingested",
                file=raw_file, article_id=article_id,
                expected=f"text SHA-256 {meta.get('text_sha256')}, found {sha256(text)}",
                field="articles.text_sha256",
                hint="raw/ is never edited: restore it with git, or ingest the new text as a new article",
            ))
            continue
        values = {
            "article_id": article_id, "title": meta.get("title"), "source": meta.get("source"),
            "url": meta.get("url"), "published": meta.get("published"),
            "date_precision": meta.get("date_precision") or "unknown",
            "language": meta.get("language") or "fr", "notes": meta.get("notes"), "text": text,
            "text_sha256": meta["text_sha256"], "n_chars": len(text), "raw_file": raw_file,
        }
        for column, value in values.items():
            rows[column].append(value)
        if len(rows["text"]) == TEXT_BATCH:
            texts.append(pa.array(rows["text"], pa.string()))
            rows["text"].clear()
    texts.append(pa.array(rows["text"], pa.string()))
    return {**rows, "text": pa.concat_arrays(texts)}, problems


def available_cpus() -> int:
    """The CPUs this process may run on (fewer than the machine's under a CI runner's limit)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def load_articles(root: Path, progress: Callable[[int, int], object] | None = None, *,
                  workers: int | None = None, chunk_files: int = CHUNK_FILES,
                  ) -> tuple[pa.Table, list[Problem]]:
    """Read `raw/` into the articles table, checking ids, files and text hashes.

    `progress(done, total)` is told how many metadata files are read (a progress bar). From
    `PARALLEL_FROM_FILES` metadata files on, runs of `chunk_files` consecutive ones are read in
    `workers` forked processes (default: one per CPU) and joined in order: the table and the
    problems are those of one process.
    """
    raw_dir = str(Path(root) / RAW_DIR_NAME)
    entries = _entries(Path(raw_dir))
    names = sorted(entries)
    links = frozenset(name for name, entry in entries.items() if entry.is_symlink())
    problems: list[Problem] = []
    for name in names:
        if not name.endswith(".txt"):
            continue
        metadata = f"{name.removesuffix('.txt')}.json"
        # a listed file that is no link exists; a link (perhaps dangling) asks the file system
        if (metadata not in entries or metadata in links) and not os.path.exists(
                os.path.join(raw_dir, metadata)):
            problems.append(problem(
                "raw-without-metadata", "raw text without its metadata file",
                file=f"{RAW_DIR_NAME}/{name}",
                expected=f"{RAW_DIR_NAME}/{metadata} next to it",
                field="articles.raw_file",
                hint="add articles with `pourparlers ingest`, which writes both files; restore "
                     "the metadata with git or remove the stray text"))
    metadata_names = [name for name in names if name.endswith(".json")]
    total = len(metadata_names)
    if workers is None:
        workers = available_cpus() if total >= PARALLEL_FROM_FILES else 1
    if workers > 1 and total > chunk_files and "fork" in mp.get_all_start_methods():
        runs = [metadata_names[i:i + chunk_files] for i in range(0, total, chunk_files)]
        read = functools.partial(_read_articles, raw_dir, links=links)
        parts, done = [], 0
        if progress is not None:
            progress(0, total)
        # fork: the workers need nothing but these names, and start at once
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            for run, part in zip(runs, pool.map(read, runs), strict=True):
                parts.append(part)
                done += len(run)
                if progress is not None:
                    progress(done, total)
    else:
        parts = [_read_articles(raw_dir, metadata_names, links, progress)]
        if progress is not None:
            progress(total, total)
    columns = {field.name: [value for rows, _ in parts for value in rows[field.name]]
               for field in ARTICLES if field.name != "text"}
    # one chunk: later steps take texts zero-copy
    columns["text"] = pa.concat_arrays([rows["text"] for rows, _ in parts])
    problems += [p for _, found in parts for p in found]
    return pa.table({field.name: columns[field.name] for field in ARTICLES}, schema=ARTICLES), problems
