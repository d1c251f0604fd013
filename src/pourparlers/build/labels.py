"""The label table every release ships (`labels.parquet`): one row per label of every label column
of every config, so a release reads without `datasets` (pandas, polars, DuckDB join on it).

Generated from the features (the ClassLabels, themselves from the taxonomy): `config`, `column`
(the dotted path of the column, e.g. `arguments.role` or `entities.type` in `documents`), `id`
(the integer stored in the Parquet files), `name`, and, where the taxonomy has them, the French
and English definitions and the PLOVER and CAMEO codes (for realis, `plover` is the PLOVER
auxiliary mode).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import ClassLabel, List

from pourparlers import atomic
from pourparlers.taxonomy import Taxonomy

LABEL_TABLE = "labels.parquet"
SCHEMA = pa.schema([
    pa.field("config", pa.string(), nullable=False),
    pa.field("column", pa.string(), nullable=False),
    pa.field("id", pa.int64(), nullable=False),
    pa.field("name", pa.string(), nullable=False),
    pa.field("fr", pa.string()),
    pa.field("en", pa.string()),
    pa.field("plover", pa.string()),
    pa.field("cameo", pa.string()),
])


def label_columns(features, prefix: str = "") -> dict[str, ClassLabel]:
    """Dotted path -> ClassLabel of every label column of a config's features (lists are
    transparent: `arguments.role`, `ner_tags`)."""
    if isinstance(features, ClassLabel):
        return {prefix: features}
    if isinstance(features, List):
        return label_columns(features.feature, prefix)
    if isinstance(features, dict):
        out = {}
        for name, inner in features.items():
            out.update(label_columns(inner, f"{prefix}.{name}" if prefix else name))
        return out
    return {}


def _definitions(taxonomy: Taxonomy) -> dict[str, dict[str, dict]]:
    """Label list (its names joined) -> name -> fr, en, plover, cameo, from the taxonomy."""
    spec = taxonomy.spec

    def of(items, **codes) -> dict[str, dict]:
        return {item.name: {"fr": item.fr, "en": item.en,
                            **{key: getattr(item, attribute) or None for key, attribute in codes.items()}}
                for item in items}

    entities = of(spec.entity_types)
    tags = {"O": {}, **{f"{edge}-{name}": definition for name, definition in entities.items() for edge in "BI"}}
    known = [entities, of(spec.event_types, plover="plover", cameo="cameo"),
             of(spec.realis, plover="plover_mode"), of(spec.stance.targets), of(spec.stance.polarities),
             of(spec.stance.attributions), tags]
    return {"\x1f".join(definitions): definitions for definitions in known}


def label_rows(taxonomy: Taxonomy) -> list[dict]:
    """Every label of every label column of every config, in config and column order."""
    from pourparlers.build.features import CONFIGS, release_features

    features = release_features(taxonomy)
    definitions = _definitions(taxonomy)
    rows = []
    for config in CONFIGS:
        for column, label in label_columns(features[config]).items():
            known = definitions.get("\x1f".join(label.names), {})
            rows += [{"config": config, "column": column, "id": index, "name": name,
                      "fr": None, "en": None, "plover": None, "cameo": None, **known.get(name, {})}
                     for index, name in enumerate(label.names)]
    return rows


def write_label_table(taxonomy: Taxonomy, path: Path) -> None:
    """`labels.parquet`: the same bytes for the same taxonomy."""
    buffer = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(label_rows(taxonomy), schema=SCHEMA), buffer)
    atomic.write_bytes(path, buffer.getvalue().to_pybytes())
