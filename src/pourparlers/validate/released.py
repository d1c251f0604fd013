"""A release's configs read back into validate's tables, so what users download is checked by
the same contracts and integrity queries as the sources it was built from.

Each Parquet file of a config the taxonomy declares gives rows in the layout of `tables.py`:
the file's path in the release is the rows' file, the row's id their region, and labels are
decoded by the taxonomy's ClassLabel names (an id outside them reads `label id N`, which the
label contracts report). The flat configs (articles, entities, events, stances) and `documents`
are checked as two sets of tables. Argument texts, holder texts and `ner` tokens are spans,
checked by the span query of `integrity`; the configs without a layout here (`ner`, and any
config added later) get what every config can have: unique ids, articles that exist, label ids
inside their ClassLabel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
from datasets import ClassLabel, Features, List

from pourparlers.build.features import DEFAULT_CONFIG, has_label
from pourparlers.errors import Problem, problem
from pourparlers.tables import GOLD
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate import run_checks, sort_problems
from pourparlers.validate.checks import CHECKS, Check
from pourparlers.validate.contracts import polars_types, table_contracts
from pourparlers.validate.fused import duplicate_id_problems
from pourparlers.validate.integrity import Pending, article_lookup, span_check, unknown_articles_in
from pourparlers.validate.locate import at

HINT_RELEASE = ("a release is built from validated data: its files were edited or damaged after the "
                "build, or the build has a bug. Download or build the release again; if a fresh "
                "build shows this too, report a bug")
ARTICLES_IN = "the release's articles"
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
    """One Parquet file of a config: its path in the release, the schema it has (None if it is
    not Parquet), and its rows in the Arrow schema of the taxonomy's features (None when they
    cannot be read so)."""

    config: str
    path: str
    schema: pa.Schema | None
    table: pa.Table | None


def read_config_files(folder: Path, features: Mapping[str, Features]
                      ) -> tuple[dict[str, list[ReleasedFile]], list[str], list[Problem]]:
    """Every Parquet file under the folder of a config the taxonomy declares (hidden ones too,
    links never followed), by config; the Parquet files elsewhere (left to the manifest); and
    a problem per file that cannot be read as Parquet (kept, with no schema and no rows, so the
    tables it feeds count as not checked)."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    files: dict[str, list[ReleasedFile]] = {}
    elsewhere, problems = [], []
    for path in sorted(folder.rglob("*.parquet")):
        relative = path.relative_to(folder).as_posix()
        config = relative.split("/")[0] if "/" in relative else ""
        if config not in features or path.is_symlink() or not path.is_file():
            elsewhere.append(relative)
            continue
        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError) as error:
            problems.append(problem("release-unreadable", f"cannot be read as Parquet: {error}",
                                    file=relative, field=config, hint=HINT_RELEASE))
            files.setdefault(config, []).append(ReleasedFile(config, relative, None, None))
            continue
        expected = features[config].arrow_schema
        try:
            cast = table.select(expected.names).cast(expected)
        except (pa.ArrowException, KeyError, ValueError):
            cast = None   # the features check says why
        files.setdefault(config, []).append(ReleasedFile(config, relative, table.schema, cast))
    return files, elsewhere, problems


def _frame(files: Iterable[ReleasedFile], features: Features) -> pl.DataFrame:
    """The rows of a config's files, each with its `_file`; an empty frame when there is none."""
    parts = [pl.from_arrow(f.table).with_columns(pl.lit(f.path).alias("_file")) for f in files]
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
    """One set of validate's tables made from a release, and the raw rows its extra spans need."""

    tables: dict[str, pl.DataFrame]
    arguments: pl.DataFrame      # from `_arguments`
    stances: pl.DataFrame        # id, article_id, _file, holder_id, holder_text


def _flat_set(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]) -> _TableSet:
    frames = {config: _frame(files.get(config, ()), features[config]) for config in FLAT}
    arguments = _arguments(frames["events"], features["events"])
    return _TableSet(
        {"articles": _articles(frames["articles"], features["articles"]),
         "entities": _entities(frames["entities"], features["entities"]),
         "events": _events(frames["events"], features["events"]),
         "event_arguments": _argument_table(arguments),
         "stances": _stances(frames["stances"], features["stances"])},
        arguments, frames["stances"].select("id", "article_id", "_file", "holder_id", "holder_text"))


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
        arguments, layer["stances"].select("id", "article_id", "_file", "holder_id", "holder_text"))


def _collect(pending: Iterable[Pending]) -> list[Problem]:
    return [p for failing, report in pending for p in report(failing.collect())]


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
    return problems + _collect(_referred_spans(table_set, broken)), not_run


def _located(config: str, frame: pl.DataFrame) -> pl.DataFrame:
    """A generic config's rows with the location columns `locate` reads."""
    article = "article_id" if "article_id" in frame.columns else "id"
    return frame.with_columns(pl.col("_file").alias("source_file"),
                              pl.col(article).cast(pl.String).alias("article_id"),
                              pl.col("id").cast(pl.String).alias("region_id"))


def _generic_problems(config: str, frame: pl.DataFrame, article_ids: pl.Series) -> list[Problem]:
    """Unique ids and articles that exist, for a config with no table layout here."""
    problems = []
    if "id" not in frame.columns:
        return problems
    located = _located(config, frame)
    repeated = located.with_row_index("_index").filter(pl.col("id").is_duplicated())["_index"]
    if len(repeated):
        problems += duplicate_id_problems(config, located, "id", repeated)
    if "article_id" in frame.columns:
        problems += _collect([unknown_articles_in(config, located, article_ids, ARTICLES_IN)])
    return problems


def label_id_problems(config: str, frame: pl.DataFrame, features: Features,
                      skip: Iterable[str] = ()) -> list[Problem]:
    """Every ClassLabel id of a config outside its ClassLabel, but for the paths in `skip`;
    located at the nearest item with an id (else the row), the message giving the exact path."""
    skip = set(skip)
    problems: list[Problem] = []
    article = pl.col("article_id" if "article_id" in frame.columns else "id")

    def walk(rows: pl.DataFrame, feature, path: str) -> None:
        if isinstance(feature, ClassLabel):
            n = feature.num_classes
            bad = rows.filter(pl.col("_v").is_not_null() & ~pl.col("_v").is_between(0, n - 1))
            problems.extend(
                problem("unknown-label", f"{row['_at']} is label id {row['_v']}, outside its ClassLabel "
                        f"({n} names)", file=row["_file"], article_id=row["_article"],
                        region_id=row["_region"], expected=f"an id from 0 to {n - 1}",
                        field=f"{config}.{path}", hint=HINT_RELEASE)
                for row in bad.iter_rows(named=True))
        elif isinstance(feature, dict):
            for name, inner in feature.items():
                if has_label(inner) and f"{path}.{name}" not in skip:
                    walk(rows.with_columns(pl.col("_v").struct.field(name).alias("_v"),
                                           pl.format("{}.{}", "_at", pl.lit(name)).alias("_at")),
                         inner, f"{path}.{name}")
        elif isinstance(feature, List):
            items = (rows.filter(pl.col("_v").list.len() > 0)
                     .with_columns(pl.int_ranges(pl.col("_v").list.len()).alias("_i"))
                     .explode("_v", "_i")
                     .with_columns(pl.format("{}[{}]", "_at", "_i").alias("_at")))
            if isinstance(feature.feature, dict) and "id" in feature.feature:
                items = items.with_columns(pl.col("_v").struct.field("id").alias("_region"))
            walk(items, feature.feature, f"{path}[]")

    for name, feature in features.items():
        if has_label(feature) and name not in skip and name in frame.columns:
            walk(frame.select(pl.col("_file"), article.alias("_article"), pl.col("id").alias("_region"),
                              pl.col(name).alias("_v"), pl.lit(name).alias("_at")), feature, name)
    return problems


def _ner_problems(frame: pl.DataFrame, lookup: pl.DataFrame) -> list[Problem]:
    """The `ner` tokens: as many offsets and tags as tokens, offsets ordered and inside the
    article, each token equal to `text[start:end]` (a text-free release has no tokens)."""
    if not {"token_starts", "token_ends", "ner_tags", "tokens"} <= set(frame.columns):
        return []
    n = pl.col("token_starts").list.len()
    same = ((pl.col("token_ends").list.len() == n) & (pl.col("ner_tags").list.len() == n)
            & (pl.col("tokens").is_null() | (pl.col("tokens").list.len() == n))).fill_null(False)
    located = _located("ner", frame)
    problems = [
        at({"_file": row["_file"], "_article": row["article_id"], "_annotation": None, "_region": row["id"]},
           "invalid-value", f"ner row has {row['t']} tokens, {row['s']} token_starts, {row['e']} token_ends "
           f"and {row['g']} ner_tags", expected="one offset pair and one tag per token",
           field="ner.token_starts", hint=HINT_RELEASE)
        for row in located.filter(~same).select(
            "_file", "article_id", "id", t=pl.col("tokens").list.len(), s=n,
            e=pl.col("token_ends").list.len(), g=pl.col("ner_tags").list.len()).iter_rows(named=True)]
    good = located.filter(same).with_columns(pl.int_ranges(n).alias("_i"))
    with_text = good.filter(pl.col("tokens").is_not_null()).explode("tokens", "token_starts", "token_ends", "_i")
    without = (good.filter(pl.col("tokens").is_null()).explode("token_starts", "token_ends", "_i")
               .with_columns(pl.lit(None, pl.String).alias("tokens")))
    tokens = pl.concat([part.select(
        "article_id", "source_file", pl.format("token {}", "_i").alias("region_id"),
        pl.col("token_starts").alias("start"), pl.col("token_ends").alias("end"),
        pl.col("tokens").cast(pl.String).alias("text"), pl.lit(None, pl.String).alias("export_text"))
        for part in (with_text, without)])
    for row in tokens.filter((pl.col("start") < 0) | (pl.col("end") <= pl.col("start"))).iter_rows(named=True):
        where = {"_file": row["source_file"], "_article": row["article_id"], "_annotation": None,
                 "_region": row["region_id"]}
        if row["start"] < 0:
            problems.append(at(where, "offset-range", f"span starts before the text: start {row['start']}",
                               expected="start >= 0", field="ner.token_starts", hint=HINT_RELEASE))
        else:
            problems.append(at(where, "offset-order", f"empty or reversed span: start {row['start']}, "
                               f"end {row['end']}", expected="end > start", field="ner.token_ends",
                               hint=HINT_RELEASE))
    ordered = tokens.filter((pl.col("start") >= 0) & (pl.col("end") > pl.col("start")))
    return problems + _collect([span_check("ner", ordered, lookup, "ner.tokens")])


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
                ) -> tuple[dict[str, _TableSet], bool]:
    """The sets of tables a release reads back into, by name (`flat`, `documents`), and whether
    a set was left out because one of its files cannot be read in the taxonomy's features."""
    unreadable = {config for config, found in files.items() if any(f.table is None for f in found)}
    readable = {config: [f for f in found if f.table is not None] for config, found in files.items()}
    sets = {}
    if not unreadable & set(FLAT):
        sets["flat"] = _flat_set(readable, features)
    if DEFAULT_CONFIG not in unreadable and readable.get(DEFAULT_CONFIG):
        sets[DEFAULT_CONFIG] = _documents_set(readable[DEFAULT_CONFIG], features[DEFAULT_CONFIG])
    return sets, bool(unreadable & set(MAPPED))


def read_back(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]
              ) -> dict[str, dict[str, pl.DataFrame]]:
    """validate's tables of the flat configs (`flat`) and of `documents`, as `check_released`
    checks them."""
    return {name: table_set.tables for name, table_set in _table_sets(files, features)[0].items()}


def check_released(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features],
                   taxonomy: Taxonomy) -> ReleasedCheck:
    """Contracts and integrity checks on the released configs (see the module's docstring).

    A set of tables with a file that cannot be read in the taxonomy's features is not checked
    (its checks count as not run; the features check, or the read, names the file).
    """
    readable = {config: [f for f in found if f.table is not None] for config, found in files.items()}
    by_name, left_out = _table_sets(files, features)
    sets = list(by_name.values())
    not_run: set[Check] = set(CHECKS) if left_out else set()
    texts = pl.concat([s.tables["articles"].select("text") for s in sets]) if sets else pl.DataFrame()
    text_free = bool(texts.height) and texts["text"].null_count() == texts.height
    contracts = text_free_contracts(taxonomy) if text_free else None
    problems: list[Problem] = []
    for table_set in sets:
        found, missed = _check_set(table_set, taxonomy, contracts)
        problems += found
        not_run |= missed
    with_rows = [s.tables["articles"] for s in sets if s.tables["articles"].height]
    articles = with_rows[0] if with_rows else _articles(_frame((), features["articles"]), features["articles"])
    for config in sorted(set(readable) - set(MAPPED)):
        frame = _frame(readable[config], features[config])
        problems += _generic_problems(config, frame, articles["article_id"])
        if config == "ner":
            problems += _ner_problems(frame, article_lookup(articles))
    for config, found in sorted(readable.items()):
        if found:
            problems += label_id_problems(config, _frame(found, features[config]), features[config],
                                          DECODED.get(config, ()))
    # A release has one annotation per article: no annotation id to show, and its fix is the
    # release's, not the sources' (those were valid when it was built).
    problems = [dataclasses.replace(p, annotation_id="", hint=HINT_RELEASE) for p in problems]
    return ReleasedCheck(sort_problems(problems), not_run, text_free)


def missing_configs(files: Mapping[str, list[ReleasedFile]]) -> list[Problem]:
    """The configs every release has (one row per article): articles and the default config."""
    return [problem("missing-table", f"the release has no {config} config ({config}/*.parquet)",
                    field=config, hint=HINT_RELEASE)
            for config in ("articles", DEFAULT_CONFIG) if not files.get(config)]


__all__ = ["DECODED", "HINT_RELEASE", "MAPPED", "ReleasedCheck", "ReleasedFile", "check_released",
           "label_id_problems", "missing_configs", "read_back", "read_config_files"]
