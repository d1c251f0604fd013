"""Writing a release's Parquet files as `Dataset.to_parquet` writes them, and byte for byte
the same whether a file is written whole or in batches.

Labels come in as strings and are encoded to `ClassLabel` ids in Arrow (`encoded`), with no
Python object per row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from datasets import ClassLabel, Dataset, Features
from datasets.info import DatasetInfo
from datasets.table import InMemoryTable

from pourparlers.build.features import has_label, with_string_labels

ROW_GROUP_ROWS = 10_000  # rows per parquet row group, in every file a release has
CDC_OPTIONS = datasets.config.DEFAULT_CDC_OPTIONS   # content-defined chunking, as datasets writes


def dataset_from_rows(rows: list[dict], features: Features) -> Dataset:
    """Rows as `Dataset.to_list` gives them (ClassLabels as ids) back into a Dataset."""
    return Dataset.from_list(rows, features=features)


def schemas_of(features: Features) -> tuple[pa.Schema, pa.Schema]:
    """Arrow schemas of `features` with the labels as strings, then as ClassLabel ids."""
    return with_string_labels(features).arrow_schema, features.arrow_schema


def encoded(table: pa.Table, features: Features, schemas: tuple[pa.Schema, pa.Schema]) -> pa.Table:
    """A table with labels as strings, in the Arrow schema of `features` (labels as ClassLabel
    ids, by `_encode`: `Dataset.from_dict` did it per example in Python). `schemas` are
    `schemas_of(features)`, which take milliseconds to make: a build makes them once per config."""
    plain, final = schemas
    columns = []
    for name, feature in features.items():
        column, kind = table.column(name), final.field(name).type
        if column.type != kind:   # labels not yet ids (the ner tags already are)
            column = pa.chunked_array([_encode(chunk.cast(plain.field(name).type), feature)
                                       for chunk in column.chunks], type=kind)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=final)


def dataset_of(table: pa.Table, features: Features) -> Dataset:
    """An encoded table as a Dataset. The fingerprint is derived from the content's shape
    instead of hashing every row: nothing caches transforms of these datasets."""
    fingerprint = hashlib.sha256(f"{features!r}:{len(table)}".encode()).hexdigest()[:16]
    return Dataset(InMemoryTable(table), info=DatasetInfo(features=features), fingerprint=fingerprint)


def write_parquet(parts: Iterable[pa.Table], features: Features, path: Path) -> int:
    """Write encoded tables as one parquet file, in row groups of `ROW_GROUP_ROWS` rows whatever
    the parts' sizes (so a file written whole, as `rehydrate` does, is byte-identical to one
    written in batches); the rows' Arrow size. The writer options are those of
    `Dataset.to_parquet` (content-defined chunking, page index), the schema carries the features."""
    schema = features.arrow_schema
    nbytes = 0
    with pq.ParquetWriter(path, schema, use_content_defined_chunking=CDC_OPTIONS,
                          write_page_index=True) as writer:
        pending = schema.empty_table()
        for part in parts:
            nbytes += part.nbytes
            pending = pa.concat_tables([pending, part])
            whole = pending.num_rows - pending.num_rows % ROW_GROUP_ROWS
            if whole:
                writer.write_table(pending.slice(0, whole), row_group_size=ROW_GROUP_ROWS)
                pending = pending.slice(whole)
        if pending.num_rows:
            writer.write_table(pending, row_group_size=ROW_GROUP_ROWS)
        writer.add_key_value_metadata({"content_defined_chunking": json.dumps(CDC_OPTIONS)})
    return nbytes



def _encode(array: pa.Array, feature) -> pa.Array:
    """String labels to ClassLabel ids, at any depth of lists and structs (validated data:
    every label is known, so no id is missing)."""
    if not has_label(feature):
        return array
    if isinstance(feature, ClassLabel):
        ids = pc.index_in(array, value_set=pa.array(feature.names, pa.string())).cast(pa.int64())
        if ids.null_count == 0:  # no validity bitmap, as Dataset.from_dict builds it (same nbytes)
            ids = pa.Array.from_buffers(pa.int64(), len(ids), [None, ids.buffers()[1]], offset=ids.offset)
        return ids
    if isinstance(feature, dict):
        children = [_encode(child, feature[name]) for name, child in zip(feature, array.flatten(), strict=True)]
        mask = array.is_null() if array.null_count else None
        return pa.StructArray.from_arrays(children, names=list(feature), mask=mask)
    values = _encode(array.values, feature.feature)
    mask = array.is_null() if array.null_count else None
    return type(array).from_arrays(array.offsets, values, mask=mask)

