"""raw/: the articles exactly as received, read into the articles table.

`raw/<article_id>.txt` holds the bytes as received and is never edited; `raw/<article_id>.json`
its metadata. The annotated text is `article_text(raw bytes)`, a deterministic function of the
raw file, and its SHA-256 is stored so any later change to the raw file (hash drift) is caught
before it silently shifts every offset.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pourparlers import workers
from pourparlers.errors import MAX_ARTICLE_KIB, IngestError, Problem, problem
from pourparlers.hashing import sha256
from pourparlers.repo import Repo
from pourparlers.tables import ARTICLES

ARTICLE_ID = re.compile(r"\App-[0-9a-f]{12}\Z")
# Some sources prefix the first line with a metadata header: " date 2025-05 Titre…".
HEADER = re.compile(r"\A date (\d{4}(?:-\d{2}(?:-\d{2})?)?) ")
MAX_ARTICLE_BYTES = MAX_ARTICLE_KIB * 1024
# From 2,000 metadata files on, raw/ is read in forked workers, 1,000 consecutive files a run.
READ_RUNS = workers.Runs(parallel_from=2_000, size=1_000)
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


def has_visible_text(text: str) -> bool:
    """Whether a text has a letter, digit, punctuation mark or symbol (not only spaces, marks or
    control characters such as a lone BOM or NUL bytes)."""
    return any(unicodedata.category(c)[0] in "LNPS" for c in text)


def check_article_id(article_id: str) -> str:
    """Refuse ids that are not ours before they touch a path (`../x`, `a/b`, …)."""
    if not isinstance(article_id, str) or not ARTICLE_ID.match(article_id):
        raise IngestError(
            f"invalid article id {article_id!r}", "article ids look like pp-0123456789ab"
        )
    return article_id


HINT_METADATA_ID = ("ingest names both files raw/<article_id>.{txt,json} after the id it "
                    "gives: restore them with git, or ingest the text again")


def _not_regular(file: str, article_id: str = "") -> Problem:
    """raw/ never follows links: one could point out of the repository into a release."""
    return problem("not-a-regular-file", "is a symbolic link", file=file, article_id=article_id,
                   expected="a regular file", field="articles.raw_file",
                   hint="raw/ holds the files ingest wrote: replace the link by the file itself")


def folder_problem(repo: Repo, folder: Path) -> Problem:
    """raw/ or annotations/ missing or not a folder: reading on would see no article at all."""
    what = ("a symbolic link" if folder.is_symlink() else "missing" if not folder.exists()
            else "not a folder")
    return problem("folder-missing", f"{repo.relative(folder)}/ is {what}", file=repo.relative(folder),
                   expected="a folder")


def _entries(folder: Path) -> dict[str, os.DirEntry]:
    """The folder's entries by name, listed once: whether each is a link comes with the listing
    instead of a system call per file (100,000 files at corpus scale)."""
    try:
        with os.scandir(folder) as listing:
            return {entry.name: entry for entry in listing}
    except (FileNotFoundError, NotADirectoryError):
        return {}


def _read_articles(raw_dir: str, prefix: str, metadata_names: Sequence[str], links: frozenset[str],
                   advance: workers.Progress | None = None,
                   ) -> tuple[dict[str, list | pa.Array], list[Problem]]:
    """Read the articles of these metadata files of `raw_dir`, in order: their columns (the
    texts as one Arrow array) and their problems. Paths are plain strings: at corpus scale
    pathlib's objects cost a quarter of the time. `prefix` is raw/ as problems name it, `links`
    the names that are links;
    `advance(n)` is told every `PROGRESS_EVERY` files."""
    rows: dict[str, list] = {field.name: [] for field in ARTICLES}
    texts: list[pa.Array] = []   # the texts go to Arrow as they come, never all as Python str
    problems: list[Problem] = []
    for done, name in enumerate(metadata_names):
        if advance is not None and done and done % PROGRESS_EVERY == 0:
            advance(PROGRESS_EVERY)
        rel = f"{prefix}/{name}"
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
                                    expected=f"{prefix}/{article_id}.json",
                                    field="articles.article_id", hint=HINT_METADATA_ID))
            continue
        raw_file = f"{prefix}/{article_id}.txt"
        if f"{article_id}.txt" in links:
            problems.append(_not_regular(raw_file, article_id))
            continue
        raw_path = os.path.join(raw_dir, f"{article_id}.txt")
        try:
            with open(raw_path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > MAX_ARTICLE_BYTES:
                    problems.append(problem("article-too-large", f"the raw article has {size} bytes",
                                            file=raw_file, article_id=article_id,
                                            expected=f"at most {MAX_ARTICLE_BYTES} bytes"))
                    continue
                text = article_text(handle.read(), raw_path).text
        except (OSError, IngestError) as error:
            problems.append(problem("raw-missing", f"cannot read the raw text: {error}",
                                    file=raw_file, article_id=article_id,
                                    expected="a readable UTF-8 text file",
                                    field="articles.raw_file",
                                    hint="restore the raw file with git"))
            continue
        if not has_visible_text(text):
            problems.append(problem("text-empty", f"the article has no visible text ({len(text)} "
                                    "characters once decoded)", file=raw_file, article_id=article_id,
                                    expected="a news text"))
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
    if advance is not None and metadata_names:
        advance(len(metadata_names) - (len(metadata_names) - 1) // PROGRESS_EVERY * PROGRESS_EVERY)
    return {**rows, "text": pa.concat_arrays(texts)}, problems


def load_articles(repo: Repo, progress: Callable[[int, int], object] | None = None,
                  ) -> tuple[pa.Table, list[Problem]]:
    """Read `raw/` into the articles table, checking ids, files and text hashes.

    `progress(done, total)` is told how many metadata files are read (a progress bar). At
    corpus scale runs of consecutive files are read in forked workers (`READ_RUNS`) and joined
    in order: the table and the problems are those of one process.
    """
    raw_dir, prefix = str(repo.raw), repo.relative(repo.raw)
    entries = _entries(repo.raw)
    names = sorted(entries)
    links = frozenset(name for name, entry in entries.items() if entry.is_symlink())
    problems: list[Problem] = [] if repo.raw.is_dir() and not repo.raw.is_symlink() else [
        folder_problem(repo, repo.raw)]
    for name in names:
        if not name.endswith(".txt"):
            continue
        metadata = f"{name.removesuffix('.txt')}.json"
        # a listed file that is no link exists; a link (perhaps dangling) asks the file system
        if (metadata not in entries or metadata in links) and not os.path.exists(
                os.path.join(raw_dir, metadata)):
            problems.append(problem(
                "raw-without-metadata", "raw text without its metadata file",
                file=f"{prefix}/{name}", expected=f"{prefix}/{metadata} next to it",
                field="articles.raw_file"))
    metadata_names = [name for name in names if name.endswith(".json")]
    total = len(metadata_names)
    read = 0

    def done(n: int) -> None:
        nonlocal read
        read += n
        if progress is not None:
            progress(read, total)

    def read_run(run: Sequence[str], advance: workers.Progress | None) -> tuple[dict, list[Problem]]:
        return _read_articles(raw_dir, prefix, run, links, advance)

    if progress is not None:
        progress(0, total)
    parts = workers.map_runs(read_run, metadata_names, READ_RUNS, done)
    columns = {field.name: [value for rows, _ in parts for value in rows[field.name]]
               for field in ARTICLES if field.name != "text"}
    # one chunk: later steps take texts zero-copy
    columns["text"] = pa.concat_arrays([rows["text"] for rows, _ in parts])
    problems += [p for _, found in parts for p in found]
    return pa.table({field.name: columns[field.name] for field in ARTICLES}, schema=ARTICLES), problems
