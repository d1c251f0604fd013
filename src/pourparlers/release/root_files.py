"""The files a build writes at a release's root beside the configs, each compared with what the
build itself writes, by the build's own functions:

- `labels.parquet` against `build.labels.label_rows` of the taxonomy: every label of every
  ClassLabel of every config, with its id, name and definitions;
- `croissant.json` against `build.croissant.croissant` made again for the release's files: its
  configs (the taxonomy's features, the splits the release has), the SHA-256 of every Parquet
  file, and the version and Hub repo the manifest records. A release's files are vouched for by
  its manifest, so croissant.json must give the manifest's SHA-256 (a changed file is reported
  once, by the manifest check); a build has no manifest, so croissant.json must give the files'
  own, and its version and Hub repo are read from it (the report says so).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from pourparlers.errors import Problem, problem
from pourparlers.release.diff import label_change
from pourparlers.release.verify import HINT_TAXONOMY
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate.checks import Check

LABEL_TABLE_CHECK = Check("label-table", "labels.parquet names every label of every ClassLabel as "
                          "schema/taxonomy.yaml does", ("label-table-mismatch",))
CROISSANT_CHECK = Check("croissant", "croissant.json is what the build writes for this release",
                        ("croissant-mismatch",))
DEFINITIONS = ("fr", "en", "plover", "cameo")


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


# -- labels.parquet -----------------------------------------------------------------------------

def _by_column(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        out.setdefault((row["config"], row["column"]), []).append(row)
    return out


def _column_problem(config: str, column: str, want: list[dict], have: list[dict]) -> str | None:
    """What differs in the labels of one column, or None."""
    where = f"{config}.{column}"
    if not have:
        return f"labels.parquet has no label of {where} (a ClassLabel of {len(want)} names)"
    if not want:
        return f"labels.parquet lists {len(have)} labels of {where}, which is no ClassLabel of the taxonomy's features"
    ids = [row["id"] for row in have]
    if sorted(ids) != list(range(len(have))):
        return f"the ids of {where} in labels.parquet are {', '.join(map(str, sorted(ids)))}, not 0 to {len(have) - 1}"
    names = tuple(row["name"] for row in sorted(have, key=lambda row: row["id"]))
    expected = tuple(row["name"] for row in want)
    if names != expected:
        return f"{where} in labels.parquet is not the taxonomy's ClassLabel: {label_change(expected, names)}"
    differ = [f"{row['name']} ({', '.join(k for k in DEFINITIONS if row[k] != found[k])})"
              for row, found in zip(want, sorted(have, key=lambda row: row["id"]), strict=True)
              if any(row[k] != found[k] for k in DEFINITIONS)]
    if differ:
        return f"the definitions of {where} in labels.parquet are not the taxonomy's: {'; '.join(differ)}"
    return None


def label_table_problems(folder: Path, taxonomy: Taxonomy) -> list[Problem]:
    """`labels.parquet` against the rows the build writes for the taxonomy (`label_rows`): one
    problem per label column that differs, or for a file that is missing or has other columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pourparlers.build.labels import LABEL_TABLE, SCHEMA, label_rows

    path = Path(folder) / LABEL_TABLE
    if not _regular(path):
        return [problem("label-table-mismatch", "the release has no labels.parquet (the names of the label ids)",
                        file=LABEL_TABLE, expected="every label of every ClassLabel", hint=HINT_TAXONOMY)]
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        return [problem("release-unreadable", f"cannot be read as Parquet: {error}", file=LABEL_TABLE)]
    if not table.schema.remove_metadata().equals(SCHEMA):
        found = ", ".join(f"{field.name} {field.type}" for field in table.schema)
        return [problem("label-table-mismatch", f"labels.parquet has the columns {found}",
                        file=LABEL_TABLE, expected=", ".join(f"{field.name} {field.type}" for field in SCHEMA),
                        hint=HINT_TAXONOMY)]
    want, have = _by_column(label_rows(taxonomy)), _by_column(table.to_pylist())
    problems = []
    for config, column in sorted(set(want) | set(have)):
        said = _column_problem(config, column, want.get((config, column), []), have.get((config, column), []))
        if said:
            problems.append(problem("label-table-mismatch", said, file=LABEL_TABLE, field=f"{config}.{column}",
                                    expected="the labels of schema/taxonomy.yaml", hint=HINT_TAXONOMY))
    return problems


# -- croissant.json -----------------------------------------------------------------------------

def _infos(files: Mapping[str, list], features: Mapping[str, object]) -> dict:
    """The `DatasetInfo` the build hands `croissant` for the configs with files: the taxonomy's
    features, and the splits of the files, in the build's orders."""
    from datasets.info import DatasetInfo
    from datasets.splits import SplitDict, SplitInfo

    from pourparlers.build.features import CONFIGS, SPLITS

    infos = {}
    for config in CONFIGS:
        splits = {Path(f.path).name.split("-", 1)[0] for f in files.get(config, ())}
        if not splits:
            continue
        known = SplitDict()
        for split in sorted(splits, key=lambda s: (SPLITS.index(s) if s in SPLITS else len(SPLITS), s)):
            known.add(SplitInfo(name=split))
        infos[config] = DatasetInfo(config_name=config, splits=known, features=features[config])
    return infos


def _items(document: dict, key: str) -> dict[str, object]:
    items = document.get(key)
    return {str(item.get("@id")): item for item in items if isinstance(item, dict)} if isinstance(items, list) else {}


def _json(value: object, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 1] + "…"


_KINDS = {"cr:FileObject": "file", "cr:FileSet": "file set", "cr:RecordSet": "record set"}


def _differences(want: dict, have: dict) -> list[tuple[str, str]]:
    """(field, what) for each difference between the croissant.json the build writes and the one found."""
    out = []
    for key in sorted(set(want) | set(have)):
        if key in ("distribution", "recordSet") or want.get(key) == have.get(key):
            continue
        out.append((key, f"croissant.json has {key} {_json(have.get(key))}; the build writes {_json(want.get(key))}"))
    for key in ("distribution", "recordSet"):
        expected, found = _items(want, key), _items(have, key)
        for name in sorted(set(expected) | set(found)):
            kind = _KINDS.get((expected.get(name) or found.get(name) or {}).get("@type"), "entry")
            if name not in found:
                out.append((f"{key}[{name}]", f"croissant.json lacks the {kind} {name}"))
            elif name not in expected:
                out.append((f"{key}[{name}]", f"croissant.json has the {kind} {name}, which the release does not have"))
            elif expected[name] != found[name]:
                a, b = expected[name], found[name]
                if key == "distribution" and a.get("sha256") != b.get("sha256"):
                    said = (f"croissant.json gives {name} the SHA-256 {b.get('sha256')}, and the file has "
                            f"{a.get('sha256')}")
                else:
                    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                    said = f"the {kind} {name} of croissant.json is not the build's (it differs in {', '.join(differ)})"
                out.append((f"{key}[{name}]", said))
    return out


def _same_files(want: dict, have: dict, files: Mapping[str, list], manifest: dict | None) -> tuple[list, dict]:
    """The files both descriptions are compared on: the Parquet files of the configs and
    labels.parquet (the others are the manifest's, or left alone in a build), and the files
    croissant.json lists. A release's manifest vouches for its files: croissant.json is compared
    on the files it lists, with the SHA-256 it records, so that a file missing, added or changed
    is reported once, by the manifest check."""
    from pourparlers.build.labels import LABEL_TABLE

    vouched = manifest.get("files") if isinstance(manifest, dict) else None
    vouched = vouched if isinstance(vouched, dict) else None
    keep = {f.path for found in files.values() for f in found} | {LABEL_TABLE}
    if vouched is not None:
        keep &= set(vouched)
    listed = {item.get("@id") for item in have.get("distribution") or () if _is_file(item)}
    compared = keep | (listed - set(vouched or ()))
    distribution = []
    for item in want["distribution"]:
        if _is_file(item) and item["@id"] not in keep:
            continue
        if _is_file(item) and vouched is not None:
            item = {**item, "sha256": vouched[item["@id"]].get("sha256")}
        distribution.append(item)
    if isinstance(have.get("distribution"), list):
        have = {**have, "distribution": [item for item in have["distribution"]
                                         if not _is_file(item) or item.get("@id") in compared]}
    return distribution, have


def _is_file(item: object) -> bool:
    return isinstance(item, dict) and item.get("@type") == "cr:FileObject"


def croissant_problems(folder: Path, taxonomy: Taxonomy, files: Mapping[str, list], features: Mapping[str, object],
                       manifest: dict | None) -> tuple[list[Problem], bool]:
    """`croissant.json` against what `build.croissant.croissant` writes for this release; and
    whether it could be made (it hashes labels.parquet, whose absence its own check reports)."""
    from pourparlers.build.croissant import CROISSANT, croissant
    from pourparlers.build.labels import LABEL_TABLE

    folder = Path(folder)
    path = folder / CROISSANT
    if not _regular(path):
        return [problem("croissant-mismatch", "the release has no croissant.json", file=CROISSANT,
                        expected="the Croissant description the build writes", hint=HINT_TAXONOMY)], True
    try:
        have = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(have, dict):
            raise ValueError("not a JSON object")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return [problem("release-unreadable", f"cannot be read as a JSON object: {error}", file=CROISSANT)], True
    if not _regular(folder / LABEL_TABLE):
        return [], False
    recorded = manifest if isinstance(manifest, dict) else {}
    version = recorded.get("version") or have.get("version")
    url = str(have.get("url", ""))
    repo_id = recorded.get("repo_id") or url.removeprefix("https://huggingface.co/datasets/")
    want = croissant(folder, version=str(version), repo_id=str(repo_id), infos=_infos(files, features),
                     taxonomy=taxonomy)
    want["distribution"], have = _same_files(want, have, files, manifest)
    return [problem("croissant-mismatch", said, file=CROISSANT, field=field, expected="what the build writes",
                    hint=HINT_TAXONOMY) for field, said in _differences(want, have)], True
