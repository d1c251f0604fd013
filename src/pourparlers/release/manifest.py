"""A release's manifest: the SHA-256 and size of every file, its features and metadata.

`manifest.json` is what makes a folder a release: release (for the previous version), publish
and rehydrate trust a release folder only after checking its files against it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from pourparlers import atomic
from pourparlers.hashing import sha256_file
from pourparlers.release.versions import ReleaseError

MANIFEST = "manifest.json"
# Files `hf download --local-dir` adds to a release it downloads: the Hub's attributes and its
# download cache. They are tolerated in a release folder and never part of one.
HUB_DOWNLOAD_FILES = (".gitattributes",)
HUB_DOWNLOAD_FOLDER = ".cache/huggingface/"
_DIGEST = re.compile(r"[0-9a-f]{64}")


class ReleaseMismatch(ReleaseError):
    """A release folder does not hold exactly the files its manifest lists."""

    code = "release-mismatch"


def _not_a_release_file(relative: str) -> bool:
    return (relative in (MANIFEST, atomic.MARKER, *HUB_DOWNLOAD_FILES)
            or relative.startswith(HUB_DOWNLOAD_FOLDER))


def _walk(folder: Path) -> tuple[list[Path], list[str]]:
    """Every regular file under `folder` (links never followed), and the links or special files
    found, by relative POSIX path."""
    files, odd = [], []
    for base, folders, names in os.walk(folder):
        for name in sorted(folders):
            if (Path(base) / name).is_symlink():
                odd.append((Path(base) / name).relative_to(folder).as_posix())
        for name in sorted(names):
            path = Path(base) / name
            if path.is_symlink() or not path.is_file():
                odd.append(path.relative_to(folder).as_posix())
            else:
                files.append(path)
    return sorted(files), sorted(odd)


def file_checksums(folder: Path) -> dict[str, dict]:
    """SHA-256 and size of every file of the release under `folder`, hidden ones included, by
    POSIX path: all but the manifest, the build marker, and what a Hub download adds."""
    folder = Path(folder)
    files, _ = _walk(folder)
    out = {}
    for path in files:
        relative = path.relative_to(folder).as_posix()
        if not _not_a_release_file(relative):
            out[relative] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return out


def write_manifest(folder: Path, info: dict) -> dict:
    """Write `manifest.json` = `info` + the checksums of every file of `folder`."""
    manifest = {**info, "files": file_checksums(folder)}
    atomic.write_text(Path(folder) / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def read_manifest(folder: Path) -> dict:
    """The manifest of a release folder, its shape checked (paths inside the folder, one
    SHA-256 and size per file)."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{path}: no readable release manifest ({exc})",
                           "only folders made by `pourparlers release` are releases") from exc
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files:
        raise ReleaseMismatch(f"{path}: the manifest has no 'files' table",
                              "restore the release folder (download it again)")
    for name, entry in files.items():
        parts = name.split("/")
        if (not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts)
                or not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str)
                or not _DIGEST.fullmatch(entry["sha256"]) or type(entry.get("size")) is not int):
            raise ReleaseMismatch(f"{path}: the manifest's entry {name!r} is not a file of the release "
                                  "with its SHA-256 and size", "restore the release folder (download it again)")
    return manifest


MISSING, NOT_LISTED, CHANGED, NOT_REGULAR = ("missing", "not in the manifest", "changed",
                                             "not a regular file")


def manifest_differences(folder: Path) -> list[tuple[str, str]]:
    """(what, path) for every difference between the files of `folder` and its manifest: a file
    `MISSING`, `NOT_LISTED` (hidden ones included), `CHANGED`, or a link or special file
    (`NOT_REGULAR`); empty when they agree."""
    folder = Path(folder)
    recorded = read_manifest(folder)["files"]
    found = file_checksums(folder)
    _, odd = _walk(folder)
    issues = [(MISSING, name) for name in sorted(set(recorded) - set(found))]
    issues += [(NOT_LISTED, name) for name in sorted(set(found) - set(recorded))]
    issues += [(CHANGED, name) for name in sorted(set(recorded) & set(found))
               if recorded[name]["sha256"] != found[name]["sha256"]
               or recorded[name]["size"] != found[name]["size"]]
    issues += [(NOT_REGULAR, name) for name in odd]
    return issues


def verify_manifest(folder: Path) -> list[str]:
    """What differs between the files of `folder` and its manifest, one line each (empty when
    they agree; see `manifest_differences`)."""
    return [f"{what}: {name}" for what, name in manifest_differences(folder)]


def verified_release(folder: Path) -> dict:
    """The manifest of a release folder whose files all match it; else `ReleaseMismatch`
    naming what differs. Everything that uses a release (publish, rehydrate, the previous
    release of `release`) goes through this first."""
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise ReleaseMismatch(f"{folder} is not a release (no {MANIFEST})",
                              "cut releases with `pourparlers release`")
    issues = verify_manifest(folder)
    if issues:
        shown = "; ".join(issues[:5]) + (f"; and {len(issues) - 5} more" if len(issues) > 5 else "")
        raise ReleaseMismatch(f"{folder} does not match its manifest: {shown}",
                              "a release folder is never edited: restore it (download it again) or "
                              "cut a new release")
    return read_manifest(folder)


def ensure_not_a_release(folder: Path) -> None:
    """Refuse to write over a folder `release` made (a plain `build` output may be replaced)."""
    if (Path(folder) / MANIFEST).exists():
        raise ReleaseError(
            f"{folder} is a release ({MANIFEST}); a release is never overwritten",
            "build elsewhere with --out, or start the next version: add a heading "
            "'## [x.y.z] - unreleased' to CHANGELOG.md (or pass --version)")


