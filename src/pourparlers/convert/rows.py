"""Rows of the four annotation tables, gathered as tuples and turned into Arrow in batches.

Provenance (file, task, annotation, annotator, layer) is registered once per annotation and ids
are made in Arrow, so the Python side never repeats a string per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from pourparlers.tables import ALTERNATE, GOLD, PROVENANCE, SCHEMAS

TABLES = ("entities", "events", "event_arguments", "stances")
# What the converter appends per row: the annotation's index in `Rows.provenance`, then these
# columns. Provenance and ids are added in Arrow (`Rows.tables`), so the Python side never
# repeats a string per row. `_holder` is the holder's region id, `_start`/`_end` the trigger's.
_ROW_COLUMNS = {
    "entities": ("region_id", "start", "end", "text", "export_text", "type", "canonical_id"),
    "events": ("region_id", "start", "end", "text", "export_text", "type", "realis"),
    "stances": ("region_id", "start", "end", "text", "export_text", "_holder", "target",
                "polarity", "attribution"),
    "event_arguments": ("region_id", "role", "target_region_id", "_start", "_end"),
}
# id column -> the region column it is made from, as f"{article_id}:{annotation_id}:{region}".
_IDS = {
    "entities": {"mention_id": "region_id"},
    "events": {"event_id": "region_id"},
    "stances": {"stance_id": "region_id", "holder_id": "_holder"},
    "event_arguments": {"event_id": "region_id", "mention_id": "target_region_id"},
}
_HIDDEN = {"_ann": pa.int64(), "_layer": pa.int8(), "_holder": pa.string(),
           "_start": pa.int32(), "_end": pa.int32()}
_PROVENANCE = pa.schema([*PROVENANCE[:-1], pa.field("_layer", pa.int8())])  # no region_id
_ORDER = {
    "entities": ("article_id", "_layer", "annotation_id", "start", "end", "region_id"),
    "events": ("article_id", "_layer", "annotation_id", "start", "end", "region_id"),
    "stances": ("article_id", "_layer", "annotation_id", "start", "end", "region_id"),
    "event_arguments": ("article_id", "_layer", "annotation_id", "_start", "_end", "region_id",
                        "target_region_id", "role"),
}
_LAYER_RANK = {GOLD: 0, ALTERNATE: 1}


@dataclass
class Counts:
    """What one task or file held and what became of it.

    Items = labels (`regions`), choices and textarea (`choices`), `relations`, and anything
    else in a result list (`other`). Every item is either `converted` (a row or an attribute
    of a row) or `rejected` (covered by a Problem), so `items == converted + rejected`.
    """

    tasks: int = 0
    gold: int = 0
    alternate: int = 0
    cancelled: int = 0
    regions: int = 0
    choices: int = 0
    relations: int = 0
    other: int = 0
    converted: int = 0
    rejected: int = 0
    rows: int = 0

    @property
    def items(self) -> int:
        return self.regions + self.choices + self.relations + self.other

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def count_item(self, item: object) -> None:
        kind = item.get("type") if type(item) is dict else None
        if kind == "labels":
            self.regions += 1
        elif kind in ("choices", "textarea"):
            self.choices += 1
        elif kind == "relation":
            self.relations += 1
        else:
            self.other += 1


class Rows:
    """Rows of the four tables, turned into Arrow in batches (`flush`) and joined at the end.

    The converter registers each annotation's provenance once (`annotation`) and appends row
    tuples (`lists`, columns as in `_ROW_COLUMNS`). `tables()` adds provenance and ids in
    Arrow and sorts by article, layer (gold first), annotation, offsets and region id, so the
    output never depends on the order of files or of items inside an export.
    """

    def __init__(self) -> None:
        self.provenance: list[tuple] = []
        self.lists: dict[str, list[tuple]] = {name: [] for name in TABLES}
        self._chunks: dict[str, list[pa.Table]] = {name: [] for name in TABLES}
        self._structs = {}
        for name, columns in _ROW_COLUMNS.items():
            fields = {f.name: f for f in SCHEMAS[name]}
            self._structs[name] = pa.struct([
                pa.field("_ann", _HIDDEN["_ann"]),
                *(fields.get(c) or pa.field(c, _HIDDEN[c]) for c in columns),
            ])

    def annotation(self, article_id: str, source_file: str, task_id: int, annotation_id: int,
                   annotator: str | None, layer: str) -> int:
        """Register one annotation's provenance; its rows refer to it by the returned index."""
        self.provenance.append((article_id, source_file, task_id, annotation_id, annotator,
                                layer, _LAYER_RANK[layer]))
        return len(self.provenance) - 1

    @property
    def pending(self) -> int:
        return sum(len(rows) for rows in self.lists.values())

    def flush(self) -> None:
        for name, rows in self.lists.items():
            if rows:
                # Tuples convert straight to a struct array: no Python-side transposition.
                struct = pa.array(rows, type=self._structs[name])
                self._chunks[name].append(pa.Table.from_struct_array(struct))
                rows.clear()

    def tables(self) -> dict[str, pa.Table]:
        self.flush()
        provenance = pa.Table.from_struct_array(
            pa.array(self.provenance, type=pa.struct(_PROVENANCE)))
        annotation_ids = pc.cast(provenance["annotation_id"], pa.string())
        out = {}
        for name in TABLES:
            chunks = self._chunks[name]
            if not chunks:
                out[name] = SCHEMAS[name].empty_table()
                continue
            rows = pa.concat_tables(chunks)
            index = rows["_ann"]
            columns = dict(zip(rows.column_names, rows.columns, strict=True))
            columns.update((c, provenance[c].take(index)) for c in _PROVENANCE.names)
            annotation = annotation_ids.take(index)
            for id_column, region_column in _IDS[name].items():
                columns[id_column] = pc.binary_join_element_wise(
                    columns["article_id"], annotation, columns[region_column], ":")
            table = pa.table(columns).sort_by([(key, "ascending") for key in _ORDER[name]])
            out[name] = table.select(SCHEMAS[name].names).cast(SCHEMAS[name])
        return out

