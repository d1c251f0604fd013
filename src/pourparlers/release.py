"""Cut a versioned release: validate, build `dist/<version>/`, checksum it, record its diff.

Reads the corpus (as `build` does), the previous release `dist/<previous>/` and CHANGELOG.md;
writes `dist/<version>/` (the build, a `CITATION.cff` for the version and `manifest.json`:
features and the SHA-256 of every file) and a new CHANGELOG.md section with the generated diff
against the previous release (articles, annotations per layer and type, schema).

Versions are semver: a schema change (any change of the released features, e.g. a label added,
removed or renamed) needs a MAJOR bump; new articles or a new annotation layer at least a MINOR
one. A released version is never overwritten. The previous release is the newest CHANGELOG
heading with a date (`## [0.1.0] - 2026-11-23`); `## [x.y.z] - unreleased` is a version being
prepared.

Also `rehydrate`: restores the texts of a text-free release from `raw/` or fetched files,
verifying every `text_sha256`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pourparlers import atomic
from pourparlers.errors import InvalidData, PourparlersError, Problem, problem
from pourparlers.ingest import article_text, sha256
from pourparlers.paths import DIST_DIR_NAME, RAW_DIR_NAME

# `datasets` (and `build`, which imports it) are imported where needed: `publish` uses the
# manifest and version helpers below and should start in a second, not after `import datasets`.
DEFAULT_REPO_ID = "<owner>/pourparlers"  # as build.DEFAULT_REPO_ID (checked by a test)

MANIFEST = "manifest.json"
CITATION = "CITATION.cff"
CHANGELOG = "CHANGELOG.md"
BUMPS = ("patch", "minor", "major")
LAYERS = {"entities": "type", "events": "type", "stances": "target"}
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")
_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\](.*)$", re.MULTILINE)


class ReleaseError(PourparlersError):
    """A release could not be cut (version, previous release, changelog)."""


def parse_version(version: str) -> tuple[int, int, int]:
    match = _VERSION.fullmatch(version or "")
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


def released_versions(root: Path) -> list[str]:
    """Versions CHANGELOG.md records as released (a heading with a date, not `unreleased`)."""
    path = Path(root) / CHANGELOG
    if not path.exists():
        return []
    return [m.group(1) for m in _HEADING.finditer(path.read_text(encoding="utf-8"))
            if "unreleased" not in m.group(2).lower()]


def previous_release(root: Path) -> str | None:
    versions = released_versions(root)
    return max(versions, key=parse_version) if versions else None


# ---------------------------------------------------------------------------------- manifest


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_checksums(folder: Path) -> dict[str, dict]:
    """SHA-256 and size of every file under `folder` except the manifest, by POSIX path.

    Hidden files and folders are not part of a release: `hf download --local-dir` adds
    `.cache/huggingface/` and the Hub's `.gitattributes` to a downloaded one.
    """
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): {"sha256": _sha256_file(path), "size": path.stat().st_size}
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


def _decoded(feature, value):
    """`value` with every ClassLabel integer replaced by its name (so releases compare by name)."""
    from datasets import ClassLabel, List

    if value is None:
        return None
    if isinstance(feature, ClassLabel):
        return feature.int2str(value)
    if isinstance(feature, dict):
        return {name: _decoded(feature[name], value.get(name)) for name in feature}
    if isinstance(feature, List):
        return [_decoded(feature.feature, item) for item in value]
    return value


def read_config(folder: Path, config: str) -> dict[str, list[dict]]:
    """Split -> rows of one config of a release folder, labels by name; {} if not shipped."""
    import pyarrow.parquet as pq
    from datasets import Features

    out = {}
    for path in sorted((Path(folder) / config).glob("*.parquet")):
        table = pq.read_table(path)
        features = Features.from_arrow_schema(table.schema)
        split = path.name.split("-", 1)[0]
        out.setdefault(split, []).extend(_decoded(features, row) for row in table.to_pylist())
    return out


@dataclass
class Snapshot:
    """What the diff compares: article hashes, annotations by id, features."""

    articles: dict[str, str]
    annotations: dict[str, dict[str, dict]]      # layer -> id -> row (labels by name)
    features: dict[str, dict]                    # config -> Features.to_dict()
    schema_version: str = ""


def snapshot(folder: Path, features: dict[str, dict], schema_version: str = "") -> Snapshot:
    rows = {config: [row for split in read_config(folder, config).values() for row in split]
            for config in ("articles", *LAYERS)}
    return Snapshot(
        articles={row["id"]: row["text_sha256"] for row in rows["articles"]},
        annotations={layer: {row["id"]: row for row in rows[layer]} for layer in LAYERS},
        features=features, schema_version=schema_version,
    )


def _flat_features(value, prefix: str = "") -> dict[str, object]:
    """Path -> feature description, with label lists, for comparing two feature dicts."""
    if isinstance(value, dict) and "_type" in value:
        kind = value["_type"]
        if kind == "ClassLabel":
            return {prefix: ("labels", tuple(value["names"]))}
        if kind in ("List", "LargeList", "Sequence"):
            return _flat_features(value["feature"], prefix + "[]")
        return {prefix: (kind, value.get("dtype"))}
    if isinstance(value, dict):
        out = {}
        for name, inner in value.items():
            out.update(_flat_features(inner, f"{prefix}.{name}" if prefix else name))
        return out
    if isinstance(value, list) and value:
        return _flat_features(value[0], prefix + "[]")
    return {prefix: ("value", repr(value))}


def schema_changes(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """Human-readable differences between two releases' features (config by config)."""
    changes = []
    for config in sorted(set(old) | set(new)):
        if config not in new:
            changes.append(f"config `{config}` removed")
            continue
        if config not in old:
            changes.append(f"config `{config}` added")
            continue
        before, after = _flat_features(old[config]), _flat_features(new[config])
        for path in sorted(set(before) - set(after)):
            changes.append(f"`{config}.{path}` removed")
        for path in sorted(set(after) - set(before)):
            changes.append(f"`{config}.{path}` added")
        for path in sorted(set(before) & set(after)):
            if before[path] == after[path]:
                continue
            if before[path][0] == after[path][0] == "labels":
                gone = [n for n in before[path][1] if n not in after[path][1]]
                came = [n for n in after[path][1] if n not in before[path][1]]
                detail = "; ".join(part for part in (
                    f"labels removed: {', '.join(gone)}" if gone else "",
                    f"labels added: {', '.join(came)}" if came else "",
                    "label order changed" if not gone and not came else "",
                ) if part)
                changes.append(f"`{config}.{path}`: {detail}")
            else:
                changes.append(f"`{config}.{path}`: {before[path]} -> {after[path]}")
    return changes


@dataclass
class ReleaseDiff:
    previous: str | None
    articles_added: list[str]
    articles_removed: list[str]
    articles_changed: list[str]                  # same id, different text hash
    # layer -> type -> Counter(added=, removed=, changed=)
    annotations: dict[str, dict[str, Counter]]
    schema: list[str]
    layers_added: list[str] = field(default_factory=list)

    @property
    def required_bump(self) -> str:
        if self.previous is None:
            return "patch"
        if self.schema:
            return "major"
        return "minor" if self.articles_added or self.layers_added else "patch"

    def has_data_changes(self) -> bool:
        return bool(self.articles_added or self.articles_removed or self.articles_changed
                    or any(self.annotations.values()) or self.schema)


def diff_releases(old: Snapshot | None, new: Snapshot, previous: str | None) -> ReleaseDiff:
    """What changed from `old` (None: first release, everything is added) to `new`."""
    old = old or Snapshot({}, {layer: {} for layer in LAYERS}, {})
    annotations: dict[str, dict[str, Counter]] = {}
    for layer, type_field in LAYERS.items():
        before, after = old.annotations.get(layer, {}), new.annotations[layer]
        per_type: dict[str, Counter] = defaultdict(Counter)
        for key in after.keys() - before.keys():
            per_type[after[key][type_field]]["added"] += 1
        for key in before.keys() - after.keys():
            per_type[before[key][type_field]]["removed"] += 1
        for key in before.keys() & after.keys():
            if before[key] != after[key]:
                per_type[after[key][type_field]]["changed"] += 1
        annotations[layer] = dict(sorted(per_type.items()))
    return ReleaseDiff(
        previous=previous,
        articles_added=sorted(new.articles.keys() - old.articles.keys()),
        articles_removed=sorted(old.articles.keys() - new.articles.keys()),
        articles_changed=sorted(k for k in new.articles.keys() & old.articles.keys()
                                if new.articles[k] != old.articles[k]),
        annotations=annotations,
        schema=schema_changes(old.features, new.features) if previous else [],
        layers_added=[layer for layer in LAYERS
                      if new.annotations[layer] and not old.annotations.get(layer)],
    )


def changelog_section(diff: ReleaseDiff, version: str, schema_version: str, n_files: int) -> str:
    """The generated part of a CHANGELOG.md version section (markdown, no version heading)."""
    against = f"against {diff.previous}" if diff.previous else "(first release: everything is new)"
    lines = [f"### Generated diff {against}", ""]
    lines.append(f"- Articles: {len(diff.articles_added)} added, {len(diff.articles_removed)} removed, "
                 f"{len(diff.articles_changed)} with a changed text.")
    for title, ids in (("Added", diff.articles_added), ("Removed", diff.articles_removed),
                       ("Text changed", diff.articles_changed)):
        if ids:
            lines.append(f"  - {title}: {', '.join(ids)}")
    rows = [(layer, label, counts) for layer, per_type in diff.annotations.items()
            for label, counts in per_type.items()]
    if rows:
        lines += ["", "| layer | type | added | removed | changed |", "|---|---|---|---|---|"]
        lines += [f"| {layer} | {label} | {c['added']} | {c['removed']} | {c['changed']} |"
                  for layer, label, c in rows]
        lines.append("")
        lines.append("(types: entity type, event type, stance target; gold layer only; an annotation is "
                     "matched by its id `<article>:<annotation>:<region>`)")
    else:
        lines.append("- Annotations: no change.")
    if diff.schema:
        lines.append(f"- Schema (taxonomy {schema_version}): **breaking**")
        lines += [f"  - {change}" for change in diff.schema]
    else:
        lines.append(f"- Schema: no change (taxonomy {schema_version}).")
    lines.append(f"- Files: {n_files}, SHA-256 of each in `dist/{version}/{MANIFEST}`.")
    return "\n".join(lines) + "\n"


def update_changelog(text: str, version: str, date: str, section: str) -> str:
    """CHANGELOG.md with `section` under `## [version] - date`.

    A `## [version] - unreleased` heading (notes written by hand) gets the date and the
    generated section at its end; otherwise a new version section goes above the newest one.
    """
    headings = list(_HEADING.finditer(text))
    for index, match in enumerate(headings):
        if match.group(1) == version:
            if "unreleased" not in match.group(2).lower():
                raise ReleaseError(f"CHANGELOG.md already records {version} as released",
                                   "pick the next version")
            end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
            body = text[match.end():end].rstrip("\n")
            return (text[:match.start()] + f"## [{version}] - {date}" + body + "\n\n" + section
                    + ("\n" if end < len(text) else "") + text[end:])
    new = f"## [{version}] - {date}\n\n{section}\n"
    if headings:
        return text[:headings[0].start()] + new + text[headings[0].start():]
    return (text.rstrip("\n") + "\n\n" if text.strip() else "# Changelog\n\n") + new


# ---------------------------------------------------------------------------------- release


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


def _citation(root: Path, version: str, date: str) -> str | None:
    path = Path(root) / CITATION
    if not path.exists():
        return None
    text = re.sub(r"^(version|date-released): .*\n", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return text.rstrip("\n") + f'\nversion: "{version}"\ndate-released: "{date}"\n'


def cut_release(root: Path, *, bump: str | None = None, version: str | None = None,
                text: bool = True, date: str | None = None, repo_id: str = DEFAULT_REPO_ID) -> ReleaseResult:
    """Validate, build `dist/<version>/` with its manifest, and record the diff in CHANGELOG.md.

    Give `bump` (patch, minor, major) or `version`. Refuses an existing release folder, a
    version not above the previous release, and a bump smaller than the diff needs.
    """
    from pourparlers.build import build_release, release_features
    from pourparlers.card import AGREEMENT_FILE
    from pourparlers.corpus import gold, load_corpus

    root = Path(root)
    if (bump is None) == (version is None):
        raise ReleaseError("give exactly one of a bump (--patch, --minor, --major) or a VERSION")
    date = date or dt.datetime.now(dt.UTC).date().isoformat()
    previous = previous_release(root)
    if version is None:
        version = next_version(previous, bump)
    chosen = bump_between(previous, version)
    dist = root / DIST_DIR_NAME
    target = dist / version
    ensure_not_a_release(target)
    old = None
    if previous:
        previous_dir = dist / previous
        old_manifest = checked_release(
            previous_dir, ReleaseError,
            (f"the previous release {previous} (CHANGELOG.md) is not in {previous_dir}",
             f"download it from the Hub: `hf download ORG/NAME --repo-type dataset --revision "
             f"v{previous} --local-dir {previous_dir}`"),
            "restore the previous release folder (download it again)")
        old = snapshot(previous_dir, old_manifest["features"], old_manifest.get("schema_version", ""))

    corpus = load_corpus(root)
    if corpus.problems:
        raise InvalidData(corpus.problems, "a release cannot be built from data that fails validation")
    features = {c: f.to_dict() for c, f in release_features(corpus.taxonomy).items()}
    staged = dist / f".{version}.release-{uuid.uuid4().hex[:8]}"
    try:
        built = build_release(gold(corpus.tables), corpus.taxonomy, version, staged,
                              root / "DATASET_CARD.md", repo_id=repo_id, text=text,
                              agreement=root / AGREEMENT_FILE, validated=True)
        new = snapshot(staged, features, corpus.taxonomy.schema_version)
        diff = diff_releases(old, new, previous)
        if BUMPS.index(chosen) < BUMPS.index(diff.required_bump):
            reason = ("the schema changed: " + "; ".join(diff.schema[:3]) if diff.schema
                      else "articles or an annotation layer were added")
            raise ReleaseError(f"{version} is a {chosen} release after {previous}, but {reason}",
                               f"semver: use --{diff.required_bump}")
        citation = _citation(root, version, date)
        if citation is not None:
            atomic.write_text(staged / CITATION, citation)
        manifest = write_manifest(staged, {
            "name": "pourparlers", "version": version, "previous": previous,
            "schema_version": corpus.taxonomy.schema_version, "text": text, "repo_id": repo_id,
            "features": features,
        })
        section = changelog_section(diff, version, corpus.taxonomy.schema_version, len(manifest["files"]))
        changelog_path = root / CHANGELOG
        old_log = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else ""
        new_log = update_changelog(old_log, version, date, section)
        if target.exists():  # a plain `build` output, not a release: replaced
            shutil.rmtree(target)
        os.rename(staged, target)
        try:
            atomic.write_text(changelog_path, new_log)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return ReleaseResult(version=version, previous=previous, bump=chosen, path=target, diff=diff,
                         manifest=manifest, counts=built.counts, configs=built.configs,
                         changelog=section)


# ---------------------------------------------------------------------------------- rehydrate


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

    Texts come from `<texts_dir>/<article_id>.txt` (the repository's `raw/`, or files a user
    fetched), normalized as at ingest; every one must match the release's `text_sha256`, else
    nothing is written. Parquet files are written as `build` writes them, so they are
    byte-identical to those of the build with text.
    """
    import pyarrow.parquet as pq
    from datasets import Features

    from pourparlers.build import _dataset_from_rows, _quiet_progress, write_parquet
    from pourparlers.textfree import fill_text

    release_dir, out_dir = Path(release_dir), Path(out_dir)
    articles = read_config(release_dir, "articles")
    if not articles:
        raise ReleaseError(f"{release_dir} has no articles config", "pass a release folder (dist/<version>)")
    hashes = {row["id"]: row["text_sha256"] for rows in articles.values() for row in rows}
    texts, problems = _texts(hashes, texts_dir)
    if problems:
        raise InvalidData(problems, f"every article text must match its hash; {len(texts)} of "
                                    f"{len(hashes)} did")
    mentions = {row["id"]: row for rows in read_config(release_dir, "entities").values() for row in rows}
    if out_dir.exists():
        raise ReleaseError(f"{out_dir} already exists", "pass another --out or remove it")
    written = []
    with atomic.new_directory(out_dir) as tmp, _quiet_progress():
        for path in sorted(release_dir.rglob("*")):
            relative = path.relative_to(release_dir)
            if path.is_dir() or path.name == MANIFEST:
                continue
            destination = tmp / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if relative.as_posix() == "README.md":
                atomic.write_text(destination, _rehydrated_card(path.read_text(encoding="utf-8")))
                continue
            if path.suffix != ".parquet":
                shutil.copy2(path, destination)
                continue
            table = pq.read_table(path)
            features = Features.from_arrow_schema(table.schema)
            config = relative.parts[0]
            rows = [fill_text(config, row, texts[row.get("article_id") or row["id"]],
                              mentions.__getitem__) for row in table.to_pylist()]
            write_parquet([_dataset_from_rows(rows, features).data.table], features, destination)
            written.append(relative.as_posix())
        if (release_dir / MANIFEST).exists():
            info = {k: v for k, v in read_manifest(release_dir).items() if k != "files"}
            write_manifest(tmp, {**info, "text": True, "rehydrated": True})
    return RehydrateResult(path=out_dir, articles=len(texts), files=tuple(written))


def default_texts_dir(root: Path) -> Path:
    return Path(root) / RAW_DIR_NAME
