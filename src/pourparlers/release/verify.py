"""Verify a release as users download it: a release folder, or a Hub dataset repo at a revision.

Reads a folder made by `pourparlers release` (with `manifest.json`) or by `pourparlers build`
(without one), or downloads `ORG/NAME` at `--revision` into a temporary folder; writes nothing.
The checks, each reporting problems with the codes `validate` uses where it has them:

1. the files against `manifest.json` (missing, changed or extra files, hidden ones included);
   a build has no manifest, and the report says this check was skipped;
2. the features of every config, as each Parquet file, the card's `dataset_info` and the
   manifest give them, against `build.release_features` of the repository's taxonomy;
3. `labels.parquet` and `croissant.json` against what the build writes for them
   (`release.root_files`);
4. the released tables, read back into validate's tables and checked by its contracts and
   integrity queries, and across configs (`validate.released`): spans, offsets, ids,
   references, label ids, hashes, copied canonical ids, the gold rows every config holds, the
   `actors` config against `schema/actors.yaml`.

Every problem names the file in the release, the article and the row id (as the region).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from pourparlers.errors import PourparlersError, Problem, problem
from pourparlers.release.diff import flat_features, label_change
from pourparlers.release.manifest import MANIFEST, NOT_LISTED, manifest_differences, read_manifest
from pourparlers.release.versions import ReleaseError
from pourparlers.repo import Repo, RepoIdError, check_repo_id
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate import ValidationReport, checklist, sort_problems
from pourparlers.validate.checks import SPAN_TEXT, TEXT_HASH, Check

CARD = "README.md"
DEFAULT_REVISION = "main"

MANIFEST_CHECK = Check("manifest", "files match manifest.json (SHA-256 of every file, hidden ones too)",
                       ("release-mismatch",))
FEATURES_CHECK = Check("features", "features of every config are those schema/taxonomy.yaml gives "
                       "(Parquet files, card, manifest)",
                       ("missing-table", "missing-column", "unexpected-column", "wrong-dtype"))
READ_CHECK = Check("read", "every Parquet file, the card and croissant.json read", ("release-unreadable",))

HINT_TAXONOMY = ("the release was built from another schema/taxonomy.yaml than this repository's, "
                 "or edited: verify it from a checkout of the commit it was built from (--root), "
                 "or build it again")


class VerifyError(PourparlersError):
    """A release could not be verified (not a folder, no such Hub repo or revision)."""

    code = "verify-refused"


# -- the files --------------------------------------------------------------------------------

_SAID = {"missing": "is listed in manifest.json but missing from the release",
         NOT_LISTED: "is not in manifest.json: a file the release does not vouch for",
         "changed": "changed since the release was cut (its SHA-256 or size differs from manifest.json)",
         "not a regular file": "is a link or a special file (a release holds regular files only)"}


def manifest_problems(folder: Path) -> list[Problem]:
    """The release's files against its manifest, one problem per difference."""
    try:
        differences = manifest_differences(folder)
    except ReleaseError as error:   # unreadable or malformed manifest
        return [problem("release-mismatch", str(error), file=MANIFEST, hint=error.hint)]
    return [problem("release-mismatch", f"{name} {_SAID[what]}", file=name) for what, name in differences]


# -- the features -----------------------------------------------------------------------------

def _described(feature: tuple) -> str:
    kind, detail = feature
    return f"ClassLabel({', '.join(detail)})" if kind == "labels" else f"{kind}({detail})"


def compare_features(expected: dict, found: dict, config: str, file: str, source: str) -> list[Problem]:
    """`found` (a `Features.to_dict()`) against `expected`, one problem per feature that differs."""
    want, have = flat_features(expected), flat_features(found)
    problems = []
    for path in sorted(set(want) - set(have)):
        problems.append(problem("missing-column", f"{source} lacks the feature {config}.{path}",
                                file=file, expected=_described(want[path]), field=f"{config}.{path}",
                                hint=HINT_TAXONOMY))
    for path in sorted(set(have) - set(want)):
        problems.append(problem("unexpected-column", f"{source} has a feature {config}.{path} that the "
                                "taxonomy's features do not", file=file, expected="no such feature",
                                field=f"{config}.{path}", hint=HINT_TAXONOMY))
    for path in sorted(set(want) & set(have)):
        if want[path] == have[path]:
            continue
        if want[path][0] == have[path][0] == "labels":
            said = f"{config}.{path} in {source} is not the taxonomy's ClassLabel: " \
                   f"{label_change(want[path][1], have[path][1])}"
        else:
            said = f"{config}.{path} is {_described(have[path])} in {source}"
        problems.append(problem("wrong-dtype", said, file=file, expected=_described(want[path]),
                                field=f"{config}.{path}", hint=HINT_TAXONOMY))
    return problems


def _card_features(folder: Path) -> tuple[dict[str, dict] | None, list[Problem]]:
    """Config -> features of the card's `dataset_info` (None without a card)."""
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCard

    path = folder / CARD
    if not path.is_file() or path.is_symlink():
        return None, []
    try:
        infos = DatasetInfosDict.from_dataset_card_data(DatasetCard.load(path).data)
        return {config: info.features.to_dict() for config, info in infos.items()
                if info.features is not None}, []
    except Exception as error:  # noqa: BLE001 - YAML, or features that datasets refuses
        return {}, [problem("release-unreadable", f"the card's YAML header cannot be read as dataset_info: "
                            f"{type(error).__name__}: {error}", file=CARD)]


def feature_problems(folder: Path, files: Mapping[str, list], expected: Mapping[str, object],
                     manifest: dict | None) -> tuple[list[Problem], bool]:
    """Every config's features, from each Parquet file, the card and the manifest, against the
    taxonomy's; and whether the release has a card."""
    from datasets import Features

    want = {config: features.to_dict() for config, features in expected.items()}
    problems: list[Problem] = []
    for config, found in sorted(files.items()):
        for file in (f for f in found if f.schema is not None):
            problems += compare_features(want[config], Features.from_arrow_schema(file.schema).to_dict(),
                                         config, file.path, "this Parquet file")
    card, unreadable = _card_features(folder)
    problems += unreadable
    recorded = None if manifest is None else manifest.get("features")
    for source, file, declared in (("the card's dataset_info", CARD, card),
                                   ("manifest.json's features", MANIFEST, recorded)):
        if not isinstance(declared, dict) or (file == CARD and unreadable):
            continue
        for config in sorted(set(files) | (set(declared) & set(want))):
            if config not in declared:
                problems.append(problem("missing-table", f"{source} has no features for config {config}",
                                        file=file, field=config, hint=HINT_TAXONOMY))
            else:
                problems += compare_features(want[config], declared[config], config, file, source)
    if manifest is not None and not isinstance(recorded, dict):
        problems.append(problem("missing-table", "manifest.json records no features", file=MANIFEST,
                                field="features", hint=HINT_TAXONOMY))
    return problems, card is not None


# -- the report -------------------------------------------------------------------------------

def verify_release(folder: Path, taxonomy: Taxonomy) -> ValidationReport:
    """Check the release in `folder` (see the module's docstring): a checklist and every problem."""
    from pourparlers.build.features import release_features
    from pourparlers.release.root_files import (
        CROISSANT_CHECK,
        LABEL_TABLE_CHECK,
        croissant_problems,
        label_table_problems,
    )
    from pourparlers.validate.released import RELEASE_CHECKS, check_released, missing_configs, read_config_files

    folder = Path(folder)
    expected = release_features(taxonomy)
    skipped: list[tuple[str, str]] = []
    checks: list[tuple[str, bool, int]] = []
    has_manifest = (folder / MANIFEST).exists()
    manifest = None
    if has_manifest:
        files_problems = manifest_problems(folder)
        checks.append((MANIFEST_CHECK.title, not files_problems, len(files_problems)))
        try:
            manifest = read_manifest(folder)
        except ReleaseError:
            manifest = None   # reported by the manifest check
    else:
        files_problems = []
        skipped.append((MANIFEST_CHECK.title, f"a build, not a release: it has no {MANIFEST}"))

    files, elsewhere, unreadable = read_config_files(folder, expected)
    features_found, has_card = feature_problems(folder, files, expected, manifest)
    checks.append((FEATURES_CHECK.title, not features_found, len(features_found)))
    if not has_card:
        skipped.append(("the card's features", f"the release has no {CARD}"))

    root_problems = label_table_problems(folder, taxonomy)
    found, made = croissant_problems(folder, taxonomy, files, expected, manifest)
    root_problems += found
    if made and manifest is None:
        skipped.append(("croissant.json's version and Hub repo", f"a build has no {MANIFEST} to compare them with"))

    released = check_released(files, expected, taxonomy)
    table_problems = [*missing_configs(files), *unreadable, *released.problems]
    not_run = released.not_run | (set() if made else {CROISSANT_CHECK})
    table_checks = RELEASE_CHECKS
    if released.text_free:
        table_checks = tuple(c for c in RELEASE_CHECKS if c not in (SPAN_TEXT, TEXT_HASH))
        reason = "a text-free release, whose texts are null; offsets were checked against n_chars"
        skipped += [(SPAN_TEXT.title, reason), (TEXT_HASH.title, reason)]
    checks += checklist([*root_problems, *table_problems], not_run,
                        (LABEL_TABLE_CHECK, CROISSANT_CHECK, *table_checks), READ_CHECK)
    if elsewhere:
        covered = "covered by the manifest only" if has_manifest else "not checked (no manifest)"
        shown = ", ".join(elsewhere[:5]) + (f" and {len(elsewhere) - 5} more" if len(elsewhere) > 5 else "")
        skipped.append(("Parquet files outside the configs of schema/taxonomy.yaml", f"{shown}: {covered}"))
    problems = sort_problems([*files_problems, *features_found, *root_problems, *table_problems])
    return ValidationReport(problems=problems, checks=checks, skipped=skipped, command="verify")


def download_release(repo_id: str, revision: str, into: Path) -> Path:
    """The files of the Hub dataset repo `repo_id` at `revision`, downloaded into `into`."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    from pourparlers.hub import REPO_TYPE, endpoint, network_error

    try:
        return Path(snapshot_download(repo_id, repo_type=REPO_TYPE, revision=revision, local_dir=into))
    except RevisionNotFoundError:
        raise VerifyError(f"the dataset repo {repo_id} on {endpoint()} has no revision {revision!r}",
                          "pass an existing tag (v0.1.0), branch or commit with --revision") from None
    except RepositoryNotFoundError:
        raise VerifyError(f"{repo_id} is no folder here, and {endpoint()} has no dataset repo {repo_id} "
                          "that you can read",
                          "pass a release folder, or the id of a dataset repo (a private one needs HF_TOKEN "
                          "or `hf auth login`)") from None
    except (HfHubHTTPError, EntryNotFoundError, OSError) as error:
        raise VerifyError(f"cannot download {repo_id} at {revision!r} from {endpoint()}: "
                          f"{type(error).__name__}: {error}") from None
    except Exception as error:
        if not network_error(error):
            raise
        raise VerifyError(f"cannot reach the Hub at {endpoint()}: {type(error).__name__}: {error}",
                          "check the network (and HF_ENDPOINT), then verify again") from None


def verify(repo: Repo, release: str | Path, revision: str | None = None) -> ValidationReport:
    """Verify `release` against the repository's taxonomy: an existing path is a release folder;
    anything else must be a Hub dataset repo id ORG/NAME, downloaded at `revision` (default
    main) into a temporary folder that is removed afterwards."""
    taxonomy = repo.taxonomy()
    path = Path(release)
    if path.exists():
        if not path.is_dir():
            raise VerifyError(f"{release} is a file, not a release folder")
        if revision is not None:
            raise VerifyError(f"--revision {revision} names a revision of a Hub repo, and {release} is a folder",
                              "pass --revision with a Hub dataset repo id ORG/NAME only")
        return verify_release(path, taxonomy)
    try:
        repo_id = check_repo_id(str(release))
    except RepoIdError as error:
        raise RepoIdError(f"{release} is no folder here, and not a Hub repo id either ({error})",
                          "pass a release folder (dist/<version>) or a Hub dataset repo id ORG/NAME") from None
    with tempfile.TemporaryDirectory(prefix="pourparlers-verify-") as temporary:
        folder = download_release(repo_id, revision or DEFAULT_REVISION, Path(temporary) / "release")
        return verify_release(folder, taxonomy)
