"""Cut a versioned release: validate, build `dist/<version>/`, checksum it, record its diff.

Reads the corpus (as `build` does), the previous release `dist/<previous>/` and CHANGELOG.md;
writes `dist/<version>/` (the build, a `CITATION.cff` for the version and `manifest.json`) and
the version's CHANGELOG.md section with the generated diff against the previous release. A
released version is never overwritten. The previous release is the newest CHANGELOG heading
with a date (`## [0.1.0] - 2026-11-23`); `## [x.y.z] - unreleased` is a version being prepared.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pourparlers import atomic
from pourparlers.release.diff import ReleaseDiff, changelog_section, diff_releases, snapshot
from pourparlers.release.manifest import ensure_not_a_release, write_manifest
from pourparlers.release.previous import previous_snapshot
from pourparlers.release.versions import (
    BUMPS,
    ReleaseError,
    bump_between,
    next_version,
    previous_release,
    update_changelog,
)
from pourparlers.repo import Repo, check_repo_id

CITATION = "CITATION.cff"


@dataclass(frozen=True)
class ReleaseResult:
    version: str
    previous: str | None
    bump: str
    path: Path
    diff: ReleaseDiff
    manifest: dict
    counts: dict[str, dict[str, int]]
    configs: tuple[str, ...]
    changelog: str



def _citation(repo: Repo, version: str, date: str) -> str | None:
    if not repo.citation.exists():
        return None
    text = re.sub(r"^(version|date-released): .*\n", "", repo.citation.read_text(encoding="utf-8"),
                  flags=re.MULTILINE)
    return text.rstrip("\n") + f'\nversion: "{version}"\ndate-released: "{date}"\n'


def cut_release(repo: Repo, *, bump: str | None = None, version: str | None = None,
                text: bool = True, date: str | None = None, repo_id: str | None = None) -> ReleaseResult:
    """Validate, build `dist/<version>/` with its manifest, and record the diff in CHANGELOG.md.

    Give `bump` (patch, minor, major) or `version`. Refuses an existing release folder, a
    version not above the previous release, and a bump smaller than the diff needs.
    """
    from pourparlers.build import build, release_features
    from pourparlers.card import DEFAULT_REPO_ID

    repo_id = check_repo_id(repo_id) if repo_id else repo.hub_repo_id()
    if (bump is None) == (version is None):
        raise ReleaseError("give exactly one of a bump (--patch, --minor, --major) or a VERSION")
    date = date or dt.datetime.now(dt.UTC).date().isoformat()
    previous = previous_release(repo)
    if version is None:
        version = next_version(previous, bump)
    chosen = bump_between(previous, version)
    target = repo.release_dir(version)
    ensure_not_a_release(target)
    old = None
    if previous:
        with tempfile.TemporaryDirectory(prefix="pourparlers-previous-") as work:
            old = previous_snapshot(repo, previous, Path(work), repo_id)

    taxonomy = repo.taxonomy()
    features = {c: f.to_dict() for c, f in release_features(taxonomy).items()}
    with atomic.output_folder(target, "release") as staged:
        built = build(repo, version, staged, text=text, repo_id=repo_id)
        new = snapshot(staged, features, taxonomy.schema_version)
        diff = diff_releases(old, new, previous)
        if BUMPS.index(chosen) < BUMPS.index(diff.required_bump):
            reason = ("the schema changed: " + "; ".join(diff.schema[:3]) if diff.schema
                      else "articles or an annotation layer were added")
            raise ReleaseError(f"{version} is a {chosen} release after {previous}, but {reason}",
                               f"semver: use --{diff.required_bump}")
        citation = _citation(repo, version, date)
        if citation is not None:
            atomic.write_text(staged / CITATION, citation)
        manifest = write_manifest(staged, {
            "name": "pourparlers", "version": version, "previous": previous,
            "schema_version": taxonomy.schema_version, "text": text, "repo_id": repo_id or DEFAULT_REPO_ID,
            "features": features,
        })
        section = changelog_section(diff, version, taxonomy.schema_version, len(manifest["files"]))
        old_log = repo.changelog.read_text(encoding="utf-8") if repo.changelog.exists() else ""
        new_log = update_changelog(old_log, version, date, section)
    try:   # the release is in place; a changelog that cannot record it takes it back out
        atomic.write_text(repo.changelog, new_log)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return ReleaseResult(version=version, previous=previous, bump=chosen, path=target, diff=diff,
                         manifest=manifest, counts=built.counts, configs=built.configs,
                         changelog=section)
