"""What the corpus and actor pages gather while the article pages are written, one article at a
time (the gold annotations of the `documents` config): per article its counts, per actor its
mentions, stances and events by role, the stance map and the events by publication date; and,
from the Parquet files, the counts per config, split and label."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

NO_DATE = "(no date)"


def period(published: str | None) -> str:
    """The publication month (`2025-05`) an article is counted in; its year when only the year
    is known; NO_DATE without a date."""
    if not published:
        return NO_DATE
    return published[:7]


@dataclass
class Corpus:
    articles: list[dict] = field(default_factory=list)       # one summary per article
    mentions: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    stances: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    events: dict[str, dict[str, list[dict]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    stance_cells: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    stances_without_actor: int = 0
    events_by_date: Counter = field(default_factory=Counter)

    def add(self, document: dict, split: str, page: str) -> None:
        """Gather one `documents` row (the gold annotation of one article)."""
        article_id = document["id"]
        where = {"article_id": article_id, "title": document["title"], "page": page}
        self.articles.append({"id": article_id, "title": document["title"], "source": document["source"],
                              "published": document["published"], "split": split, "page": page,
                              "entities": len(document["entities"]), "events": len(document["events"]),
                              "stances": len(document["stances"]), "n_chars": document["n_chars"]})
        for entity in document["entities"]:
            if entity["canonical_id"]:
                self.mentions[entity["canonical_id"]].append({**where, "id": entity["id"], "text": entity["text"],
                                                               "type": entity["type"], "start": entity["start"],
                                                               "end": entity["end"]})
        for stance in document["stances"]:
            actor = stance["holder_canonical_id"]
            if not actor:
                self.stances_without_actor += 1
                continue
            self.stances[actor].append({**where, "id": stance["id"], "target": stance["target"],
                                        "polarity": stance["polarity"], "attribution": stance["attribution"],
                                        "holder_text": stance["holder_text"], "text": stance["evidence"]["text"]})
            self.stance_cells[(actor, stance["target"])][stance["polarity"]] += 1
        when = period(document["published"])
        for event in document["events"]:
            self.events_by_date[(event["type"], when)] += 1
            for argument in event["arguments"]:
                if argument["canonical_id"]:
                    self.events[argument["canonical_id"]][argument["role"]].append({
                        **where, "id": event["id"], "type": event["type"], "realis": event["realis"],
                        "text": event["trigger"]["text"], "filler": argument["text"]})

    def map_actors(self, limit: int) -> tuple[list[str], int]:
        """The actors of the stance map (the `limit` with the most stances, then by id), and how
        many actors hold a stance in all."""
        ranked = sorted(self.stances, key=lambda actor: (-len(self.stances[actor]), actor))
        return ranked[:limit], len(ranked)


# -- counts from the Parquet files -----------------------------------------------------------

def config_counts(folder: Path, configs: tuple[str, ...], splits: tuple[str, ...]) -> list[dict]:
    """Per config: rows per split and in all (from the Parquet metadata)."""
    out = []
    for config in configs:
        row = {"config": config, "splits": {}}
        for path in sorted((folder / config).glob("*.parquet")):
            split = path.name.split("-", 1)[0]
            row["splits"][split] = row["splits"].get(split, 0) + pq.ParquetFile(path).metadata.num_rows
        if row["splits"]:
            row["total"] = sum(row["splits"].values())
            row["splits"] = {split: row["splits"].get(split, 0) for split in splits}
            out.append(row)
    return out


def _values(array: pa.ChunkedArray, path: list[str]) -> pa.Array:
    """The leaf values at `path` (struct fields, lists flattened on the way) of a column."""
    values = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    for name in path:
        while pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
            values = pc.list_flatten(values)
        values = pc.struct_field(values, name)
    while pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        values = pc.list_flatten(values)
    return values


def label_counts(folder: Path, skip: tuple[str, ...] = ("documents",)) -> list[dict]:
    """Every label column of `labels.parquet` (but those of `skip`: `documents` repeats the
    entities, events and stances configs), each label with its English definition and count."""
    labels = pq.read_table(folder / "labels.parquet").to_pylist()
    columns: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in labels:
        if row["config"] not in skip:
            columns[(row["config"], row["column"])].append(row)
    out = []
    for (config, column), names in columns.items():
        top, *rest = column.split(".")
        counted: Counter = Counter()
        for path in sorted((folder / config).glob("*.parquet")):
            table = pq.read_table(path, columns=[top])
            values = _values(table.column(top), rest)
            for item in pc.value_counts(values.drop_null()).to_pylist():
                counted[item["values"]] += item["counts"]
        out.append({"config": config, "column": column,
                    "labels": [{"name": row["name"], "en": row["en"] or "", "count": counted.get(row["id"], 0)}
                               for row in sorted(names, key=lambda r: r["id"])]})
    return out
