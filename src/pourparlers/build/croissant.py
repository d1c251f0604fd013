"""`croissant.json`: the release described in Croissant 1.0 (JSON-LD), for the search engines and ML
catalogues that read it: every Parquet file with its SHA-256, one FileSet and one RecordSet per
config (its fields and their types, the split of each record taken from the file's path), the
splits, and the label table.

Generated from the written files and the features, after every Parquet file is written (the
checksums) and before the manifest (which lists this file too). Paths are relative to the
release folder, which `mlcroissant` reads as the dataset's local folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from datasets import ClassLabel, List, Value
from datasets.info import DatasetInfo

from pourparlers import atomic
from pourparlers.hashing import sha256_file
from pourparlers.taxonomy import Taxonomy

CROISSANT = "croissant.json"
CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/", "data": {"@id": "cr:data",
    "@type": "@json"}, "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
    "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet",
    "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField",
    "path": "cr:path", "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "rai": "http://mlcommons.org/croissant/RAI/", "equivalentProperty": "cr:equivalentProperty",
    "samplingRate": "cr:samplingRate",
    "repeated": "cr:repeated", "replace": "cr:replace", "sc": "https://schema.org/",
    "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField", "transform": "cr:transform",
}
PARQUET = "application/x-parquet"
# The split of a record, from its file's path (mlcroissant applies it to the extracted value too).
SPLIT_OF_PATH = r"^(?:.*/)?(train|validation|test)(?:-[^/]*\.parquet)?$"
_TYPES = {"string": "sc:Text", "int32": "sc:Integer", "int64": "sc:Integer", "bool": "sc:Boolean",
          "float32": "sc:Float", "float64": "sc:Float"}


def _data_type(feature) -> str:
    if isinstance(feature, ClassLabel):
        return "sc:Integer"          # the label's id: labels.parquet names it
    if isinstance(feature, Value):
        return _TYPES[feature.dtype]
    raise TypeError(f"no Croissant type for {feature!r}")


def _fields(config: str, features: dict, file_set: str, parent: str = "", column: str | None = None) -> list[dict]:
    """Croissant fields of `features`: structs as subFields, lists as `repeated`."""
    fields = []
    for name, feature in features.items():
        uid = f"{parent or config}/{name}"
        repeated = isinstance(feature, List)
        inner = feature.feature if repeated else feature
        source: dict = {"fileSet": {"@id": file_set}}
        if parent:
            source["extract"] = {"column": column}
            source["transform"] = {"jsonPath": name}
        else:
            source["extract"] = {"column": name}
        field = {"@type": "cr:Field", "@id": uid, "name": uid, "source": source}
        if isinstance(inner, dict):
            field["subField"] = _fields(config, inner, file_set, uid, column or name)
        else:
            field["dataType"] = _data_type(inner)
        if repeated:
            field["repeated"] = True
        if isinstance(inner, ClassLabel):
            column_path = uid.split("/", 1)[1].replace("/", ".")
            field["description"] = f"label id: see labels.parquet (config {config}, column {column_path})"
        fields.append(field)
    return fields


def croissant(folder: Path, *, version: str, repo_id: str, infos: dict[str, DatasetInfo],
              taxonomy: Taxonomy) -> dict:
    """The Croissant 1.0 description of the release folder `folder` (its Parquet files written)."""
    from pourparlers.build.labels import LABEL_TABLE
    from pourparlers.card import LICENSE_LINK, PRETTY_NAME

    folder = Path(folder)
    distribution, record_sets = [], []
    splits = sorted({split for info in infos.values() for split in info.splits},
                    key=("train", "validation", "test").index)
    record_sets.append({
        "@type": "cr:RecordSet", "dataType": "cr:Split", "@id": "splits", "name": "splits",
        "key": {"@id": "splits/split_name"},
        "field": [{"@type": "cr:Field", "@id": "splits/split_name", "name": "split_name", "dataType": "sc:Text"}],
        "data": [{"splits/split_name": split} for split in splits]})
    for path in sorted(folder.glob("*/*.parquet")):   # the configs' files; labels.parquet below
        relative = path.relative_to(folder).as_posix()
        distribution.append({"@type": "cr:FileObject", "@id": relative, "name": relative, "contentUrl": relative,
                             "encodingFormat": PARQUET, "sha256": sha256_file(path)})
    for config, info in infos.items():
        file_set = f"{config}-parquet"
        distribution.append({"@type": "cr:FileSet", "@id": file_set, "name": file_set,
                             "encodingFormat": PARQUET, "includes": f"{config}/*.parquet"})
        split_field = {"@type": "cr:Field", "@id": f"{config}/split", "name": f"{config}/split", "dataType": "sc:Text",
                       "source": {"fileSet": {"@id": file_set}, "extract": {"fileProperty": "fullpath"},
                                  "transform": {"regex": SPLIT_OF_PATH}},
                       "references": {"field": {"@id": "splits/split_name"}}}
        record_sets.append({"@type": "cr:RecordSet", "@id": config, "name": config,
                            "description": f"The `{config}` config (splits: {', '.join(info.splits)}).",
                            "field": [split_field, *_fields(config, info.features, file_set)]})
    labels = folder / LABEL_TABLE
    distribution.append({"@type": "cr:FileObject", "@id": LABEL_TABLE, "name": LABEL_TABLE, "contentUrl": LABEL_TABLE,
                         "encodingFormat": PARQUET, "sha256": sha256_file(labels)})
    record_sets.append({"@type": "cr:RecordSet", "@id": "labels", "name": "labels",
                        "description": "Every label of every label column: the names of the integer ids.",
                        "field": [{"@type": "cr:Field", "@id": f"labels/{name}", "name": f"labels/{name}",
                                   "dataType": "sc:Integer" if name == "id" else "sc:Text",
                                   "source": {"fileObject": {"@id": LABEL_TABLE}, "extract": {"column": name}}}
                                  for name in ("config", "column", "id", "name", "fr", "en", "plover", "cameo")]})
    return {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": PRETTY_NAME, "version": version,
        "description": ("French news articles on the 2025 Russia–Ukraine peace negotiations, annotated for "
                        f"entities, events and stances (taxonomy schema {taxonomy.schema_version})."),
        "url": f"https://huggingface.co/datasets/{repo_id}", "license": LICENSE_LINK,
        "inLanguage": "fr", "citeAs": f"pourparlers, release v{version}, Hugging Face dataset {repo_id}",
        "distribution": distribution, "recordSet": record_sets,
    }


def write_croissant(folder: Path, *, version: str, repo_id: str, infos: dict[str, DatasetInfo],
                    taxonomy: Taxonomy) -> None:
    document = croissant(folder, version=version, repo_id=repo_id, infos=infos, taxonomy=taxonomy)
    atomic.write_text(Path(folder) / CROISSANT, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def refresh_checksums(folder: Path) -> None:
    """`croissant.json` of `folder` with the SHA-256 of every file it lists recomputed (`rehydrate`
    rewrites the Parquet files of a text-free release)."""
    path = Path(folder) / CROISSANT
    document = json.loads(path.read_text(encoding="utf-8"))
    for item in document["distribution"]:
        if "sha256" in item:
            item["sha256"] = sha256_file(Path(folder) / item["contentUrl"])
    atomic.write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
