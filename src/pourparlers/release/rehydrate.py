"""Rehydrate a text-free release: every text restored from `raw/` or fetched files, each
checked against its `text_sha256`, and written as `build` writes, so the Parquet files are
byte-identical to those of the build with text.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pourparlers import atomic
from pourparlers.errors import InvalidData, PourparlersError, Problem, problem
from pourparlers.hashing import sha256
from pourparlers.raw import article_text
from pourparlers.release.diff import read_config
from pourparlers.release.manifest import MANIFEST, verified_release, write_manifest
from pourparlers.release.versions import ReleaseError


@dataclass(frozen=True)
class RehydrateResult:
    path: Path
    articles: int
    files: tuple[str, ...]


def _texts(article_hashes: dict[str, str], texts_dir: Path) -> tuple[dict[str, str], list[Problem]]:
    """Article id -> text read from `<texts_dir>/<id>.txt`, each checked against its hash."""
    texts, problems = {}, []
    for article_id, expected in sorted(article_hashes.items()):
        path = Path(texts_dir) / f"{article_id}.txt"
        try:
            text = article_text(path.read_bytes(), str(path)).text
        except (OSError, PourparlersError) as exc:
            problems.append(problem("text-missing", f"cannot read the text: {exc}", file=str(path),
                                    article_id=article_id,
                                    hint=f"put the article's text in {path} (UTF-8)"))
            continue
        if sha256(text) != expected:
            problems.append(problem(
                "text-hash-mismatch", "this text is not the one that was annotated", file=str(path),
                article_id=article_id, expected=f"text SHA-256 {expected}, found {sha256(text)}",
                hint="fetch the exact version of the article; any edit shifts the offsets"))
            continue
        texts[article_id] = text
    return texts, problems


_TEXT_FREE_NOTE = re.compile(r"<!-- text-free: begin -->.*?<!-- text-free: end -->", re.DOTALL)


def _rehydrated_card(card: str) -> str:
    """The text-free card with its note replaced (sizes and examples still describe that build)."""
    return _TEXT_FREE_NOTE.sub(
        "> **Rehydrated locally** from a text-free build: every text was restored and checked "
        "against `text_sha256`. Sizes and example records below describe the text-free build.",
        card)


def rehydrate(release_dir: Path, out_dir: Path, texts_dir: Path) -> RehydrateResult:
    """Write `out_dir`: the text-free release `release_dir` with every text restored.

    A release with a manifest is verified against it first (a file missing, changed or added is
    refused: the new manifest must not vouch for what the old one did not). Texts come from
    `<texts_dir>/<article_id>.txt` (the repository's `raw/`, or files a user fetched),
    normalized as at ingest; every one must match the release's `text_sha256`, else nothing is
    written. Parquet files are written as `build` writes them, so they are byte-identical to
    those of the build with text.
    """
    import pyarrow.parquet as pq
    from datasets import Features

    from pourparlers.build import _quiet_progress
    from pourparlers.build.croissant import CROISSANT, refresh_checksums
    from pourparlers.build.parquet import dataset_from_rows, write_parquet
    from pourparlers.build.textfree import STRIP, fill_text

    release_dir, out_dir = Path(release_dir), Path(out_dir)
    if not release_dir.is_dir():
        raise ReleaseError(f"{release_dir} is not a folder", "pass a release folder (dist/<version>)")
    manifest = verified_release(release_dir) if (release_dir / MANIFEST).exists() else None
    atomic.check_replaceable(out_dir, "release")   # before any work
    try:
        articles = read_config(release_dir, "articles")
        mentions = {row["id"]: row for rows in read_config(release_dir, "entities").values() for row in rows}
    except (pa.ArrowException, OSError, KeyError, TypeError, ValueError) as error:
        raise ReleaseError(f"{release_dir} cannot be read as a release: {error}",
                           "pass a release folder made by `pourparlers build --no-text`") from None
    if not articles:
        raise ReleaseError(f"{release_dir} has no articles config", "pass a release folder (dist/<version>)")
    hashes = {row["id"]: row["text_sha256"] for rows in articles.values() for row in rows}
    texts, problems = _texts(hashes, texts_dir)
    if problems:
        raise InvalidData(problems, f"every article text must match its hash; {len(texts)} of "
                                    f"{len(hashes)} did")
    written = []
    with atomic.output_folder(out_dir, "release") as tmp, _quiet_progress():
        files = (sorted(release_dir / name for name in manifest["files"]) if manifest is not None
                 else sorted(p for p in release_dir.rglob("*") if p.is_file() and not p.is_symlink()
                             and not p.relative_to(release_dir).as_posix().startswith(".")
                             and "/." not in p.relative_to(release_dir).as_posix()))
        for path in files:
            relative = path.relative_to(release_dir)
            destination = tmp / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if relative.as_posix() == "README.md":
                atomic.write_text(destination, _rehydrated_card(path.read_text(encoding="utf-8")))
                continue
            if path.suffix != ".parquet" or relative.parts[0] not in STRIP or relative.parts[0] == "actors":
                shutil.copy2(path, destination)    # (labels.parquet, actors: no text in them)
                continue
            try:
                table = pq.read_table(path)
                features = Features.from_arrow_schema(table.schema)
                config = relative.parts[0]
                rows = [fill_text(config, row, texts[row.get("article_id") or row["id"]],
                                  mentions.__getitem__) for row in table.to_pylist()]
            except (pa.ArrowException, OSError, KeyError, TypeError, ValueError) as error:
                raise ReleaseError(f"{path} cannot be read as a config of the release: {error}",
                                   "pass a release folder made by `pourparlers build --no-text`") from None
            write_parquet([dataset_from_rows(rows, features).data.table], features, destination)
            written.append(relative.as_posix())
        if (tmp / CROISSANT).exists():
            refresh_checksums(tmp)
        if manifest is not None:
            info = {k: v for k, v in manifest.items() if k != "files"}
            write_manifest(tmp, {**info, "text": True, "rehydrated": True})
    return RehydrateResult(path=out_dir, articles=len(texts), files=tuple(written))

