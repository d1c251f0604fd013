"""What changed between two releases: articles, annotations per layer and type, schema.

Releases are compared by what users see (rows with labels by name, features), so the diff of a
release against its predecessor says whether its version bump is big enough.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pourparlers.release.manifest import MANIFEST

LAYERS = {"entities": "type", "events": "type", "stances": "target"}


def read_config(folder: Path, config: str) -> dict[str, list[dict]]:
    """Split -> rows of one config of a release folder, labels by name; {} if not shipped."""
    import pyarrow.parquet as pq
    from datasets import Features

    from pourparlers.build.features import decoded

    out = {}
    for path in sorted((Path(folder) / config).glob("*.parquet")):
        table = pq.read_table(path)
        features = Features.from_arrow_schema(table.schema)
        split = path.name.split("-", 1)[0]
        out.setdefault(split, []).extend(decoded(features, row) for row in table.to_pylist())
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


def flat_features(value, prefix: str = "") -> dict[str, object]:
    """Path -> feature description, with label lists, for comparing two feature dicts
    (`Features.to_dict()`): `("labels", names)` for a ClassLabel, else `(kind, dtype)`."""
    if isinstance(value, dict) and "_type" in value:
        kind = value["_type"]
        if kind == "ClassLabel":
            return {prefix: ("labels", tuple(value["names"]))}
        if kind in ("List", "LargeList", "Sequence"):
            return flat_features(value["feature"], prefix + "[]")
        return {prefix: (kind, value.get("dtype"))}
    if isinstance(value, dict):
        out = {}
        for name, inner in value.items():
            out.update(flat_features(inner, f"{prefix}.{name}" if prefix else name))
        return out
    if isinstance(value, list) and value:
        return flat_features(value[0], prefix + "[]")
    return {prefix: ("value", repr(value))}


def label_change(before: tuple[str, ...], after: tuple[str, ...]) -> str:
    """How the names of a ClassLabel changed: removed, added, or only reordered."""
    gone = [n for n in before if n not in after]
    came = [n for n in after if n not in before]
    return "; ".join(part for part in (
        f"labels removed: {', '.join(gone)}" if gone else "",
        f"labels added: {', '.join(came)}" if came else "",
        "label order changed" if not gone and not came else "",
    ) if part)


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
        before, after = flat_features(old[config]), flat_features(new[config])
        for path in sorted(set(before) - set(after)):
            changes.append(f"`{config}.{path}` removed")
        for path in sorted(set(after) - set(before)):
            changes.append(f"`{config}.{path}` added")
        for path in sorted(set(before) & set(after)):
            if before[path] == after[path]:
                continue
            if before[path][0] == after[path][0] == "labels":
                changes.append(f"`{config}.{path}`: {label_change(before[path][1], after[path][1])}")
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
                     "matched by its id `<article>:<region>`)")
    else:
        lines.append("- Annotations: no change.")
    if diff.schema:
        lines.append(f"- Schema (taxonomy {schema_version}): **breaking**")
        lines += [f"  - {change}" for change in diff.schema]
    else:
        lines.append(f"- Schema: no change (taxonomy {schema_version}).")
    lines.append(f"- Files: {n_files}, SHA-256 of each in `dist/{version}/{MANIFEST}`.")
    return "\n".join(lines) + "\n"
