"""The release's configs, assembled a batch of articles at a time from the validated tables.

Articles are ordered by split (`split_of`, a hash of the id), then id; every annotation table is
copied once in release order; a batch is then a slice of those copies, nested with list offsets
and labelled in Arrow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from pourparlers.build.features import SPLITS, article_fields, release_features
from pourparlers.build.ner import ner_tag_ids, token_frame
from pourparlers.build.parquet import encoded, schemas_of
from pourparlers.build.sentences import SentenceStats, sentence_columns, sentence_frame
from pourparlers.errors import BuildError, InvalidData
from pourparlers.tables import GOLD, LAYERS, SCHEMAS
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



def released_tables(tables: dict[str, pa.Table]) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    """Each table in the `tables.py` layout: annotation tables cut to the gold layer, then every
    layer (the `annotations` config)."""
    missing = sorted(set(SCHEMAS) - set(tables))
    if missing:
        raise BuildError(f"missing table(s): {', '.join(missing)}",
                         hint="pass every table of tables.SCHEMAS (an empty one if need be)")
    gold, every = {}, {}
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
        every[name] = table
        if "layer" in schema.names:
            released = pc.equal(table["layer"], GOLD)
            if not pc.all(released).as_py():   # (a filter copies the table even when it keeps all)
                table = table.filter(released)
        gold[name] = table
    return _with_release_ids(gold), every


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


def _with_annotation_ids(tables: dict[str, pa.Table], ids: pl.DataFrame) -> dict[str, pa.Table]:
    """Every id and reference of the non-gold layers as `<annotation>:<region>`, where
    `<annotation>` is the released id of its annotation (`<article>:<layer>:<n>`, from `ids`:
    article_id, annotation_id, _id): like the gold ids, they hold no id a server assigns."""
    def prefixed(table: pa.Table, columns: dict[str, str]) -> pa.Table:
        frame = pl.from_arrow(table).join(ids, on=["article_id", "annotation_id"], how="left",
                                          maintain_order="left")
        frame = frame.with_columns(pl.concat_str("_id", region, separator=":").alias(column)
                                   for column, region in columns.items())
        return frame.drop("_id").to_arrow().select(table.column_names).cast(table.schema)

    def region_of(column: str) -> pl.Expr:   # the region part of `<article>:<annotation>:<region>`
        return pl.col(column).str.replace(_ANNOTATION_PART, "")

    out = dict(tables)
    for name, column in (("entities", "mention_id"), ("events", "event_id")):
        out[name] = prefixed(tables[name], {column: pl.col("region_id")})
    stances = prefixed(tables["stances"], {"stance_id": pl.col("region_id")})
    holder = pl.from_arrow(tables["stances"]).join(ids, on=["article_id", "annotation_id"], how="left",
                                                   maintain_order="left")
    holder = holder.select(pl.when(pl.col("holder_id").is_null() | (pl.col("holder_id") == "")).then(
        pl.col("holder_id")).otherwise(pl.concat_str("_id", region_of("holder_id"), separator=":")))
    out["stances"] = stances.set_column(stances.schema.get_field_index("holder_id"), "holder_id",
                                        holder.to_series().to_arrow().cast(pa.string()))
    out["event_arguments"] = prefixed(tables["event_arguments"], {
        "event_id": pl.col("region_id"), "mention_id": pl.col("target_region_id")})
    return out


# The columns of each annotation table that a release uses, besides its id.
_RELEASED_COLUMNS = {
    "mention_id": ("article_id", "start", "end", "text", "type", "canonical_id"),
    "event_id": ("article_id", "start", "end", "text", "type", "realis"),
    "stance_id": ("article_id", "start", "end", "text", "holder_id", "target", "polarity", "attribution"),
}


def _ordered(table: pa.Table, id_column: str, owner: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """The released columns in release order (owner, start, end, id), and the owner index of each
    row (an article's or an annotation's position). One compact copy: a batch is then a zero-copy
    slice (a take from the many chunks of the input would cost a pass over them per batch). Arrow
    compares strings bytewise, which for UTF-8 is code-point order, as Python's `sorted` does."""
    table = table.select([id_column, *_RELEASED_COLUMNS[id_column]])
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


class Annotated:
    """Entity mentions, events (with their arguments) and stances of some annotations, each
    ordered by owner (the index of an article, or of an annotation), start, end, id: a batch of
    owners is then a slice of each."""

    def __init__(self, entities: pa.Table, owner: np.ndarray, coarse: pa.Array, entity_types: pa.Array) -> None:
        self.entities, self.entity_owner = _ordered(entities, "mention_id", owner)
        self.coarse, self.entity_types = coarse, entity_types

    def order_the_rest(self, events: pa.Table, event_owner: np.ndarray, stances: pa.Table,
                       stance_owner: np.ndarray, arguments: pa.Table) -> None:
        self.events, self.event_owner = _ordered(events, "event_id", event_owner)
        self.stances, self.stance_owner = _ordered(stances, "stance_id", stance_owner)
        # The entity row of each stance holder and argument filler, in one lookup.
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
            "text": entities["text"].take(filler), "canonical_id": entities["canonical_id"].take(filler),
            "_event": event, "_start": entities["start"].take(filler), "_end": entities["end"].take(filler),
            "_role": pc.fill_null(arguments["role"], "")})
        arguments = arguments.take(pc.sort_indices(arguments, sort_keys=[(name, "ascending") for name in (
            "_event", "_start", "_end", "_role", "entity_id")]))
        self.argument_event = arguments["_event"].to_numpy()
        self.arguments = arguments.select(["role", "entity_id", "text", "canonical_id"])

    def owner_of(self, name: str) -> np.ndarray:
        return {"entities": self.entity_owner, "events": self.event_owner, "stances": self.stance_owner}[name]

    def entities_of(self, lo: int, hi: int) -> dict[str, pa.Array]:
        """Entity rows `lo:hi` of the release order, as release columns (labels as strings)."""
        rows = self.entities.slice(lo, hi - lo)
        kind = _flat(rows["type"])
        return {"id": rows["mention_id"], "article_id": rows["article_id"], "start": rows["start"],
                "end": rows["end"], "text": rows["text"], "type": kind,
                "coarse_type": self.coarse.take(pc.index_in(kind, value_set=self.entity_types)),
                "canonical_id": rows["canonical_id"]}

    def events_of(self, lo: int, hi: int) -> dict[str, pa.Array]:
        rows = self.events.slice(lo, hi - lo)
        first, last = np.searchsorted(self.argument_event, [lo, hi])
        args = self.arguments.slice(first, last - first)
        arguments = _lists(_struct({name: _flat(args[name]) for name in args.column_names}),
                           self.argument_event[first:last] - lo, hi - lo)
        return {"id": rows["event_id"], "article_id": rows["article_id"], "type": rows["type"],
                "realis": rows["realis"], "trigger": _struct({k: _flat(rows[k]) for k in ("start", "end", "text")}),
                "arguments": arguments}

    def stances_of(self, lo: int, hi: int) -> dict[str, pa.Array]:
        rows = self.stances.slice(lo, hi - lo)
        holder = self.holder_row.slice(lo, hi - lo)
        return {"id": rows["stance_id"], "article_id": rows["article_id"], "holder_id": rows["holder_id"],
                "holder_text": self.entities["text"].take(holder),
                "holder_canonical_id": self.entities["canonical_id"].take(holder),
                "target": rows["target"], "polarity": rows["polarity"], "attribution": rows["attribution"],
                "evidence": _struct({k: _flat(rows[k]) for k in ("start", "end", "text")})}

    def nested(self, name: str, feature, first: int, last: int) -> pa.Array:
        """The `name` rows of owners `first:last`, one list per owner, with the fields of `feature`."""
        owner = self.owner_of(name)
        lo, hi = np.searchsorted(owner, [first, last])
        part = getattr(self, f"{name}_of")(int(lo), int(hi))
        inner = _struct({k: _flat(part[k]) for k in feature.feature})
        return _lists(inner, owner[lo:hi] - first, last - first)


class Assembly:
    """The release's configs, built a batch of articles at a time from the validated tables.

    Articles are ordered by split, then id, and the released columns of every annotation table
    are copied once in release order (article, start, end, id). A batch of `BATCH_ARTICLES`
    articles is then a slice of them: nested with list offsets and labelled with `index_in`, with
    no Python object per row. Besides the input tables only that copy stays in memory; a config
    is never held whole. The `annotations` config (every layer, one row per annotation) has its
    own copy, ordered by annotation.
    """

    def __init__(self, tables: dict[str, pa.Table], taxonomy: Taxonomy, validated: bool) -> None:
        rows, self._every = released_tables(tables)
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
        self.sentence_stats = SentenceStats()

        self.entity_types = pa.array(taxonomy.entity_types, pa.string())
        self.coarse = pa.array([taxonomy.coarse_of[t] for t in taxonomy.entity_types], pa.string())
        self.gold = Annotated(rows["entities"], self._article_positions(rows["entities"]), self.coarse,
                              self.entity_types)
        self.entities, self.entity_article = self.gold.entities, self.gold.entity_owner
        self.gold.order_the_rest(rows["events"], self._article_positions(rows["events"]), rows["stances"],
                                 self._article_positions(rows["stances"]), rows["event_arguments"])
        self.event_article, self.stance_article = self.gold.event_owner, self.gold.stance_owner
        self._order_every_layer()

    def _article_positions(self, table: pa.Table) -> np.ndarray:
        return _positions(table["article_id"].combine_chunks(), self.article_ids)

    def _order_every_layer(self) -> None:
        """The annotations of every layer, ordered by article, layer (gold first), annotation id;
        each named `<article>:<layer>:<n>` (n counts from 1 within the article's layer). A gold
        annotation's rows are those of the gold copy (by article); only the other layers get a
        copy of their own (by their position among the non-gold annotations)."""
        every = self._every
        keys = pl.concat([pl.from_arrow(every[name].select(["article_id", "annotation_id", "layer", "annotator"]))
                          for name in ("entities", "events", "stances")]).unique()
        keys = keys.with_columns(
            pl.Series("_article", self._article_positions(pa.table({"article_id": keys["article_id"].to_arrow()}))),
            pl.col("layer").replace_strict(list(LAYERS), list(range(len(LAYERS))), return_dtype=pl.Int8)
            .alias("_layer")).sort("_article", "_layer", "annotation_id")
        keys = keys.with_columns((pl.int_range(pl.len()).over("_article", "_layer") + 1).alias("_n"),
                                 (pl.col("layer") == GOLD).alias("_gold"))
        keys = keys.with_columns((pl.col("_gold").not_().cum_sum() - 1).alias("_other"))
        self.annotation_article = keys["_article"].to_numpy()
        self.annotation_gold = keys["_gold"].to_numpy()
        self.annotation_other = keys["_other"].to_numpy()     # position among non-gold annotations
        self.annotation_rows = pa.table({
            "id": keys.select(pl.concat_str("article_id", "layer", pl.col("_n").cast(pl.String),
                                            separator=":")).to_series().to_arrow(),
            "article_id": keys["article_id"].to_arrow(), "layer": keys["layer"].to_arrow(),
            "annotator": keys["annotator"].to_arrow()})
        owners = keys.filter(~pl.col("_gold")).select("article_id", "annotation_id", "_other")
        self.others = None
        if owners.height:
            def owner(table: pa.Table) -> np.ndarray:
                found = pl.from_arrow(table.select(["article_id", "annotation_id"])).join(
                    owners, on=["article_id", "annotation_id"], how="inner", maintain_order="left")
                return found["_other"].to_numpy()

            other = _with_annotation_ids(
                {name: table.filter(pc.not_equal(table["layer"], GOLD)) for name, table in every.items()
                 if "layer" in table.column_names},
                keys.filter(~pl.col("_gold")).select(
                    "article_id", "annotation_id",
                    pl.concat_str("article_id", "layer", pl.col("_n").cast(pl.String), separator=":").alias("_id")))
            self.others = Annotated(other["entities"], owner(other["entities"]), self.coarse, self.entity_types)
            self.others.order_the_rest(other["events"], owner(other["events"]), other["stances"],
                                       owner(other["stances"]), other["event_arguments"])
        self._every = None

    def _annotation_lists(self, name: str, feature, lo: int, hi: int) -> pa.Array:
        """The `name` lists of annotations `lo:hi`: a gold one's from the gold copy, the others'
        from their own, put back in annotation order."""
        gold = np.flatnonzero(self.annotation_gold[lo:hi])
        other = np.flatnonzero(~self.annotation_gold[lo:hi])
        parts, positions = [], []
        if len(gold):
            articles = self.annotation_article[lo:hi][gold]
            first = int(articles.min())
            parts.append(self.gold.nested(name, feature, first, int(articles.max()) + 1).take(
                pa.array(articles - first)))
            positions.append(gold)
        if len(other):
            first = int(self.annotation_other[lo:hi][other].min())
            parts.append(self.others.nested(name, feature, first, first + len(other)))
            positions.append(other)
        if not parts:
            return self.gold.nested(name, feature, 0, 0)
        order = np.argsort(np.concatenate(positions), kind="stable")
        return pa.concat_arrays(parts).take(pa.array(order))

    def splits_of(self, config: str) -> list[str]:
        """The splits a config is written in: the article splits, or `train` alone for `actors`
        (a table of the corpus, not of articles)."""
        return ["train"] if config == "actors" else list(self.present)

    def actor_rows(self) -> list[dict]:
        actors = self.taxonomy.actors
        if actors is None:
            return []
        counts = pc.value_counts(self.entities["canonical_id"].drop_null())
        mentions = dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True))
        return [{**row, "mentions": mentions.get(row["canonical_id"], 0)} for row in actors.rows()]

    def rows_in(self, config: str, split: str) -> int:
        if config == "actors":
            return len(self.actor_rows()) if split == "train" else 0
        lo, hi = self._articles_of(split)
        owner = self._owner_of(config)
        return hi - lo if owner is None else int(np.searchsorted(owner, hi) - np.searchsorted(owner, lo))

    def _articles_of(self, split: str) -> tuple[int, int]:
        index = SPLITS.index(split)
        return int(self.split_bounds[index]), int(self.split_bounds[index + 1])

    def _owner_of(self, config: str) -> np.ndarray | None:
        owner = {"entities": "entity_article", "events": "event_article", "stances": "stance_article",
                 "annotations": "annotation_article"}.get(config)
        return None if owner is None else getattr(self, owner)

    def _tokens(self, articles: pa.Table, first: int, last: int):
        """The tokens of a batch of articles, their IOB2 tag ids and its mentions (as `ner`)."""
        tokens = token_frame(articles["text"])
        lo, hi = np.searchsorted(self.entity_article, [first, last])
        rows = self.entities.slice(lo, hi - lo)
        mentions = pa.table({"row": self.entity_article[lo:hi] - first, "start": rows["start"], "end": rows["end"],
                             "id": rows["mention_id"], "type": rows["type"]})
        tags, unrepresented = ner_tag_ids(tokens, mentions, self.taxonomy)
        return tokens, tags, mentions, unrepresented

    def _ner(self, articles: pa.Table, first: int, last: int, tokens=None) -> dict[str, pa.Array]:
        tokens, tags, _, unrepresented = tokens or self._tokens(articles, first, last)
        self.ner_unrepresented += unrepresented
        counts = np.bincount(tokens["row"].to_numpy(), minlength=last - first)
        offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
        return {name: pa.ListArray.from_arrays(offsets, values) for name, values in (
            ("tokens", tokens["token"].to_arrow().cast(pa.string())),
            ("token_starts", pa.array(tokens["start"].to_numpy(), pa.int32())),
            ("token_ends", pa.array(tokens["end"].to_numpy(), pa.int32())),
            ("ner_tags", pa.array(tags, pa.int64())))}

    def _ner_sentences(self, articles: pa.Table, first: int, last: int, tokens=None) -> dict[str, pa.Array]:
        tokens, tags, mentions, _ = tokens or self._tokens(articles, first, last)
        sentences, _, stats = sentence_frame(
            articles["text"].to_pylist(), articles["language"].to_pylist(), tokens,
            mentions["row"].to_numpy(), mentions["start"].to_numpy(), mentions["end"].to_numpy())
        self.sentence_stats.add(stats)
        return sentence_columns(articles, tokens, tags, sentences)

    def _batch(self, config: str, first: int, last: int, articles: pa.Table | None = None,
               tokens=None) -> pa.Table:
        """Articles `first:last` of the release order: their rows of `config`, in its features
        (`articles` and `tokens`, when given, are theirs: `batches_of` shares them)."""
        features = self.features[config]
        if config in ("entities", "events", "stances"):
            lo, hi = np.searchsorted(self.gold.owner_of(config), [first, last])
            columns = getattr(self.gold, f"{config}_of")(int(lo), int(hi))
        elif config == "annotations":
            lo, hi = (int(i) for i in np.searchsorted(self.annotation_article, [first, last]))
            rows = self.annotation_rows.slice(lo, hi - lo)
            columns = {name: rows[name] for name in rows.column_names}
            columns.update({name: self._annotation_lists(name, features[name], lo, hi)
                            for name in ("entities", "events", "stances")})
        else:
            if articles is None:
                articles = self.articles.take(self.article_order[first:last])
            if config == "ner_sentences":
                columns = self._ner_sentences(articles, first, last, tokens)
            else:
                columns = {"id": articles["article_id"], "article_id": articles["article_id"],
                           **{name: articles[name] for name in article_fields() if name != "id"}}
            if config == "ner":
                columns.update(self._ner(articles, first, last, tokens))
            for name in ("entities", "events", "stances") if config == "documents" else ():
                columns[name] = self.gold.nested(name, features[name], first, last)
        return encoded(pa.table({name: columns[name] for name in features}), features,
                       self.schemas[config])

    def batches_of(self, configs: tuple[str, ...], split: str) -> Iterator[dict[str, pa.Table]]:
        """Batches of several configs at once, {config: batch}: `ner` and `ner_sentences` share
        each batch's tokens and tags (tokenizing is most of their cost)."""
        if set(configs) == {"ner", "ner_sentences"}:
            lo, hi = self._articles_of(split)
            for first in range(lo, hi, BATCH_ARTICLES):
                last = min(first + BATCH_ARTICLES, hi)
                articles = self.articles.take(self.article_order[first:last])
                tokens = self._tokens(articles, first, last)
                yield {config: self._batch(config, first, last, articles, tokens) for config in configs}
            return
        for parts in zip(*(self.batches(config, split) for config in configs), strict=True):
            yield dict(zip(configs, parts, strict=True))

    def batches(self, config: str, split: str) -> Iterator[pa.Table]:
        """A split of a config, `BATCH_ARTICLES` articles at a time (`actors`: at once)."""
        if config == "actors":
            rows = self.actor_rows() if split == "train" else []
            if rows:
                yield encoded(pa.Table.from_pylist(rows, schema=self.schemas[config][0]), self.features[config],
                              self.schemas[config])
            return
        lo, hi = self._articles_of(split)
        for first in range(lo, hi, BATCH_ARTICLES):
            yield self._batch(config, first, min(first + BATCH_ARTICLES, hi))


def _flat(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array for a column, zero-copy when it is one chunk (`combine_chunks` always copies)."""
    if isinstance(column, pa.ChunkedArray):
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column
