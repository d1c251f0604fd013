"""A release's configs read back into validate's tables, so what users download is checked by
the same contracts and integrity queries as the sources it was built from.

Each Parquet file of a config the taxonomy declares gives rows in the layout of `tables.py`:
the file's path in the release is the rows' file, the row's id their region, and labels are
decoded by the taxonomy's ClassLabel names (an id outside them reads `label id N`, which the
label contracts report). The flat configs (articles, entities, events, stances) and `documents`
are checked as two sets of tables; argument texts and holder texts are spans, checked by the
span query of `integrity`. The configs without a layout here (`ner`, `ner_sentences`, `actors`,
and any config added later) get the checks of `validate.generic`: unique ids, articles that
exist, label ids inside their ClassLabel, and the tokens of `ner` and `ner_sentences`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
from datasets import ClassLabel, Features

from pourparlers.build.features import DEFAULT_CONFIG
from pourparlers.build.labels import LABEL_TABLE
from pourparlers.errors import Problem, problem
from pourparlers.tables import GOLD
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate import run_checks, sort_problems
from pourparlers.validate.checks import CHECKS, Check
from pourparlers.validate.contracts import polars_types, table_contracts
from pourparlers.validate.generic import (
    ARTICLES_IN,
    HINT_RELEASE,
    TOKEN_CONFIGS,
    collect,
    label_id_problems,
    row_problems,
    token_problems,
)
from pourparlers.validate.integrity import Pending, article_lookup, span_check

LAYERS = ("entities", "events", "stances")
FLAT = ("articles", *LAYERS)
MAPPED = (*FLAT, DEFAULT_CONFIG)
"""The configs read back into validate's tables; any other config gets the generic checks."""

_OWN_LABELS = {"articles": ("date_precision",), "entities": ("type",),
               "events": ("type", "realis", "arguments[].role"),
               "stances": ("target", "polarity", "attribution")}
DECODED: dict[str, tuple[str, ...]] = {
    **_OWN_LABELS,
    DEFAULT_CONFIG: (*_OWN_LABELS["articles"],
                     *(f"{layer}[].{path}" for layer in LAYERS for path in _OWN_LABELS[layer])),
}
"""The label paths each mapped config decodes into a table (the label contracts check those);
every other ClassLabel is checked by `label_id_problems`."""

SPAN_CODES = ("offset-range", "offset-order", "span-text-mismatch")


@dataclass(frozen=True)
class ReleasedFile:
    """One Parquet file of a config: its path in the release and on disk, the schema it has
    (None if it is not Parquet), and whether its rows can be read in the Arrow schema of the
    taxonomy's features (its rows are read when a check needs them, so a release is never held
    whole)."""

    config: str
    path: str
    source: Path
    schema: pa.Schema | None
    readable: bool

    def rows(self, features: Features, columns: list[str] | None = None) -> pa.Table:
        """Its rows in the Arrow schema of `features` (those of `columns` only, if given)."""
        import pyarrow.parquet as pq

        expected = features.arrow_schema
        if columns is not None:
            expected = pa.schema([expected.field(name) for name in columns])
        return pq.read_table(self.source, columns=expected.names).cast(expected)


def _castable(schema: pa.Schema, expected: pa.Schema) -> bool:
    try:
        schema.empty_table().select(expected.names).cast(expected)
    except (pa.ArrowException, KeyError, ValueError):
        return False
    return True


def read_config_files(folder: Path, features: Mapping[str, Features]
                      ) -> tuple[dict[str, list[ReleasedFile]], list[str], list[Problem]]:
    """Every Parquet file under the folder of a config the taxonomy declares (hidden ones too,
    links never followed), by config; the other Parquet files but `labels.parquet` (which has
    a check of its own), left to the manifest; and a problem per file that cannot be read as
    Parquet (kept, with no schema, so the tables it feeds count as not checked)."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    files: dict[str, list[ReleasedFile]] = {}
    elsewhere, problems = [], []
    for path in sorted(folder.rglob("*.parquet")):
        relative = path.relative_to(folder).as_posix()
        config = relative.split("/")[0] if "/" in relative else ""
        if config not in features or path.is_symlink() or not path.is_file():
            if relative != LABEL_TABLE:
                elsewhere.append(relative)
            continue
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError) as error:
            problems.append(problem("release-unreadable", f"cannot be read as Parquet: {error}",
                                    file=relative, field=config, hint=HINT_RELEASE))
            files.setdefault(config, []).append(ReleasedFile(config, relative, path, None, False))
            continue
        castable = _castable(schema, features[config].arrow_schema)   # if not, the features check says why
        files.setdefault(config, []).append(ReleasedFile(config, relative, path, schema, castable))
    return files, elsewhere, problems


class _Unreadable(Exception):
    """A file's rows cannot be read (damaged pages, or values its types cannot be cast from)."""

    def __init__(self, file: ReleasedFile, error: Exception):
        super().__init__(file.path)
        self.problem = problem("release-unreadable", f"its rows cannot be read: {error}", file=file.path,
                               field=file.config, hint=HINT_RELEASE)


def _rows(file: ReleasedFile, features: Features, columns: list[str] | None = None) -> pa.Table:
    try:
        return file.rows(features, columns)
    except (pa.ArrowException, OSError) as error:
        raise _Unreadable(file, error) from None


def _frame(files: Iterable[ReleasedFile], features: Features) -> pl.DataFrame:
    """The rows of a config's files, each with its `_file`; an empty frame when there is none."""
    parts = [pl.from_arrow(_rows(file, features)).with_columns(pl.lit(file.path).alias("_file"))
             for file in files]
    if not parts:
        parts = [pl.from_arrow(features.arrow_schema.empty_table()).with_columns(
            pl.lit(None, pl.String).alias("_file"))]
    return pl.concat(parts, how="vertical")


def _decoded(column: str, label: ClassLabel) -> pl.Expr:
    """A ClassLabel id column as its names; an id outside them reads `label id N`."""
    value = pl.col(column)
    return value.replace_strict(list(range(label.num_classes)), label.names,
                                default=pl.format("label id {}", value), return_dtype=pl.String).alias(column)


def _layout(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(t) for c, t in polars_types(name).items()])


def _provenance() -> list[pl.Expr]:
    """The provenance columns of a released row: its file, one gold annotation (id 0, shown as
    none), and its id as the region."""
    return [pl.col("_file").alias("source_file"), pl.lit(0, pl.Int64).alias("task_id"),
            pl.lit(0, pl.Int64).alias("annotation_id"), pl.lit(None, pl.String).alias("annotator"),
            pl.lit(GOLD).alias("layer"), pl.col("id").alias("region_id")]


def _nested(documents: pl.DataFrame, layer: str) -> pl.DataFrame:
    """The items of a list column of `documents`, one row each, with their article's id."""
    return (documents.select(pl.col("id").alias("article_id"), "_file", layer)
            .filter(pl.col(layer).list.len() > 0).explode(layer).unnest(layer))


def _span(struct: str) -> list[pl.Expr]:
    return [pl.col(struct).struct.field(name) for name in ("start", "end", "text")]


def _articles(frame: pl.DataFrame, fields) -> pl.DataFrame:
    return _layout("articles", frame.select(
        pl.col("id").alias("article_id"), "title", "source", "url", "published",
        _decoded("date_precision", fields["date_precision"]), "language",
        pl.lit(None, pl.String).alias("notes"), "text", "text_sha256", "n_chars",
        pl.col("_file").alias("raw_file")))


def _entities(frame: pl.DataFrame, fields) -> pl.DataFrame:
    return _layout("entities", frame.select(
        pl.col("id").alias("mention_id"), "article_id", *_provenance(), "start", "end", "text",
        pl.lit(None, pl.String).alias("export_text"), _decoded("type", fields["type"]), "canonical_id"))


def _events(frame: pl.DataFrame, fields) -> pl.DataFrame:
    return _layout("events", frame.select(
        pl.col("id").alias("event_id"), "article_id", *_provenance(), *_span("trigger"),
        pl.lit(None, pl.String).alias("export_text"), _decoded("type", fields["type"]),
        _decoded("realis", fields["realis"])))


def _arguments(frame: pl.DataFrame, fields) -> pl.DataFrame:
    """Each event argument, one row: the event's id, article and file, role (decoded),
    entity_id, text."""
    return (frame.select("id", "article_id", "_file", "arguments")
            .filter(pl.col("arguments").list.len() > 0).explode("arguments").unnest("arguments")
            .with_columns(_decoded("role", fields["arguments"].feature["role"])))


def _argument_table(arguments: pl.DataFrame) -> pl.DataFrame:
    return _layout("event_arguments", arguments.select(
        pl.col("id").alias("event_id"), "article_id", *_provenance(), "role",
        pl.col("entity_id").alias("mention_id"), pl.col("entity_id").alias("target_region_id")))


def _stances(frame: pl.DataFrame, fields) -> pl.DataFrame:
    return _layout("stances", frame.select(
        pl.col("id").alias("stance_id"), "article_id", *_provenance(), *_span("evidence"),
        pl.lit(None, pl.String).alias("export_text"), "holder_id",
        *(_decoded(name, fields[name]) for name in ("target", "polarity", "attribution"))))


@dataclass
class _TableSet:
    """One set of validate's tables made from a release, the raw rows its extra spans need, and
    the label ids outside their ClassLabel in the configs it was made from (found while their
    rows are at hand)."""

    tables: dict[str, pl.DataFrame]
    arguments: pl.DataFrame      # from `_arguments`
    stances: pl.DataFrame        # id, article_id, _file, holder_id, holder_text
    labels: list[Problem]


def _flat_set(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]) -> _TableSet:
    frames = {config: _frame(files.get(config, ()), features[config]) for config in FLAT}
    arguments = _arguments(frames["events"], features["events"])
    return _TableSet(
        {"articles": _articles(frames["articles"], features["articles"]),
         "entities": _entities(frames["entities"], features["entities"]),
         "events": _events(frames["events"], features["events"]),
         "event_arguments": _argument_table(arguments),
         "stances": _stances(frames["stances"], features["stances"])},
        arguments, frames["stances"].select("id", "article_id", "_file", "holder_id", "holder_text"),
        [p for config in FLAT for p in label_id_problems(config, frames[config], features[config],
                                                          DECODED[config])])


def _documents_set(files: list[ReleasedFile], features: Features) -> _TableSet:
    documents = _frame(files, features)
    layer = {name: _nested(documents, name) for name in LAYERS}
    fields = {name: features[name].feature for name in LAYERS}
    arguments = _arguments(layer["events"], fields["events"])
    return _TableSet(
        {"articles": _articles(documents, features),
         "entities": _entities(layer["entities"], fields["entities"]),
         "events": _events(layer["events"], fields["events"]),
         "event_arguments": _argument_table(arguments),
         "stances": _stances(layer["stances"], fields["stances"])},
        arguments, layer["stances"].select("id", "article_id", "_file", "holder_id", "holder_text"),
        label_id_problems(DEFAULT_CONFIG, documents, features, DECODED[DEFAULT_CONFIG]))


def _referred_spans(table_set: _TableSet, broken: set[str]) -> list[Pending]:
    """Argument texts and holder texts: each the text of the entity it names (an entity of the
    same article whose own span is sound: a broken one is reported once, as itself)."""
    entities = (table_set.tables["entities"].filter(~pl.col("mention_id").is_in(list(broken)))
                .select(pl.col("mention_id").alias("_entity"), "article_id", "start", "end")
                .unique("_entity", keep="first"))
    lookup = article_lookup(table_set.tables["articles"])
    arguments = (table_set.arguments.join(entities, left_on=["entity_id", "article_id"],
                                          right_on=["_entity", "article_id"], how="inner")
                 .select("article_id", pl.col("_file").alias("source_file"), pl.col("id").alias("region_id"),
                         pl.col("entity_id").alias("target_region_id"),
                         "role", "start", "end", "text",
                         pl.lit(None, pl.String).alias("export_text")))
    holders = (table_set.stances.join(entities, left_on=["holder_id", "article_id"],
                                      right_on=["_entity", "article_id"], how="inner")
               .select("article_id", pl.col("_file").alias("source_file"), pl.col("id").alias("region_id"),
                       "start", "end", pl.col("holder_text").alias("text"),
                       pl.lit(None, pl.String).alias("export_text")))
    return [span_check("event_arguments", arguments, lookup, "event_arguments.text"),
            span_check("stances", holders, lookup, "stances.holder_text")]


def _check_set(table_set: _TableSet, taxonomy: Taxonomy, contracts) -> tuple[list[Problem], set[Check]]:
    problems, not_run = run_checks(table_set.tables, taxonomy, contracts=contracts, articles_in=ARTICLES_IN)
    broken = {p.region_id for p in problems if p.code in SPAN_CODES and p.field.startswith("entities.")}
    return problems + collect(_referred_spans(table_set, broken)), not_run


def text_free_contracts(taxonomy: Taxonomy) -> dict:
    """The taxonomy's contracts with every text column nullable: a text-free release nulls the
    article texts and the span texts sliced from them."""
    contracts = table_contracts(taxonomy)
    for name in ("articles", *LAYERS):
        contracts[name] = contracts[name].update_columns({"text": {"nullable": True}})
    return contracts


@dataclass(frozen=True)
class ReleasedCheck:
    """What the checks of the released tables found: every problem, the checks that could not
    run, and whether the release is text-free (its texts all null)."""

    problems: list[Problem]
    not_run: set[Check]
    text_free: bool


def _table_sets(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]
                ) -> tuple[dict[str, Callable[[], _TableSet]], bool]:
    """How to make each set of tables a release reads back into, by name (`flat`, `documents`:
    made one at a time, so only one is held), and whether a set is left out because one of its
    files cannot be read in the taxonomy's features."""
    unreadable = {config for config, found in files.items() if not all(f.readable for f in found)}
    sets: dict[str, Callable[[], _TableSet]] = {}
    if not unreadable & set(FLAT):
        sets["flat"] = lambda: _flat_set(files, features)
    if DEFAULT_CONFIG not in unreadable and files.get(DEFAULT_CONFIG):
        sets[DEFAULT_CONFIG] = lambda: _documents_set(files[DEFAULT_CONFIG], features[DEFAULT_CONFIG])
    return sets, bool(unreadable & set(MAPPED))


def read_back(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]
              ) -> dict[str, dict[str, pl.DataFrame]]:
    """validate's tables of the flat configs (`flat`) and of `documents`, as `check_released`
    checks them."""
    return {name: make().tables for name, make in _table_sets(files, features)[0].items()}


def _text_free(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]) -> bool:
    """Whether every article text of the release is null (and it has articles)."""
    texts = [_rows(f, features[config], ["text"]).column("text") for config in ("articles", DEFAULT_CONFIG)
             for f in files.get(config, ()) if f.readable]
    total = sum(len(text) for text in texts)
    return total > 0 and sum(text.null_count for text in texts) == total


def check_released(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features],
                   taxonomy: Taxonomy) -> ReleasedCheck:
    """Contracts and integrity checks on the released configs (see the module's docstring).

    A set of tables with a file that cannot be read in the taxonomy's features is not checked
    (its checks count as not run; the features check, or the read, names the file). The sets
    and the other configs are read one after the other, each let go before the next.
    """
    makers, left_out = _table_sets(files, features)
    not_run: set[Check] = set(CHECKS) if left_out else set()
    unreadable: dict[str, Problem] = {}
    try:
        text_free = _text_free(files, features)
    except _Unreadable as damaged:
        text_free, makers, not_run = False, {}, set(CHECKS)
        unreadable[damaged.problem.file] = damaged.problem
    contracts = text_free_contracts(taxonomy) if text_free else None
    problems: list[Problem] = []
    articles = _articles(_frame((), features["articles"]), features["articles"])
    for make in makers.values():
        try:
            table_set = make()
        except _Unreadable as damaged:
            not_run |= set(CHECKS)
            unreadable[damaged.problem.file] = damaged.problem
            continue
        found, missed = _check_set(table_set, taxonomy, contracts)
        problems += found + table_set.labels
        not_run |= missed
        if not articles.height:
            articles = table_set.tables["articles"]
        del table_set
    for config in sorted(set(files) - set(MAPPED)):
        readable = [f for f in files[config] if f.readable]
        try:
            frame = _frame(readable, features[config])
        except _Unreadable as damaged:
            unreadable[damaged.problem.file] = damaged.problem
            continue
        problems += row_problems(config, frame, articles["article_id"])
        problems += label_id_problems(config, frame, features[config])
        if config in TOKEN_CONFIGS:
            problems += token_problems(config, frame, article_lookup(articles))
    # A release has one annotation per article: no annotation id to show, and its fix is the
    # release's, not the sources' (those were valid when it was built).
    problems = [dataclasses.replace(p, annotation_id="", hint=HINT_RELEASE) for p in problems]
    return ReleasedCheck(sort_problems([*problems, *unreadable.values()]), not_run, text_free)


def missing_configs(files: Mapping[str, list[ReleasedFile]]) -> list[Problem]:
    """The configs every release has (one row per article): articles and the default config."""
    return [problem("missing-table", f"the release has no {config} config ({config}/*.parquet)",
                    field=config, hint=HINT_RELEASE)
            for config in ("articles", DEFAULT_CONFIG) if not files.get(config)]


__all__ = ["DECODED", "MAPPED", "ReleasedCheck", "ReleasedFile", "check_released", "missing_configs",
           "read_back", "read_config_files"]
