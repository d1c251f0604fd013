"""Versions and CHANGELOG.md: the one grammar of a version (MAJOR.MINOR.PATCH, semver without
pre-releases) and of a version heading (`## [0.1.0] - 2026-11-23`, or `- unreleased` for the
version being prepared).

A schema change (any change of the released features) needs a MAJOR bump; new articles or a new
annotation layer at least a MINOR one; corrections a PATCH.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pourparlers.errors import PourparlersError
from pourparlers.repo import Repo

BUMPS = ("patch", "minor", "major")
VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")
HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\](.*)$", re.MULTILINE)
UNRELEASED = "unreleased"


class ReleaseError(PourparlersError):
    """A release could not be cut (version, previous release, changelog)."""

    code = "release-refused"


def check_version(version: str) -> str:
    """`version` if it is MAJOR.MINOR.PATCH, else `ReleaseError`."""
    parse_version(version)
    return version


def parse_version(version: str) -> tuple[int, int, int]:
    match = VERSION.fullmatch(version or "")
    if not match:
        raise ReleaseError(f"version {version!r} is not MAJOR.MINOR.PATCH",
                           "pass e.g. 0.2.0, without the leading v")
    return tuple(int(part) for part in match.groups())


def next_version(previous: str | None, bump: str) -> str:
    """`previous` bumped by `bump` (patch, minor, major); the first release bumps from 0.0.0."""
    major, minor, patch = parse_version(previous or "0.0.0")
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ReleaseError(f"unknown bump {bump!r}", f"one of {', '.join(BUMPS)}")


def bump_between(previous: str | None, version: str) -> str:
    """Which bump takes `previous` to `version`; refuses a version that is not newer."""
    old, new = parse_version(previous or "0.0.0"), parse_version(version)
    if new <= old:
        raise ReleaseError(f"version {version} is not newer than the previous release {previous}",
                           f"pass a version above {previous}, or --patch/--minor/--major")
    if new[0] > old[0]:
        return "major"
    return "minor" if new[1] > old[1] else "patch"


def headings(text: str) -> list[tuple[str, bool, re.Match]]:
    """The version headings of a changelog, newest first as written: (version, released, match)."""
    return [(m.group(1), UNRELEASED not in m.group(2).lower(), m) for m in HEADING.finditer(text)]


def _changelog(repo: Repo) -> str:
    try:
        return repo.changelog.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as error:
        raise ReleaseError(f"{repo.relative(repo.changelog)}: cannot read the changelog ({error})",
                           "restore CHANGELOG.md from git") from None


def released_versions(repo: Repo) -> list[str]:
    """Versions CHANGELOG.md records as released (a heading with a date, not `unreleased`)."""
    return [version for version, released, _ in headings(_changelog(repo)) if released]


def previous_release(repo: Repo) -> str | None:
    versions = released_versions(repo)
    return max(versions, key=parse_version) if versions else None


def build_target(repo: Repo, version: str | None = None, out: Path | None = None) -> tuple[str, Path]:
    """The version `build` builds and its folder.

    By default the version being prepared (the newest `unreleased` heading of CHANGELOG.md)
    into dist/<version>. A released version's folder is made by `release` alone, so a released
    version is built only into a folder given with `out`.
    """
    found = headings(_changelog(repo))
    if version is not None:
        check_version(version)
    elif any(not released for _, released, _ in found):
        version = next(v for v, released, _ in found if not released)
    elif found and out is not None:
        version = found[0][0]
    elif found:
        raise ReleaseError(f"every version of {repo.relative(repo.changelog)} is released (the newest is "
                           f"{found[0][0]}): there is no version in preparation to build",
                           f"start the next one: add a heading '## [x.y.z] - unreleased' above "
                           f"'## [{found[0][0]}]' in CHANGELOG.md (`pourparlers release` dates it); or "
                           f"build the data elsewhere with --out DIR")
    else:
        raise ReleaseError(f"no version heading such as '## [0.1.0] - unreleased' in "
                           f"{repo.relative(repo.changelog)}", "add one to CHANGELOG.md or pass --version")
    if out is None:
        if version in released_versions(repo):
            raise ReleaseError(f"{version} is released (CHANGELOG.md): {repo.relative(repo.release_dir(version))} "
                               "is made by `pourparlers release` alone",
                               "build it elsewhere with --out DIR, or start the next version: add a heading "
                               "'## [x.y.z] - unreleased' to CHANGELOG.md")
        out = repo.release_dir(version)
    return version, Path(out)


@contextmanager
def release_or_build(repo: Repo, release: Path | None, purpose: str) -> Iterator[Path]:
    """The release folder a reader of releases works on (`export`, `site`): `release`, or the
    repository built into a temporary folder (removed afterwards), so both give the same output."""
    if release is not None:
        yield Path(release)
        return
    from pourparlers.build import build

    with tempfile.TemporaryDirectory(prefix=f"pourparlers-{purpose}-") as folder:
        version, target = build_target(repo, out=Path(folder) / "release")
        yield build(repo, version, target).path


def update_changelog(text: str, version: str, date: str, section: str) -> str:
    """CHANGELOG.md with `section` under `## [version] - date`.

    A `## [version] - unreleased` heading (notes written by hand) gets the date and the
    generated section at its end; otherwise a new version section goes above the newest one.
    """
    found = [match for _, _, match in headings(text)]
    for index, match in enumerate(found):
        if match.group(1) == version:
            if UNRELEASED not in match.group(2).lower():
                raise ReleaseError(f"CHANGELOG.md already records {version} as released",
                                   "pick the next version")
            end = found[index + 1].start() if index + 1 < len(found) else len(text)
            body = text[match.end():end].rstrip("\n")
            return (text[:match.start()] + f"## [{version}] - {date}" + body + "\n\n" + section
                    + ("\n" if end < len(text) else "") + text[end:])
    new = f"## [{version}] - {date}\n\n{section}\n"
    if found:
        return text[:found[0].start()] + new + text[found[0].start():]
    return (text.rstrip("\n") + "\n\n" if text.strip() else "# Changelog\n\n") + new


