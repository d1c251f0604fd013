"""Ingest: copy an article into `raw/` verbatim, record its metadata, give it a stable id.

The raw file is stored byte for byte and never edited; its metadata (`raw/<id>.json`) records
the SHA-256 of the annotated text (`raw.article_text`), so any later change is caught.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from pourparlers import atomic
from pourparlers.errors import IngestError
from pourparlers.hashing import sha256
from pourparlers.raw import MAX_ARTICLE_BYTES, article_text, has_visible_text
from pourparlers.repo import Repo

DATE = re.compile(r"\A\d{4}(?:-\d{2}(?:-\d{2})?)?\Z")
PRECISION = {4: "year", 7: "month", 10: "day"}


def article_id_for(raw: bytes) -> str:
    """A stable id from the raw bytes: the same file always gets the same id."""
    return "pp-" + sha256(raw)[:12]


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


def existing_metadata(repo: Repo) -> dict[str, dict]:
    """Metadata of every ingested article, by id."""
    found = {}
    for path in sorted(repo.raw.glob("*.json")):
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
    repo: Repo,
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
    known = {meta["text_sha256"]: meta["article_id"] for meta in existing_metadata(repo).values()}
    planned: list[tuple[bytes, dict]] = []
    for file in files:
        file = Path(file)
        try:
            if file.stat().st_size > MAX_ARTICLE_BYTES:
                raise IngestError(f"{file}: {file.stat().st_size} bytes, more than an article's "
                                  f"{MAX_ARTICLE_BYTES} bytes", "ingest one news article per file")
            raw = file.read_bytes()
        except OSError as error:
            raise IngestError(f"{file}: cannot read ({error.strerror})") from None
        if not raw.strip():
            raise IngestError(f"{file}: empty file", "an article needs text")
        parsed = article_text(raw, str(file))
        if not has_visible_text(parsed.text):
            raise IngestError(f"{file}: no visible text once decoded ({len(parsed.text)} characters of "
                              "spaces, marks or control characters)", "an article needs text")
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
            "raw_file": repo.relative(repo.raw / f"{article_id}.txt"),
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
                (repo.raw / f"{meta['article_id']}.txt", raw),
                (repo.raw / f"{meta['article_id']}.json",
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


