"""A release's manifest: the SHA-256 and size of every file, its features and metadata.

`manifest.json` is what makes a folder a release: release (for the previous version), publish
and rehydrate trust a release folder only after checking its files against it.
"""

from __future__ import annotations

import json
from pathlib import Path

from pourparlers import atomic
from pourparlers.errors import PourparlersError
from pourparlers.hashing import sha256_file
from pourparlers.release.versions import ReleaseError

MANIFEST = "manifest.json"


def file_checksums(folder: Path) -> dict[str, dict]:
    """SHA-256 and size of every file under `folder` except the manifest, by POSIX path.

    Hidden files and folders are not part of a release: `hf download --local-dir` adds
    `.cache/huggingface/` and the Hub's `.gitattributes` to a downloaded one.
    """
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): {"sha256": sha256_file(path), "size": path.stat().st_size}
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.relative_to(folder).as_posix() != MANIFEST
            and not any(part.startswith(".") for part in path.relative_to(folder).parts)}


def write_manifest(folder: Path, info: dict) -> dict:
    """Write `manifest.json` = `info` + the checksums of every file of `folder`."""
    manifest = {**info, "files": file_checksums(folder)}
    atomic.write_text(Path(folder) / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{path}: no readable release manifest ({exc})",
                           "only folders made by `pourparlers release` are releases") from exc


def verify_manifest(folder: Path) -> list[str]:
    """What differs between the files of `folder` and its manifest (empty when they agree)."""
    recorded = read_manifest(folder)["files"]
    found = file_checksums(folder)
    issues = [f"missing: {name}" for name in sorted(set(recorded) - set(found))]
    issues += [f"not in the manifest: {name}" for name in sorted(set(found) - set(recorded))]
    issues += [f"changed: {name}" for name in sorted(set(recorded) & set(found))
               if recorded[name]["sha256"] != found[name]["sha256"]]
    return issues


def checked_release(folder: Path, error: type[PourparlersError], missing: tuple[str, str],
                    changed_hint: str) -> dict:
    """The manifest of a release folder whose files all match it; else `error`.

    `missing` is the (message, hint) for a folder without a manifest. Release (for the previous
    version) and publish both trust a release folder only after this check.
    """
    folder = Path(folder)
    if not (folder / MANIFEST).exists():
        raise error(*missing)
    issues = verify_manifest(folder)
    if issues:
        raise error(f"{folder} does not match its manifest: {'; '.join(issues[:5])}", changed_hint)
    return read_manifest(folder)


def ensure_not_a_release(folder: Path) -> None:
    """Refuse to write over a folder `release` made (a plain `build` output may be replaced)."""
    if (Path(folder) / MANIFEST).exists():
        raise ReleaseError(
            f"{folder} is a release ({MANIFEST}); a release is never overwritten",
            "build elsewhere with --out, or start the next version: add a heading "
            "'## [x.y.z] - unreleased' to CHANGELOG.md (or pass --version)")


# ---------------------------------------------------------------------------------- diff

