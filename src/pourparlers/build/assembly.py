"""The release's configs, assembled a batch of articles at a time from the validated tables.

Articles are ordered by split (`split_of`, a hash of the id), then id; every annotation table is
copied once in release order; a batch is then a slice of those copies, nested with list offsets
and labelled in Arrow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pourparlers.build.features import SPLITS, article_fields, release_features
from pourparlers.build.ner import ner_tag_ids, token_frame
from pourparlers.build.parquet import encoded, schemas_of
from pourparlers.errors import BuildError, InvalidData
from pourparlers.tables import GOLD, SCHEMAS
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate import check_tables

BATCH_ARTICLES = 1_000   # articles built (and tokenized) at once: bounds a build's working memory


def split_of(article_id: str) -> str:
    """Split of an article from a SHA-256 of its id alone, so adding articles never moves one."""
    digest = hashlib.sha256(article_id.encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "big") % 100
    if bucket < 80:
        return "train"
    return "validation" if bucket < 90 else "test"



def released_tables(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Each table in the `tables.py` layout, annotation tables cut to the gold layer."""
    missing = sorted(set(SCHEMAS) - set(tables))
    if missing:
        raise BuildError(f"missing table(s): {', '.join(missing)}",
                         hint="pass every table of tables.SCHEMAS (an empty one if need be)")
    out = {}
    for name, schema in SCHEMAS.items():
        table = tables[name]
        absent = [column for column in schema.names if column not in table.column_names]
        if absent:
            raise BuildError(f"table {name} lacks column(s): {', '.join(absent)}",
                             hint="build the tables with `pourparlers convert`")
        try:
            table = table.select(schema.names).cast(schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
            raise BuildError(f"table {name} does not match tables.{name.upper()}: {exc}") from exc
        if "layer" in schema.names:
            released = pc.equal(table["layer"], GOLD)
            if not pc.all(released).as_py():   # (a filter copies the table even when it keeps all)
                table = table.filter(released)
        out[name] = table
    return _with_release_ids(out)


def _with_release_ids(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Every id and reference as `<article>:<region>`, the ids a release gives.

    The tables' ids hold the annotation's id, which a server assigns; a release holds one
    annotation per article, so its region ids suffice, and an unchanged region keeps its id
    whichever server the annotation went through.
    """
    def release_id(table: pa.Table, region: str) -> pa.ChunkedArray:
        return pc.binary_join_element_wise(table["article_id"], table[region], ":")

    def replaced(table: pa.Table, column: str, values) -> pa.Table:
        return table.set_column(table.schema.get_field_index(column), column, values)

    out = dict(tables)
    for name, column in (("entities", "mention_id"), ("events", "event_id"), ("stances", "stance_id")):
        out[name] = replaced(tables[name], column, release_id(tables[name], "region_id"))
    holders = pc.replace_substring_regex(tables["stances"]["holder_id"], _ANNOTATION_PART, r"\1:")
    out["stances"] = replaced(out["stances"], "holder_id", holders)
    arguments = tables["event_arguments"]
    arguments = replaced(arguments, "event_id", release_id(arguments, "region_id"))
    out["event_arguments"] = replaced(arguments, "mention_id", release_id(arguments, "target_region_id"))
    return out


_ANNOTATION_PART = r"^([^:]*):[^:]*:"   # `<article>:<annotation>:` (neither holds a `:`)


# The columns of each annotation table that a release uses, besides its id.
_RELEASED_COLUMNS = {
    "mention_id": ("article_id", "start", "end", "text", "type", "canonical_id"),
    "event_id": ("article_id", "start", "end", "text", "type", "realis"),
    "stance_id": ("article_id", "start", "end", "text", "holder_id", "target", "polarity", "attribution"),
}


def _ordered(table: pa.Table, id_column: str, article_ids: pa.Array) -> tuple[pa.Table, np.ndarray]:
    """The released columns in release order (article as in `article_ids`, start, end, id), and
    the article index of each row. One compact copy: a batch is then a zero-copy slice (a take
    from the many chunks of the input would cost a pass over them per batch). Arrow compares
    strings bytewise, which for UTF-8 is code-point order, as Python's `sorted` does."""
    table = table.select([id_column, *_RELEASED_COLUMNS[id_column]])
    owner = _positions(table["article_id"].combine_chunks(), article_ids)
    keys = pa.table({"_owner": owner, "start": table["start"], "end": table["end"],
                     id_column: table[id_column]})
    order = pc.sort_indices(keys, sort_keys=[(name, "ascending") for name in keys.column_names])
    return table.take(order).combine_chunks(), owner[order.to_numpy()]


def _lists(values: pa.Array, owner: np.ndarray, n_owners: int) -> pa.Array:
    """`values` (ordered by `owner`, the row index each belongs to) as one list per owner."""
    counts = np.bincount(owner, minlength=n_owners) if len(owner) else np.zeros(n_owners, np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)


def _positions(keys: pa.Array, among: pa.Array) -> np.ndarray:
    """Index of each key in `among` (every key is there: validated references)."""
    return pc.index_in(keys, value_set=among).to_numpy(zero_copy_only=False).astype(np.int64)


def _struct(columns: dict[str, pa.Array]) -> pa.StructArray:
    return pa.StructArray.from_arrays(list(columns.values()), names=list(columns))



class Assembly:
    """The release's configs, built a batch of articles at a time from the validated tables.

    Articles are ordered by split, then id, and the released columns of every annotation table
    are copied once in release order (article, start, end, id). A batch of `BATCH_ARTICLES`
    articles is then a slice of them: nested with list offsets and labelled with `index_in`, with
    no Python object per row. Besides the input tables only that copy stays in memory; a config
    is never held whole.
    """

    def __init__(self, tables: dict[str, pa.Table], taxonomy: Taxonomy, validated: bool) -> None:
        rows = released_tables(tables)
        problems = [] if validated else check_tables(tables, taxonomy)
        if problems:
            raise InvalidData(problems, hint="a release is never built from data that fails validation")
        if not rows["articles"].num_rows:
            raise BuildError("no article to release", hint="ingest articles with `pourparlers ingest`")
        self.taxonomy = taxonomy
        self.features = release_features(taxonomy)
        self.schemas = {config: schemas_of(features) for config, features in self.features.items()}
        self.articles = rows["articles"]
        ids = self.articles["article_id"].combine_chunks()
        split = pa.array([SPLITS.index(split_of(a)) for a in ids.to_pylist()], pa.int8())
        self.article_order = pc.sort_indices(pa.table({"split": split, "id": ids}), sort_keys=[
            ("split", "ascending"), ("id", "ascending")]).to_numpy()
        self.article_ids = ids.take(self.article_order)
        per_split = np.bincount(split.to_numpy(), minlength=len(SPLITS))
        self.split_bounds = np.concatenate([[0], np.cumsum(per_split)])   # article index bounds
        self.present = [name for name, n in zip(SPLITS, per_split, strict=True) if n]
        source_columns = ("article_id", "title", "source", "published", "url", "notes")
        self.sources = self.articles.select(list(source_columns)).sort_by("article_id").to_pylist()
        self.ner_unrepresented = 0

        self.entity_types = pa.array(taxonomy.entity_types, pa.string())
        self.coarse = pa.array([taxonomy.coarse_of[t] for t in taxonomy.entity_types], pa.string())
        self.entities, self.entity_article = _ordered(rows["entities"], "mention_id", self.article_ids)
        self._rows = rows

    def order_the_rest(self) -> None:
        """Order events, stances and arguments too. Apart from `__init__` because the ner config
        needs only the articles and entities: a build starts writing it before this runs."""
        rows = self._rows
        self.events, self.event_article = _ordered(rows["events"], "event_id", self.article_ids)
        self.stances, self.stance_article = _ordered(rows["stances"], "stance_id", self.article_ids)
        # The entity row of each stance holder and argument filler, in one lookup.
        arguments = rows["event_arguments"]
        holder = pc.if_else(pc.equal(self.stances["holder_id"], ""), None, self.stances["holder_id"])
        referred = pa.chunked_array([*holder.chunks, *arguments["mention_id"].chunks], pa.string())
        rows_of = pc.index_in(referred, value_set=_flat(self.entities["mention_id"]))
        self.holder_row = rows_of.slice(0, len(holder))
        filler = rows_of.slice(len(holder))

        # Arguments, ordered (event position, filler start, end, role, entity) once for all.
        event = _positions(arguments["event_id"].combine_chunks(), _flat(self.events["event_id"]))
        entities = self.entities
        arguments = pa.table({
            "role": arguments["role"], "entity_id": arguments["mention_id"],
            "text": entities["text"].take(filler), "_event": event,
            "_start": entities["start"].take(filler), "_end": entities["end"].take(filler),
            "_role": pc.fill_null(arguments["role"], "")})
        arguments = arguments.take(pc.sort_indices(arguments, sort_keys=[(name, "ascending") for name in (
            "_event", "_start", "_end", "_role", "entity_id")]))
        self.argument_event = arguments["_event"].to_numpy()
        self.arguments = arguments.select(["role", "entity_id", "text"])
        self._rows = None

    def rows_in(self, config: str, split: str) -> int:
        lo, hi = self._articles_of(split)
        owner = self._owner_of(config)
        return hi - lo if owner is None else int(np.searchsorted(owner, hi) - np.searchsorted(owner, lo))

    def _articles_of(self, split: str) -> tuple[int, int]:
        index = SPLITS.index(split)
        return int(self.split_bounds[index]), int(self.split_bounds[index + 1])

    def _owner_of(self, config: str) -> np.ndarray | None:
        owner = {"entities": "entity_article", "events": "event_article", "stances": "stance_article"}.get(config)
        return None if owner is None else getattr(self, owner)

    def _entities(self, lo: int, hi: int) -> dict[str, pa.Array]:
        """Entity rows `lo:hi` of the release order, as release columns (labels as strings)."""
        rows = self.entities.slice(lo, hi - lo)
        kind = _flat(rows["type"])
        return {"id": rows["mention_id"], "article_id": rows["article_id"], "start": rows["start"],
                "end": rows["end"], "text": rows["text"], "type": kind,
                "coarse_type": self.coarse.take(pc.index_in(kind, value_set=self.entity_types)),
                "canonical_id": rows["canonical_id"]}

    def _events(self, lo: int, hi: int) -> dict[str, pa.Array]:
        rows = self.events.slice(lo, hi - lo)
        first, last = np.searchsorted(self.argument_event, [lo, hi])
        args = self.arguments.slice(first, last - first)
        arguments = _lists(_struct({name: _flat(args[name]) for name in args.column_names}),
                           self.argument_event[first:last] - lo, hi - lo)
        return {"id": rows["event_id"], "article_id": rows["article_id"], "type": rows["type"],
                "realis": rows["realis"], "trigger": _struct({k: _flat(rows[k]) for k in ("start", "end", "text")}),
                "arguments": arguments}

    def _stances(self, lo: int, hi: int) -> dict[str, pa.Array]:
        rows = self.stances.slice(lo, hi - lo)
        return {"id": rows["stance_id"], "article_id": rows["article_id"], "holder_id": rows["holder_id"],
                "holder_text": self.entities["text"].take(self.holder_row.slice(lo, hi - lo)),
                "target": rows["target"], "polarity": rows["polarity"], "attribution": rows["attribution"],
                "evidence": _struct({k: _flat(rows[k]) for k in ("start", "end", "text")})}

    def _ner(self, articles: pa.Table, first: int, last: int) -> dict[str, pa.Array]:
        tokens = token_frame(articles["text"])
        lo, hi = np.searchsorted(self.entity_article, [first, last])
        rows = self.entities.slice(lo, hi - lo)
        mentions = pa.table({"row": self.entity_article[lo:hi] - first, "start": rows["start"], "end": rows["end"],
                             "id": rows["mention_id"], "type": rows["type"]})
        tags, unrepresented = ner_tag_ids(tokens, mentions, self.taxonomy)
        self.ner_unrepresented += unrepresented
        counts = np.bincount(tokens["row"].to_numpy(), minlength=last - first)
        offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
        return {name: pa.ListArray.from_arrays(offsets, values) for name, values in (
            ("tokens", tokens["token"].to_arrow().cast(pa.string())),
            ("token_starts", pa.array(tokens["start"].to_numpy(), pa.int32())),
            ("token_ends", pa.array(tokens["end"].to_numpy(), pa.int32())),
            ("ner_tags", pa.array(tags, pa.int64())))}

    def _batch(self, config: str, first: int, last: int) -> pa.Table:
        """Articles `first:last` of the release order: their rows of `config`, in its features."""
        features = self.features[config]
        owner = self._owner_of(config)
        if owner is not None:
            lo, hi = np.searchsorted(owner, [first, last])
            columns = getattr(self, f"_{config}")(int(lo), int(hi))
        else:
            articles = self.articles.take(self.article_order[first:last])
            columns = {"id": articles["article_id"], "article_id": articles["article_id"],
                       **{name: articles[name] for name in article_fields() if name != "id"}}
            if config == "ner":
                columns.update(self._ner(articles, first, last))
            for name, owner in (("entities", self.entity_article), ("events", self.event_article),
                                ("stances", self.stance_article)) if config == "documents" else ():
                lo, hi = np.searchsorted(owner, [first, last])
                part = getattr(self, f"_{name}")(int(lo), int(hi))
                inner = _struct({k: _flat(part[k]) for k in features[name].feature})
                columns[name] = _lists(inner, owner[lo:hi] - first, last - first)
        return encoded(pa.table({name: columns[name] for name in features}), features,
                        self.schemas[config])

    def batches(self, config: str, split: str) -> Iterator[pa.Table]:
        """A split of a config, `BATCH_ARTICLES` articles at a time."""
        lo, hi = self._articles_of(split)
        for first in range(lo, hi, BATCH_ARTICLES):
            yield self._batch(config, first, min(first + BATCH_ARTICLES, hi))


def _flat(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array for a column, zero-copy when it is one chunk (`combine_chunks` always copies)."""
    if isinstance(column, pa.ChunkedArray):
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column

