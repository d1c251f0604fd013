"""The previous release a new one is compared with: its folder in dist/, else rebuilt from the
source repository's tag `v<version>`, else a message saying how to download it.

`dist/` is not in git, so a fresh clone has no previous release. A build is byte-identical for
the same sources and code, so the tag's sources built by the tag's own package (installed into
a throwaway environment) give back the released tables exactly.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from pourparlers.release.diff import Snapshot, snapshot
from pourparlers.release.manifest import MANIFEST, verified_release
from pourparlers.release.versions import ReleaseError
from pourparlers.repo import Repo

TIMEOUT = 900   # seconds for the install and the build of an old version


def previous_snapshot(repo: Repo, version: str, work: Path, repo_id: str | None = None) -> Snapshot:
    """What the release `version` holds, for the diff: from dist/<version> (verified against its
    manifest), else rebuilt from the tag `v<version>` in `work`, else a `ReleaseError` that says
    how to download it."""
    folder = repo.release_dir(version)
    if (folder / MANIFEST).is_file():
        manifest = verified_release(folder)
        return snapshot(folder, manifest["features"], manifest.get("schema_version", ""))
    tag = f"v{version}"
    if not _has_tag(repo, tag):
        raise ReleaseError(
            f"the previous release {version} (CHANGELOG.md) is not in {repo.relative(folder)}, and the "
            f"repository has no tag {tag} to rebuild it from",
            f"download it: {_download(repo, repo_id, version)} (and tag the commit of each release: "
            f"git tag {tag})")
    built = rebuild_from_tag(repo, tag, version, work, repo_id)
    return snapshot(built, _features(work), _schema_version(work / "source"))


def _download(repo: Repo, repo_id: str | None, version: str) -> str:
    """The command that fetches the published release `version` into its dist/ folder."""
    return (f"`hf download {repo_id or 'ORG/NAME'} --repo-type dataset --revision v{version} "
            f"--local-dir {repo.relative(repo.release_dir(version))}`")


def _git(repo: Repo, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo.root), *args], capture_output=True, timeout=120)


def _has_tag(repo: Repo, tag: str) -> bool:
    if shutil.which("git") is None:
        return False
    return _git(repo, "rev-parse", "--quiet", "--verify", f"refs/tags/{tag}").returncode == 0


def rebuild_from_tag(repo: Repo, tag: str, version: str, work: Path, repo_id: str | None = None) -> Path:
    """The release `version` built again in `work/release` from the tag's sources, by the
    tag's own package in a new virtual environment."""
    source, venv, out = work / "source", work / "venv", work / "release"
    archive = _git(repo, "archive", "--format=tar", tag)
    if archive.returncode:
        raise ReleaseError(f"git archive {tag} failed: {archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(source, filter="data")
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    python = venv / "bin" / "python"
    steps = ([[uv, "venv", "--quiet", "-p", sys.executable, str(venv)],
              [uv, "pip", "install", "--quiet", "--python", str(python), str(source)]]
             if Path(uv).exists() or shutil.which(uv) else
             [[sys.executable, "-m", "venv", str(venv)],
              [str(python), "-m", "pip", "install", "--quiet", str(source)]])
    steps.append([str(venv / "bin" / "pourparlers"), "--root", str(source), "build", "--version", version,
                  "--out", str(out)])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=TIMEOUT,
                              env={**_plain_env(), "HF_HUB_OFFLINE": "1"})
        if done.returncode:
            raise ReleaseError(f"rebuilding release {version} from the tag {tag} failed at "
                               f"`{' '.join(Path(part).name for part in step[:3])}`: "
                               f"{(done.stderr or done.stdout).strip()[-600:]}",
                               f"download it from the Hub instead: {_download(repo, repo_id, version)}")
    return out


def _plain_env() -> dict[str, str]:
    """This environment without our virtual environment's and settings, so the tag's own
    package runs as installed."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("POURPARLERS", "VIRTUAL_ENV", "PYTHON"))}


_FEATURES = ("import json, sys\n"
             "from pourparlers.build import release_features\n"
             "from pourparlers.repo import Repo\n"
             "taxonomy = Repo.at(sys.argv[1]).taxonomy()\n"
             "print(json.dumps({c: f.to_dict() for c, f in release_features(taxonomy).items()}))\n")


def _features(work: Path) -> dict[str, dict]:
    """Each config's features as the tag's own code declares them (what its manifest held)."""
    done = subprocess.run([str(work / "venv" / "bin" / "python"), "-c", _FEATURES, str(work / "source")],
                          capture_output=True, text=True, timeout=TIMEOUT, env=_plain_env())
    if done.returncode:
        raise ReleaseError(f"the features of the rebuilt release could not be read: {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout)


def _schema_version(source: Path) -> str:
    import yaml

    try:
        data = yaml.safe_load((source / "schema" / "taxonomy.yaml").read_text(encoding="utf-8"))
        return str(data.get("schema_version", ""))
    except (OSError, yaml.YAMLError, AttributeError):
        return ""
