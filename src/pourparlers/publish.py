"""Publish a release to a Hugging Face dataset repo: one commit, then the tag `v<version>`.

Reads `dist/<version>/` (a folder made by `pourparlers release`, verified against its manifest
and by `pourparlers verify` when the plan is made, and against its manifest again just before
the upload); writes nothing locally. Create the repo if needed, refuse a tag that exists,
upload exactly the files of the plan (the manifest's and the manifest) as ONE commit that also
deletes Parquet files of configs the release no longer has, then `create_tag` on the sha that
commit returned (never on `main`, which another commit may have moved). The token comes from
`HF_TOKEN` or the user's `hf auth login`, through `huggingface_hub`; it is never printed.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from pourparlers.card import DEFAULT_REPO_ID
from pourparlers.errors import InvalidData, PourparlersError
from pourparlers.hashing import sha256_file
from pourparlers.hub import REPO_TYPE, endpoint, network_error
from pourparlers.release.manifest import MANIFEST, verified_release
from pourparlers.release.versions import parse_version, previous_release
from pourparlers.repo import REPO_ID_SETTING, Repo, check_repo_id

# Remote files the commit removes unless the release re-uploads them: configs dropped since.
DELETE_PATTERNS = ["*/*.parquet"]
_VERSION_TAG = re.compile(r"v\d+\.\d+\.\d+")


class PublishError(PourparlersError):
    """A release could not be published (or was refused)."""

    code = "publish-refused"


@dataclass(frozen=True)
class PublishPlan:
    repo_id: str
    version: str
    folder: Path
    private: bool
    files: list[tuple[str, int, str]]        # path, size, sha256 (from the manifest)
    warnings: list[str]

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def commit_message(self) -> str:
        return f"Release {self.tag}"

    def render(self) -> str:
        total = sum(size for _, size, _ in self.files)
        lines = [
            f"Publish {self.folder} to https://huggingface.co/datasets/{self.repo_id} "
            f"({'private' if self.private else 'public'} if it has to be created)",
            f"1. create the dataset repo {self.repo_id} if it does not exist",
            f"2. refuse if the tag {self.tag}, or a newer version tag, already exists",
            f"3. one commit \"{self.commit_message}\" uploading {len(self.files)} file(s), "
            f"{total:,} bytes, and deleting remote {', '.join(DELETE_PATTERNS)} not in this release:",
        ]
        lines += [f"     {path}  {size:,} B  sha256 {digest[:12]}…" for path, size, digest in self.files]
        lines.append(f"4. tag that commit {self.tag}")
        lines.append(f'Users then load it with load_dataset("{self.repo_id}", "documents", '
                     f'revision="{self.tag}")')
        lines += [f"Warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)


@dataclass(frozen=True)
class PublishResult:
    repo_id: str
    tag: str
    commit_oid: str
    commit_url: str


def plan_publish(repo: Repo, repo_id: str | None = None, *, version: str | None = None,
                 private: bool = False) -> PublishPlan:
    """What `publish` would do; reads only local files (no network, no token).

    `repo_id` defaults to the repository's configured one (`[tool.pourparlers] repo_id`), then to
    the one the release was cut for.
    """
    version = version or previous_release(repo)
    if version is None:
        raise PublishError("no release to publish: CHANGELOG.md records none",
                           "cut one with `pourparlers release --minor`")
    folder = repo.release_dir(version)
    if not (folder / MANIFEST).is_file():
        raise PublishError(f"{folder} is not a release (no {MANIFEST})",
                           f"cut it with `pourparlers release {version}`")
    manifest = verified_release(folder)
    _refuse_what_fails_verify(folder, version, repo)
    recorded = manifest.get("repo_id")
    repo_id = repo_id or repo.hub_repo_id() or (recorded if recorded != DEFAULT_REPO_ID else None)
    if not repo_id:
        raise PublishError(f"release {version} was cut without a Hub repo id: say where to publish it",
                           f"set {REPO_ID_SETTING} (then cut the next release: its card names the repo), "
                           "or pass --repo-id ORG/NAME")
    repo_id = check_repo_id(repo_id)
    files = sorted((path, info["size"], info["sha256"]) for path, info in manifest["files"].items())
    files.append((MANIFEST, (folder / MANIFEST).stat().st_size, sha256_file(folder / MANIFEST)))
    warnings = []
    if manifest.get("repo_id") != repo_id:
        warnings.append(f"the card of this release names the repo {manifest.get('repo_id')!r}, not "
                        f"{repo_id!r}: set {REPO_ID_SETTING} before cutting a release")
    if manifest.get("text") is False:
        warnings.append("this is a text-free release: users need `pourparlers rehydrate`")
    return PublishPlan(repo_id, version, folder, private, sorted(files), warnings)


def _refuse_what_fails_verify(folder: Path, version: str, repo: Repo) -> None:
    """`pourparlers verify` on the release: one that fails is never published (`InvalidData`
    with the code publish-refused, its problems with their own codes)."""
    from pourparlers.release.verify import verify_release

    report = verify_release(folder, repo.taxonomy())
    if not report.ok:
        raise InvalidData(report.problems, f"run `pourparlers verify {folder}` for details; a release is "
                                           "never edited: cut a new one from data that validates",
                          report=report, code="publish-refused",
                          message=f"release {version} fails verify: {len(report.problems)} problem(s)")


def _operations(plan: PublishPlan, remote: list[str]) -> list:
    """Exactly the planned files (the manifest's, and the manifest), checked again against the
    folder, and the deletion of remote Parquet files of configs the release no longer has."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    verified_release(plan.folder)
    now = {MANIFEST: sha256_file(plan.folder / MANIFEST)}
    planned = {path: digest for path, _, digest in plan.files}
    if planned[MANIFEST] != now[MANIFEST]:
        raise PublishError(f"{plan.folder / MANIFEST} changed since the plan was made",
                           "run `pourparlers publish --dry-run` again and check the plan")
    gone = sorted(path for path in remote if path not in planned
                  and any(fnmatch.fnmatch(path, pattern) for pattern in DELETE_PATTERNS))
    return ([CommitOperationAdd(path_in_repo=path, path_or_fileobj=str(plan.folder / path))
             for path in sorted(planned)] + [CommitOperationDelete(path_in_repo=path) for path in gone])


def publish(plan: PublishPlan, *, api=None) -> PublishResult:
    """Carry out `plan`: create the repo if needed, one commit of the release, then its tag."""
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError

    if api is None:
        if get_token() is None:
            raise PublishError("no Hugging Face token found",
                               "set HF_TOKEN, or run `hf auth login` once")
        api = HfApi()
    try:
        api.create_repo(plan.repo_id, repo_type=REPO_TYPE, private=plan.private, exist_ok=True)
        refs = api.list_repo_refs(plan.repo_id, repo_type=REPO_TYPE)
        tags = {tag.name for tag in refs.tags}
        if plan.tag in tags:
            raise PublishError(f"{plan.repo_id} already has the tag {plan.tag}: a published release is "
                               "never replaced", "cut a new release (`pourparlers release --patch`)")
        newer = sorted((t for t in tags if _VERSION_TAG.fullmatch(t)
                        and parse_version(t[1:]) > parse_version(plan.version)), key=lambda t: parse_version(t[1:]))
        if newer:
            raise PublishError(f"{plan.repo_id} already has {newer[-1]}, newer than {plan.tag}: publishing "
                               f"{plan.tag} would move `main` back to older data",
                               "publish only the newest release; cut a new one from the data you want")
        commit = api.create_commit(plan.repo_id, repo_type=REPO_TYPE, commit_message=plan.commit_message,
                                   operations=_operations(plan, api.list_repo_files(plan.repo_id,
                                                                                    repo_type=REPO_TYPE)))
        try:
            api.create_tag(plan.repo_id, repo_type=REPO_TYPE, tag=plan.tag, revision=commit.oid,
                           tag_message=f"pourparlers {plan.tag}")
        except HfHubHTTPError as exc:
            if exc.response is not None and exc.response.status_code == 409:
                raise PublishError(f"the tag {plan.tag} was created by someone else meanwhile; commit "
                                   f"{commit.oid} is on main but untagged",
                                   "check the repo's refs, then cut a new release") from exc
            raise
    except HfHubHTTPError as exc:
        raise PublishError(f"the Hub refused: {exc}",
                           "check the repo id, your token's write access, and HF_ENDPOINT") from exc
    except Exception as exc:
        if not network_error(exc):
            raise
        raise PublishError(f"cannot reach the Hub at {endpoint()}: {type(exc).__name__}: {exc}",
                           "check the network (and HF_ENDPOINT), then publish again: the tag is "
                           "made only after the whole commit") from None
    return PublishResult(plan.repo_id, plan.tag, commit.oid, commit.commit_url)
