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


class ParquetStream:
    """A Parquet file written as `Dataset.to_parquet` writes it, from encoded tables given one at
    a time, in row groups of `ROW_GROUP_ROWS` rows whatever the tables' sizes (so a file written
    whole, as `rehydrate` does, is byte-identical to one written in batches). The writer options
    are those of `Dataset.to_parquet` (content-defined chunking, page index), the schema carries
    the features; `close` returns the rows' Arrow size."""

    def __init__(self, features: Features, path: Path) -> None:
        self.path, self.schema, self.nbytes = Path(path), features.arrow_schema, 0
        self.writer = pq.ParquetWriter(path, self.schema, use_content_defined_chunking=CDC_OPTIONS,
                                       write_page_index=True)
        self.pending = self.schema.empty_table()

    def write(self, part: pa.Table) -> None:
        self.nbytes += part.nbytes
        self.pending = pa.concat_tables([self.pending, part])
        whole = self.pending.num_rows - self.pending.num_rows % ROW_GROUP_ROWS
        if whole:
            self.writer.write_table(self.pending.slice(0, whole), row_group_size=ROW_GROUP_ROWS)
            self.pending = self.pending.slice(whole)

    def close(self) -> int:
        if self.pending.num_rows:
            self.writer.write_table(self.pending, row_group_size=ROW_GROUP_ROWS)
        self.writer.add_key_value_metadata({"content_defined_chunking": json.dumps(CDC_OPTIONS)})
        self.writer.close()
        return self.nbytes


def write_parquet(parts: Iterable[pa.Table], features: Features, path: Path) -> int:
    """Write encoded tables as one Parquet file (`ParquetStream`); the rows' Arrow size."""
    stream = ParquetStream(features, path)
    try:
        for part in parts:
            stream.write(part)
    except BaseException:
        stream.writer.close()
        raise
    return stream.close()



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

