"""Build a release folder in the Hugging Face Hub layout from validated normalized tables.

Reads the tables of `tables.py` (only the gold layer is released; alternates stay in the repo for
agreement statistics) and the taxonomy; writes `dist/<version>/`:

    README.md                                  card: YAML (configs, dataset_info) + rendered body
    <config>/<split>-00000-of-00001.parquet    one file per config and split

Parquet files and the README `dataset_info` are generated from the same `Features`, so labels load
as `ClassLabel`s whichever one `datasets` reads. Every step is a pure function of its inputs: two
builds of the same tables give byte-identical files. No loading script is shipped (`datasets` >= 4
refuses them).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import datasets
import jinja2
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from datasets import ClassLabel, Dataset, DatasetDict, Features, List, Value
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from datasets.table import InMemoryTable
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, DatasetCardData

from pourparlers.atomic import new_directory
from pourparlers.card import EXAMPLE_ROWS, agreement_markdown, examples_markdown
from pourparlers.errors import BuildError, InvalidData
from pourparlers.tables import DATE_PRECISIONS, SCHEMAS
from pourparlers.taxonomy import Taxonomy
from pourparlers.textfree import strip_text
from pourparlers.validate import check_tables

SPLITS = ("train", "validation", "test")
CONFIGS = ("documents", "articles", "entities", "events", "stances", "ner")
DEFAULT_CONFIG = "documents"
# Precision of `published`, as tables.ARTICLES documents it.
PRETTY_NAME = "pourparlers"
DEFAULT_REPO_ID = "<owner>/pourparlers"
# One Hub licence id cannot say "annotations CC BY 4.0, texts not ours", hence `other`.
LICENSE_NAME = "cc-by-4.0-annotations-only"
LICENSE_LINK = "https://creativecommons.org/licenses/by/4.0/"
RELEASED_LAYER = "gold"
_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?")

# French-aware tokens: elided articles/pronouns (l’, d’, qu’, jusqu’…) are their own token,
# decimals stay whole, words keep inner apostrophes (aujourd’hui), any other non-space
# character (punctuation, hyphen, emoji) is one token. Each match is "leading white space +
# token", so the lengths of the matches give the offsets. `\w`, `\d` and `\s` are those of polars'
# regex engine (Unicode UTS #18): unlike Python's `re`, combining marks are word characters and
# superscript digits and fractions (², ½) are not. No `\b`: it would take the engine off its DFA.
_PIECE = (r"\s*(?:(?i:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])['’]"
          r"|\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W_]+)*|\S)")
BATCH_ARTICLES = 1_000   # articles built (and tokenized) at once: bounds a build's working memory
ROW_GROUP_ROWS = 10_000  # rows per parquet row group, in every file a release has
CDC_OPTIONS = datasets.config.DEFAULT_CDC_OPTIONS   # content-defined chunking, as datasets writes
SOURCES_LISTED = 200     # the card lists up to this many articles, then counts them per outlet


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote: the folder, the shipped configs, rows per config and split."""

    path: Path
    version: str
    configs: tuple[str, ...]
    # config -> split -> rows, for every config and every split that has articles (zeros included)
    counts: dict[str, dict[str, int]]
    files: tuple[str, ...]
    # entity mentions the token-level `ner` config cannot represent (nested or overlapping)
    ner_unrepresented: int


def split_of(article_id: str) -> str:
    """Split of an article from a SHA-256 of its id alone, so adding articles never moves one."""
    digest = hashlib.sha256(article_id.encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "big") % 100
    if bucket < 80:
        return "train"
    return "validation" if bucket < 90 else "test"


def token_frame(texts: pa.Array | pa.ChunkedArray) -> pl.DataFrame:
    """Every token of `texts`, in text order: `row` (index in `texts`), code-point `start` and
    `end`, and the `token` itself. Tokenized by polars outside the interpreter (see `_PIECE`)."""
    pieces = (pl.from_arrow(texts).alias("text").to_frame().with_row_index("row").lazy()
              .select("row", pl.col("text").str.extract_all(_PIECE).alias("piece"))
              .explode("piece").drop_nulls("piece")
              .select("row", pl.col("piece").str.strip_chars_start().alias("token"),
                      pl.col("piece").str.len_chars().alias("width"))
              .with_columns(pl.col("token").str.len_chars().alias("length"))
              .collect())
    rows = pieces["row"].to_numpy()
    width = pieces["width"].to_numpy().astype(np.int64)
    passed = np.cumsum(width)
    first = np.ones(len(rows), bool)
    first[1:] = rows[1:] != rows[:-1]
    ends = passed - np.maximum.accumulate(np.where(first, passed - width, 0))
    return pl.DataFrame({"row": rows, "start": ends - pieces["length"].to_numpy(), "end": ends,
                         "token": pieces["token"]})


def tokenize(text: str) -> list[tuple[int, int]]:
    """Code-point (start, end) of each token of `text` (see `token_frame`)."""
    frame = token_frame(pa.array([text], pa.string()))
    return list(zip(frame["start"].to_list(), frame["end"].to_list(), strict=True))


def _outermost(order_keys: list[tuple], ranges: list[tuple[int, int]]) -> list[bool]:
    """Which token ranges keep their tags: in `order_keys` order (longer mention first, then
    earlier, then id), a range is kept unless it is empty or shares a token with a kept one."""
    kept = [False] * len(ranges)
    taken: set[int] = set()
    for index in sorted(range(len(ranges)), key=order_keys.__getitem__):
        first, last = ranges[index]
        covered = range(first, last)
        if covered and not any(i in taken for i in covered):
            taken.update(covered)
            kept[index] = True
    return kept


def iob2_tags(
    token_spans: list[tuple[int, int]], mentions: list[dict]
) -> tuple[list[str], list[dict], list[dict]]:
    """IOB2 tags for `token_spans`, plus the mentions kept and the ones that cannot be tagged.

    One tag per token cannot hold nested or overlapping mentions: the outermost wins (longer
    first, then earlier). A mention whose boundary falls inside a token tags that whole token.
    """
    starts = [start for start, _ in token_spans]
    ends = [end for _, end in token_spans]
    ranges = [(bisect.bisect_right(ends, m["start"]), bisect.bisect_left(starts, m["end"]))
              for m in mentions]
    keep = _outermost([(m["start"] - m["end"], m["start"], m["id"]) for m in mentions], ranges)
    tags = ["O"] * len(token_spans)
    for (first, last), mention, kept in zip(ranges, mentions, keep, strict=True):
        for i in range(first, last) if kept else ():
            tags[i] = ("B-" if i == first else "I-") + mention["type"]
    kept = [m for m, k in zip(mentions, keep, strict=True) if k]
    dropped = [m for m, k in zip(mentions, keep, strict=True) if not k]
    return tags, kept, dropped


def _label(names) -> ClassLabel:
    return ClassLabel(names=list(names))


def _span() -> dict:
    return {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}


def _article_fields() -> dict:
    return {
        "id": Value("string"),
        "title": Value("string"),
        "source": Value("string"),
        "url": Value("string"),
        "published": Value("string"),
        "date_precision": _label(DATE_PRECISIONS),
        "language": Value("string"),
        "text": Value("string"),
        "text_sha256": Value("string"),
        "n_chars": Value("int32"),
    }


def _entity_fields(taxonomy: Taxonomy) -> dict:
    return {
        "start": Value("int32"),
        "end": Value("int32"),
        "text": Value("string"),
        "type": _label(taxonomy.entity_types),
        "coarse_type": _label(("O", *taxonomy.coarse_types)),
        "canonical_id": Value("string"),
    }


def _event_fields(taxonomy: Taxonomy) -> dict:
    return {
        "type": _label(taxonomy.event_types),
        "realis": _label(taxonomy.realis),
        "trigger": _span(),
        "arguments": [{
            "role": _label(taxonomy.roles),
            "entity_id": Value("string"),
            "text": Value("string"),
        }],
    }


def _stance_fields(taxonomy: Taxonomy) -> dict:
    return {
        "holder_id": Value("string"),
        "holder_text": Value("string"),
        "target": _label(taxonomy.stance_targets),
        "polarity": _label(taxonomy.polarities),
        "attribution": _label(taxonomy.attributions),
        "evidence": _span(),
    }


def release_features(taxonomy: Taxonomy) -> dict[str, Features]:
    """Features of every config; every label column is a `ClassLabel` named from the taxonomy."""
    def in_article(fields: dict) -> dict:
        return {"id": Value("string"), "article_id": Value("string"), **fields}

    return {
        "documents": Features({
            **_article_fields(),
            "entities": [{"id": Value("string"), **_entity_fields(taxonomy)}],
            "events": [{"id": Value("string"), **_event_fields(taxonomy)}],
            "stances": [{"id": Value("string"), **_stance_fields(taxonomy)}],
        }),
        "articles": Features(_article_fields()),
        "entities": Features(in_article(_entity_fields(taxonomy))),
        "events": Features(in_article(_event_fields(taxonomy))),
        "stances": Features(in_article(_stance_fields(taxonomy))),
        "ner": Features(in_article({
            "tokens": [Value("string")],
            "token_starts": [Value("int32")],
            "token_ends": [Value("int32")],
            "ner_tags": [_label(taxonomy.ner_tags)],
        })),
    }


def _released(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
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
            released = pc.equal(table["layer"], RELEASED_LAYER)
            if not pc.all(released).as_py():   # (a filter copies the table even when it keeps all)
                table = table.filter(released)
        out[name] = table
    return out


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


def _ner_tag_ids(tokens: pl.DataFrame, mentions: pa.Table, taxonomy: Taxonomy) -> tuple[np.ndarray, int]:
    """`iob2_tags` for every token of a batch at once, as ClassLabel ids of `taxonomy.ner_tags`;
    also how many mentions IOB2 cannot hold. `mentions` has row, start, end, id, type.

    A mention covers the tokens from the first that ends after its start to the last that starts
    before its end. Where no two covered ranges of an article share a token, every non-empty one
    is kept; only articles with overlaps go through `_outermost`, the rule itself.
    """
    row = tokens["row"].to_numpy().astype(np.int64) << 32
    token_ends = row | tokens["end"].to_numpy()
    token_starts = row | tokens["start"].to_numpy()
    m_row = mentions["row"].to_numpy().astype(np.int64)
    m_start, m_end = mentions["start"].to_numpy(), mentions["end"].to_numpy()
    first = np.searchsorted(token_ends, (m_row << 32) | m_start, side="right")
    last = np.searchsorted(token_starts, (m_row << 32) | m_end, side="left")
    keep = first < last
    order = np.lexsort((first, m_row))
    o_row, o_first, o_last = m_row[order], first[order], last[order]
    clash = (o_row[1:] == o_row[:-1]) & (o_first[1:] < o_last[:-1]) & keep[order][1:]
    disputed = np.isin(m_row, o_row[1:][clash]) if clash.any() else np.zeros(len(m_row), bool)
    if disputed.any():
        ids = mentions["id"].to_pylist()
        for article in np.unique(m_row[disputed]):
            members = np.flatnonzero(m_row == article)
            kept = _outermost([(int(m_start[i] - m_end[i]), int(m_start[i]), ids[i]) for i in members],
                              [(int(first[i]), int(last[i])) for i in members])
            keep[members] = kept
    names = {name: index for index, name in enumerate(taxonomy.ner_tags)}
    kinds = pa.array(taxonomy.entity_types, pa.string())
    kind = pc.index_in(mentions["type"], value_set=kinds).to_numpy(zero_copy_only=False)
    begin_id = np.array([names[f"B-{t}"] for t in taxonomy.entity_types], np.int64)[kind[keep]]
    inside_id = np.array([names[f"I-{t}"] for t in taxonomy.entity_types], np.int64)[kind[keep]]
    inside = np.zeros(len(token_ends) + 1, np.int64)  # kept ranges never overlap: a running sum
    np.add.at(inside, first[keep], inside_id - names["O"])
    np.add.at(inside, last[keep], names["O"] - inside_id)
    tags = np.cumsum(inside)[:-1] + names["O"]
    tags[first[keep]] = begin_id
    return tags, int((~keep).sum())


class _Assembly:
    """The release's configs, built a batch of articles at a time from the validated tables.

    Articles are ordered by split, then id, and the released columns of every annotation table
    are copied once in release order (article, start, end, id). A batch of `BATCH_ARTICLES`
    articles is then a slice of them: nested with list offsets and labelled with `index_in`, with
    no Python object per row. Besides the input tables only that copy stays in memory; a config
    is never held whole.
    """

    def __init__(self, tables: dict[str, pa.Table], taxonomy: Taxonomy, validated: bool) -> None:
        rows = _released(tables)
        problems = [] if validated else check_tables(tables, taxonomy)
        if problems:
            raise InvalidData(problems, hint="a release is never built from data that fails validation")
        if not rows["articles"].num_rows:
            raise BuildError("no article to release", hint="ingest articles with `pourparlers ingest`")
        self.taxonomy = taxonomy
        self.features = release_features(taxonomy)
        self.schemas = {config: _schemas(features) for config, features in self.features.items()}
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
        self.e, self.e_owner = _ordered(rows["entities"], "mention_id", self.article_ids)
        self._rows = rows

    def order_the_rest(self) -> None:
        """Order events, stances and arguments too. Apart from `__init__` because the ner config
        needs only the articles and entities: a build starts writing it before this runs."""
        rows = self._rows
        self.v, self.v_owner = _ordered(rows["events"], "event_id", self.article_ids)
        self.s, self.s_owner = _ordered(rows["stances"], "stance_id", self.article_ids)
        # The entity row of each stance holder and argument filler, in one lookup.
        a = rows["event_arguments"]
        holder = pc.if_else(pc.equal(self.s["holder_id"], ""), None, self.s["holder_id"])
        referred = pa.chunked_array([*holder.chunks, *a["mention_id"].chunks], pa.string())
        rows_of = pc.index_in(referred, value_set=_flat(self.e["mention_id"]))
        self.s_holder = rows_of.slice(0, len(holder))
        filler = rows_of.slice(len(holder))

        # Arguments, ordered (event position, filler start, end, role, entity) once for all.
        event = _positions(a["event_id"].combine_chunks(), _flat(self.v["event_id"]))
        a = pa.table({"role": a["role"], "entity_id": a["mention_id"], "text": self.e["text"].take(filler),
                      "_event": event, "_start": self.e["start"].take(filler),
                      "_end": self.e["end"].take(filler), "_role": pc.fill_null(a["role"], "")})
        a = a.take(pc.sort_indices(a, sort_keys=[(name, "ascending") for name in (
            "_event", "_start", "_end", "_role", "entity_id")]))
        self.a_event = a["_event"].to_numpy()
        self.arguments = a.select(["role", "entity_id", "text"])
        self._rows = None

    def rows_in(self, config: str, split: str) -> int:
        lo, hi = self._articles_of(split)
        owner = self._owner_of(config)
        return hi - lo if owner is None else int(np.searchsorted(owner, hi) - np.searchsorted(owner, lo))

    def _articles_of(self, split: str) -> tuple[int, int]:
        index = SPLITS.index(split)
        return int(self.split_bounds[index]), int(self.split_bounds[index + 1])

    def _owner_of(self, config: str) -> np.ndarray | None:
        owner = {"entities": "e_owner", "events": "v_owner", "stances": "s_owner"}.get(config)
        return None if owner is None else getattr(self, owner)

    def _entities(self, lo: int, hi: int) -> dict[str, pa.Array]:
        """Entity rows `lo:hi` of the release order, as release columns (labels as strings)."""
        t = self.e.slice(lo, hi - lo)
        kind = _flat(t["type"])
        return {"id": t["mention_id"], "article_id": t["article_id"], "start": t["start"],
                "end": t["end"], "text": t["text"], "type": kind,
                "coarse_type": self.coarse.take(pc.index_in(kind, value_set=self.entity_types)),
                "canonical_id": t["canonical_id"]}

    def _events(self, lo: int, hi: int) -> dict[str, pa.Array]:
        t = self.v.slice(lo, hi - lo)
        first, last = np.searchsorted(self.a_event, [lo, hi])
        a = self.arguments.slice(first, last - first)
        arguments = _lists(_struct({name: _flat(a[name]) for name in a.column_names}),
                           self.a_event[first:last] - lo, hi - lo)
        return {"id": t["event_id"], "article_id": t["article_id"], "type": t["type"],
                "realis": t["realis"], "trigger": _struct({k: _flat(t[k]) for k in ("start", "end", "text")}),
                "arguments": arguments}

    def _stances(self, lo: int, hi: int) -> dict[str, pa.Array]:
        t = self.s.slice(lo, hi - lo)
        return {"id": t["stance_id"], "article_id": t["article_id"], "holder_id": t["holder_id"],
                "holder_text": self.e["text"].take(self.s_holder.slice(lo, hi - lo)),
                "target": t["target"], "polarity": t["polarity"], "attribution": t["attribution"],
                "evidence": _struct({k: _flat(t[k]) for k in ("start", "end", "text")})}

    def _ner(self, articles: pa.Table, first: int, last: int) -> dict[str, pa.Array]:
        tokens = token_frame(articles["text"])
        lo, hi = np.searchsorted(self.e_owner, [first, last])
        t = self.e.slice(lo, hi - lo)
        mentions = pa.table({"row": self.e_owner[lo:hi] - first, "start": t["start"], "end": t["end"],
                             "id": t["mention_id"], "type": t["type"]})
        tags, unrepresented = _ner_tag_ids(tokens, mentions, self.taxonomy)
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
                       **{name: articles[name] for name in _article_fields() if name != "id"}}
            if config == "ner":
                columns.update(self._ner(articles, first, last))
            for name, owner in (("entities", self.e_owner), ("events", self.v_owner),
                                ("stances", self.s_owner)) if config == "documents" else ():
                lo, hi = np.searchsorted(owner, [first, last])
                part = getattr(self, f"_{name}")(int(lo), int(hi))
                inner = _struct({k: _flat(part[k]) for k in features[name].feature})
                columns[name] = _lists(inner, owner[lo:hi] - first, last - first)
        return _encoded(pa.table({name: columns[name] for name in features}), features,
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


def _dataset_from_rows(rows: list[dict], features: Features) -> Dataset:
    """Rows as `Dataset.to_list` gives them (ClassLabels as ids) back into a Dataset."""
    return Dataset.from_list(rows, features=features)


def _schemas(features: Features) -> tuple[pa.Schema, pa.Schema]:
    """Arrow schemas of `features` with the labels as strings, then as ClassLabel ids."""
    return _with_string_labels(features).arrow_schema, features.arrow_schema


def _encoded(table: pa.Table, features: Features, schemas: tuple[pa.Schema, pa.Schema]) -> pa.Table:
    """A table with labels as strings, in the Arrow schema of `features` (labels as ClassLabel
    ids, by `_encode`: `Dataset.from_dict` did it per example in Python). `schemas` are
    `_schemas(features)`, which take milliseconds to make: a build makes them once per config."""
    plain, final = schemas
    columns = []
    for name, feature in features.items():
        column, kind = table.column(name), final.field(name).type
        if column.type != kind:   # labels not yet ids (the ner tags already are)
            column = pa.chunked_array([_encode(chunk.cast(plain.field(name).type), feature)
                                       for chunk in column.chunks], type=kind)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=final)


def _dataset(table: pa.Table, features: Features) -> Dataset:
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


def _with_string_labels(feature):
    """`feature` with every ClassLabel replaced by a string Value (the labels as convert gives them)."""
    if isinstance(feature, ClassLabel):
        return Value("string")
    if isinstance(feature, Features):
        return Features({name: _with_string_labels(f) for name, f in feature.items()})
    if isinstance(feature, dict):
        return {name: _with_string_labels(f) for name, f in feature.items()}
    if isinstance(feature, List):
        return List(_with_string_labels(feature.feature))
    return feature


def _has_label(feature) -> bool:
    if isinstance(feature, ClassLabel):
        return True
    if isinstance(feature, dict):
        return any(_has_label(f) for f in feature.values())
    return isinstance(feature, List) and _has_label(feature.feature)


def _encode(array: pa.Array, feature) -> pa.Array:
    """String labels to ClassLabel ids, at any depth of lists and structs (validated data:
    every label is known, so no id is missing)."""
    if not _has_label(feature):
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


def release_datasets(tables: dict[str, pa.Table], taxonomy: Taxonomy) -> dict[str, DatasetDict]:
    """Config -> splits, in memory; splits without rows (no article, or no annotation) are left out."""
    assembly = _Assembly(tables, taxonomy, validated=False)
    assembly.order_the_rest()
    out = {}
    for config in CONFIGS:
        splits = {split: _dataset(pa.concat_tables(assembly.batches(config, split)), assembly.features[config])
                  for split in assembly.present if assembly.rows_in(config, split)}
        if splits:
            out[config] = DatasetDict(splits)
    return out


def _cell(value) -> str:
    if value is None or value == "":
        return "–"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], body: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in body]
    return "\n".join(lines)


def label_sections(taxonomy: Taxonomy) -> dict[str, tuple[str, str]]:
    """Every label of `schema/taxonomy.yaml` as Markdown tables, by section key: (title, table).

    The card and GUIDELINES.md both render these, so neither can drift from the schema.
    """
    raw = taxonomy.raw
    events = []
    for item in raw["event_types"]:
        roles = "; ".join(f"{role}: {', '.join(types)}"
                          for role, types in taxonomy.roles_of[item["name"]].items())
        events.append([item["name"], item["plover"], item["cameo"], item["en"], roles])
    stance = raw["stance"]
    sections = {
        "entity_types": ("Entity types", ["name", "coarse", "FR", "EN"],
                         [[i["name"], i["coarse"], i["fr"], i["en"]] for i in raw["entity_types"]]),
        "event_types": ("Event types", ["name", "PLOVER", "CAMEO", "EN", "roles (allowed fillers)"], events),
        "realis": ("Realis", ["name", "FR", "EN"], [[i["name"], i["fr"], i["en"]] for i in raw["realis"]]),
        "stance_targets": ("Stance targets", ["name", "FR", "EN"],
                           [[i["name"], i["fr"], i["en"]] for i in stance["targets"]]),
        "polarities": ("Stance polarities", ["name", "FR", "EN"],
                       [[i["name"], i["fr"], i["en"]] for i in stance["polarities"]]),
        "attributions": ("Stance attributions", ["name", "FR", "EN"],
                         [[i["name"], i["fr"], i["en"]] for i in stance["attributions"]]),
    }
    return {key: (title, _table(header, body)) for key, (title, header, body) in sections.items()}


def label_tables_markdown(taxonomy: Taxonomy) -> str:
    """Markdown tables of every label of `schema/taxonomy.yaml`, for the card."""
    parts = [f"Schema version {taxonomy.schema_version}. Stance holders are mentions of type "
             f"{', '.join(taxonomy.holder_types)}."]
    for title, table in label_sections(taxonomy).values():
        parts.append(f"#### {title}\n\n{table}")
    return "\n\n".join(parts)


# The label columns whose counts the card shows, with their headings.
_COUNTED = (("entities", "type", "Entity types"), ("events", "type", "Event types"),
            ("stances", "target", "Stance targets"), ("stances", "polarity", "Stance polarities"))


def counts_markdown(counts: dict[str, dict[str, int]],
                    labels: dict[tuple[str, str], tuple[list[str], dict[str, Counter]]]) -> str:
    """Rows per config and split, then label counts per split for each annotation layer.

    `labels` maps each shipped (config, column) of `_COUNTED` to the ClassLabel's names and the
    counts of its ids per split."""
    splits = [s for s in SPLITS if any(per_split.get(s) for per_split in counts.values())]
    header = ["config", *splits, "total"]
    body = []
    for config in CONFIGS:
        sizes = [counts.get(config, {}).get(s, 0) for s in splits]
        body.append([config, *sizes, sum(sizes)])
    parts = [_table(header, body)]
    for config, column, title in _COUNTED:
        if (config, column) not in labels:
            parts.append(f"{title}: no {config} in this release.")
            continue
        names, per_split = labels[config, column]
        rows = []
        for index, name in enumerate(names):
            sizes = [per_split.get(s, Counter())[index] for s in splits]
            if sum(sizes):
                rows.append([name, *sizes, sum(sizes)])
        parts.append(f"{title}:\n\n{_table([column, *splits, 'total'], rows)}")
    return "\n\n".join(parts)


def _sources_markdown(sources: list[dict]) -> str:
    """The card's list of articles; past `SOURCES_LISTED` articles, one row per outlet (a card
    listing 50,000 articles would weigh megabytes; the `articles` config lists them all)."""
    if len(sources) <= SOURCES_LISTED:
        body = [[row["article_id"], row["title"], row["source"], row["published"], row["url"],
                 row["notes"]] for row in sources]
        return _table(["article", "title", "source", "published", "url", "notes"], body)
    outlets: dict[str, list[str]] = {}
    for row in sources:
        outlets.setdefault(row["source"] or "", []).append(row["published"] or "")
    body = [[outlet, len(dates), min((d for d in dates if d), default=""),
             max((d for d in dates if d), default="")]
            for outlet, dates in sorted(outlets.items(), key=lambda item: (-len(item[1]), item[0]))]
    return (_table(["source", "articles", "first published", "last published"], body)
            + f"\n\nThe {len(sources)} articles (title, source, date, URL) are listed in the "
              "`articles` config.")


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M"


def _card_data(counts: dict[str, dict[str, int]], n_articles: int,
               infos: dict[str, DatasetInfo]) -> DatasetCardData:
    annotated = any(sum(counts[c].values()) for c in ("entities", "events", "stances"))
    card_data = DatasetCardData(
        pretty_name=PRETTY_NAME,
        language=["fr"],
        license="other",
        license_name=LICENSE_NAME,
        license_link=LICENSE_LINK,
        annotations_creators=["machine-generated"] if annotated else ["no-annotation"],
        language_creators=["found"],
        size_categories=[_size_category(n_articles)],
        source_datasets=["original"],
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition"],
        tags=["news", "french", "russia-ukraine-war", "peace-negotiations", "event-extraction",
              "stance-detection", "plover", "cameo", "label-studio"],
    )
    DatasetInfosDict(infos).to_dataset_card_data(card_data)
    MetadataConfigs({
        config: {
            "data_files": [{"split": s, "path": f"{config}/{s}-*"} for s in info.splits],
            **({"default": True} if config == DEFAULT_CONFIG else {}),
        }
        for config, info in infos.items()
    }).to_dataset_card_data(card_data)
    return card_data


def _load_example(repo_id: str, version: str) -> str:
    return "\n".join([
        "```python",
        "from datasets import load_dataset",
        "",
        f'documents = load_dataset("{repo_id}", "{DEFAULT_CONFIG}", revision="v{version}")',
        f'entities = load_dataset("{repo_id}", "entities", revision="v{version}")',
        "```",
        "",
        "Offline, `revision=` is ignored by `datasets` (it returns the latest cached version, "
        "datasets#7928); pin the version through the Hub cache instead:",
        "",
        "```python",
        "from huggingface_hub import snapshot_download",
        "from datasets import load_dataset",
        "",
        f'path = snapshot_download("{repo_id}", repo_type="dataset", revision="v{version}")',
        f'documents = load_dataset(path, "{DEFAULT_CONFIG}")',
        "```",
    ])


def _render_card(template_path: Path, card_data: DatasetCardData, variables: dict) -> str:
    try:
        source = Path(template_path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildError(f"cannot read the card template {template_path}: {exc.strerror}",
                         hint="DATASET_CARD.md at the repository root is the template") from exc
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                      trim_blocks=True, lstrip_blocks=True, autoescape=False)
    try:
        content = environment.from_string(source).render(card_data=card_data.to_yaml(),
                                                         **variables)
    except jinja2.TemplateError as exc:
        raise BuildError(f"card template {template_path}: {exc}",
                         hint=f"placeholders available: {', '.join(sorted(variables))}") from exc
    card = DatasetCard(content)
    if not card.data.to_dict().get("configs"):
        raise BuildError(f"card template {template_path} has no `---\\n{{{{ card_data }}}}\\n---` "
                         "YAML header")
    return content


@contextmanager
def _quiet_progress() -> Iterator[None]:
    was_disabled = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            datasets.enable_progress_bars()


def _replace_directory(staged: Path, out_dir: Path) -> None:
    """Put the complete `staged` folder at `out_dir`, restoring the old one if that fails."""
    if not out_dir.exists():
        os.rename(staged, out_dir)
        return
    backup = out_dir.with_name(f".{out_dir.name}.previous-{uuid.uuid4().hex[:8]}")
    os.rename(out_dir, backup)
    try:
        os.rename(staged, out_dir)
    except BaseException:
        os.rename(backup, out_dir)
        raise
    shutil.rmtree(backup)


@dataclass
class _Written:
    """What the card needs of a written config, kept once its rows are on disk."""

    info: DatasetInfo
    labels: dict[str, dict[str, Counter]]   # counted column -> split -> ClassLabel id counts
    head: DatasetDict                       # its first split's first rows, for the examples


def _write_config(assembly: _Assembly, config: str, folder: Path, text: bool) -> _Written | None:
    """Write each split of a config that has rows, batch by batch; None if it has no row."""
    features = assembly.features[config]
    splits = [s for s in assembly.present if assembly.rows_in(config, s)]
    if not splits:
        return None
    info = DatasetInfo(config_name=config, splits=SplitDict(), download_size=0, dataset_size=0,
                       features=features)
    counted = [column for name, column, _ in _COUNTED if name == config]
    labels: dict[str, dict[str, Counter]] = {column: {} for column in counted}
    head: list[dict] = []
    folder.mkdir(parents=True, exist_ok=True)
    for split in splits:
        for column in counted:
            labels[column][split] = Counter()

        def parts(split: str = split) -> Iterator[pa.Table]:
            for batch in assembly.batches(config, split):
                if not text and batch.num_rows:   # (from_list of no row has no columns)
                    batch = _dataset_from_rows([strip_text(config, row) for row in batch.to_pylist()],
                                               features).data.table
                for column in counted:
                    counts = pc.value_counts(batch.column(column))
                    labels[column][split].update(dict(zip(counts.field("values").to_pylist(),
                                                          counts.field("counts").to_pylist(), strict=True)))
                if len(head) < EXAMPLE_ROWS and split == splits[0]:
                    head.extend(batch.slice(0, EXAMPLE_ROWS - len(head)).to_pylist())
                yield batch

        path = folder / f"{split}-00000-of-00001.parquet"
        nbytes = write_parquet(parts(), features, path)
        info.splits.add(SplitInfo(name=split, num_bytes=nbytes, num_examples=assembly.rows_in(config, split)))
        info.download_size += path.stat().st_size
        info.dataset_size += nbytes
    return _Written(info, labels, DatasetDict({splits[0]: _dataset_from_rows(head, features)}))


def build_release(tables: dict[str, pa.Table], taxonomy: Taxonomy, version: str, out_dir: Path,
                  card_template: Path, *, repo_id: str = DEFAULT_REPO_ID, text: bool = True,
                  agreement: Path | None = None, validated: bool = False) -> BuildResult:
    """Write the release folder `out_dir` (usually dist/<version>), replacing it atomically.

    Everything is written into a temporary sibling first; `out_dir` changes only once the whole
    release is written, so a failure leaves it as it was. `text=False` makes a text-free build
    (see `textfree`); `agreement` is the agreement report (JSON) for the card, if any.
    `validated=True` says the caller has just validated these tables (`load_corpus` does), so
    they are not checked a second time; otherwise a release of invalid tables is refused.
    """
    if not _SEMVER.fullmatch(version):
        raise BuildError(f"version {version!r} is not semantic (MAJOR.MINOR.PATCH)",
                         hint="pass e.g. 0.1.0, without the leading v")
    out_dir = Path(out_dir)
    assembly = _Assembly(tables, taxonomy, validated)
    staged = out_dir.with_name(f".{out_dir.name}.staged-{uuid.uuid4().hex[:8]}")
    try:
        with new_directory(staged) as tmp, _quiet_progress(), \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="pourparlers-ner") as pool:
            # polars makes the NER tokens and pyarrow writes parquet outside the GIL, so the
            # ner config is written in a worker thread while the main one orders the other
            # tables and writes the other configs.
            ner = pool.submit(_write_config, assembly, "ner", tmp / "ner", text)
            assembly.order_the_rest()
            counts = {config: {split: assembly.rows_in(config, split) for split in assembly.present}
                      for config in CONFIGS}
            written = {config: _write_config(assembly, config, tmp / config, text)
                       for config in CONFIGS if config != "ner"}
            written["ner"] = ner.result()
            written = {config: written[config] for config in CONFIGS if written[config] is not None}
            infos = {config: w.info for config, w in written.items()}
            labels = {(config, column): (assembly.features[config][column].names, per_split)
                      for config, w in written.items() for column, per_split in w.labels.items()}
            card_data = _card_data(counts, len(assembly.sources), infos)
            total = {c: sum(counts[c].values()) for c in CONFIGS}
            variables = {
                "pretty_name": PRETTY_NAME,
                "version": version,
                "tag": f"v{version}",
                "repo_id": repo_id,
                "schema_version": taxonomy.schema_version,
                "n_articles": total["articles"],
                "n_entities": total["entities"],
                "n_events": total["events"],
                "n_stances": total["stances"],
                "splits": list(assembly.present),
                "configs": list(infos),
                "omitted_configs": [c for c in CONFIGS if c not in infos],
                "default_config": DEFAULT_CONFIG,
                "license_name": LICENSE_NAME,
                "counts_table": counts_markdown(counts, labels),
                "label_tables": label_tables_markdown(taxonomy),
                "sources_table": _sources_markdown(assembly.sources),
                "ner_dropped": assembly.ner_unrepresented,
                "load_example": _load_example(repo_id, version),
                "with_text": text,
                "examples": examples_markdown({config: w.head for config, w in written.items()}),
                "agreement": agreement_markdown(agreement),
            }
            content = _render_card(card_template, card_data, variables)
            (tmp / "README.md").write_bytes(content.encode("utf-8"))
            files = tuple(sorted(p.relative_to(tmp).as_posix()
                                 for p in tmp.rglob("*") if p.is_file()))
        _replace_directory(staged, out_dir)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return BuildResult(path=out_dir, version=version, configs=tuple(infos), counts=counts,
                       files=files, ner_unrepresented=assembly.ner_unrepresented)
