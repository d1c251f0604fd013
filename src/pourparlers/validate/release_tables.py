"""A release's configs in the layout of `tables.py`, so validate's contracts and queries read them.

Each Parquet file of a config the taxonomy declares is a `ReleasedFile`, opened by its schema
and read when a check needs its rows. Three sets of tables are made from them, one at a time so
that a release is never held whole: `flat` (the configs articles, entities, events, stances),
`documents` (its nested lists) and `annotations` (every layer; the articles of its rows come
from one of the other two). In each, the file's path in the release is the rows' file and the
row's id their region; labels are decoded by the taxonomy's ClassLabel names (an id outside
them reads `label id N`, which the label contracts report).

The gold-only configs hold one gold annotation per article (annotation id 0). An `annotations`
row is an annotation, numbered by its position in the config (the number `annotation_names`
turns back into its released id), with its own layer and annotator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
from datasets import ClassLabel, Features

from pourparlers.build.features import DEFAULT_CONFIG
from pourparlers.build.labels import LABEL_TABLE
from pourparlers.errors import Problem, problem
from pourparlers.tables import ALTERNATE, GOLD
from pourparlers.validate.contracts import polars_types
from pourparlers.validate.generic import HINT_RELEASE, label_id_problems, row_problems

LAYERS = ("entities", "events", "stances")
FLAT = ("articles", *LAYERS)
ANNOTATIONS = "annotations"
MAPPED = (*FLAT, DEFAULT_CONFIG, ANNOTATIONS)
"""The configs read back into validate's tables; any other config gets the generic checks."""

_OWN_LABELS = {"articles": ("date_precision",), "entities": ("type",),
               "events": ("type", "realis", "arguments[].role"),
               "stances": ("target", "polarity", "attribution")}
_NESTED_LABELS = tuple(f"{layer}[].{path}" for layer in LAYERS for path in _OWN_LABELS[layer])
DECODED: dict[str, tuple[str, ...]] = {
    **_OWN_LABELS,
    DEFAULT_CONFIG: (*_OWN_LABELS["articles"], *_NESTED_LABELS),
    ANNOTATIONS: _NESTED_LABELS,
}
"""The label paths each mapped config decodes into a table (the label contracts check those);
every other ClassLabel (an annotation's `layer` too) is checked by `label_id_problems`."""


# -- the files ----------------------------------------------------------------------------------

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


class Unreadable(Exception):
    """A file's rows cannot be read (damaged pages, or values its types cannot be cast from)."""

    def __init__(self, file: ReleasedFile, error: Exception):
        super().__init__(file.path)
        self.problem = problem("release-unreadable", f"its rows cannot be read: {error}", file=file.path,
                               field=file.config, hint=HINT_RELEASE)


def rows_of(file: ReleasedFile, features: Features, columns: list[str] | None = None) -> pa.Table:
    try:
        return file.rows(features, columns)
    except (pa.ArrowException, OSError) as error:
        raise Unreadable(file, error) from None


def frame_of(files: Iterable[ReleasedFile], features: Features) -> pl.DataFrame:
    """The rows of a config's files, each with its `_file`; an empty frame when there is none."""
    parts = [pl.from_arrow(rows_of(file, features)).with_columns(pl.lit(file.path).alias("_file"))
             for file in files]
    if not parts:
        parts = [pl.from_arrow(features.arrow_schema.empty_table()).with_columns(
            pl.lit(None, pl.String).alias("_file"))]
    return pl.concat(parts, how="vertical")


# -- the layout ---------------------------------------------------------------------------------

def _decoded(column: str, label: ClassLabel) -> pl.Expr:
    """A ClassLabel id column as its names; an id outside them reads `label id N`."""
    value = pl.col(column)
    return value.replace_strict(list(range(label.num_classes)), label.names,
                                default=pl.format("label id {}", value), return_dtype=pl.String).alias(column)


def _layout(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(t) for c, t in polars_types(name).items()])


OWNER = ("annotation_id", "layer", "annotator")
"""The columns an `annotations` row gives the items of its lists (a gold-only config has none)."""


def _provenance(columns: Iterable[str]) -> list[pl.Expr]:
    """The provenance columns of a released row: its file, its annotation (a gold-only config's
    is one gold annotation, id 0, shown as none), and its id as the region."""
    own = set(OWNER) <= set(columns)
    annotation = [pl.col(name) for name in OWNER] if own else [
        pl.lit(0, pl.Int64).alias("annotation_id"), pl.lit(GOLD).alias("layer"),
        pl.lit(None, pl.String).alias("annotator")]
    return [pl.col("_file").alias("source_file"), pl.lit(0, pl.Int64).alias("task_id"), *annotation,
            pl.col("id").alias("region_id")]


def _carried(frame: pl.DataFrame) -> list[str]:
    return [name for name in OWNER if name in frame.columns]


def _nested(frame: pl.DataFrame, layer: str, owner: list[pl.Expr]) -> pl.DataFrame:
    """The items of a list column, one row each, with the `owner` columns of their row."""
    return (frame.select(*owner, "_file", layer)
            .filter(pl.col(layer).list.len() > 0).explode(layer).unnest(layer))


def _span(struct: str) -> list[pl.Expr]:
    return [pl.col(struct).struct.field(name) for name in ("start", "end", "text")]


def _articles(frame: pl.DataFrame, fields) -> pl.DataFrame:
    return _layout("articles", frame.select(
        pl.col("id").alias("article_id"), "title", "source", "url", "published",
        _decoded("date_precision", fields["date_precision"]), "language",
        pl.lit(None, pl.String).alias("notes"), "text", "text_sha256", "n_chars",
        pl.col("_file").alias("raw_file")))


def no_articles(features: Features) -> pl.DataFrame:
    """validate's articles table without a row (what a release whose articles cannot be read gives)."""
    return _articles(frame_of((), features), features)


def _entities(frame: pl.DataFrame, fields) -> pl.DataFrame:
    return _layout("entities", frame.select(
        pl.col("id").alias("mention_id"), "article_id", *_provenance(frame.columns), "start", "end", "text",
        pl.lit(None, pl.String).alias("export_text"), _decoded("type", fields["type"]), "canonical_id"))


def _events(frame: pl.DataFrame, fields) -> pl.DataFrame:
    return _layout("events", frame.select(
        pl.col("id").alias("event_id"), "article_id", *_provenance(frame.columns), *_span("trigger"),
        pl.lit(None, pl.String).alias("export_text"), _decoded("type", fields["type"]),
        _decoded("realis", fields["realis"])))


def _arguments(frame: pl.DataFrame, fields) -> pl.DataFrame:
    """Each event argument, one row: the event's id, article, file (and annotation), role
    (decoded), entity_id, text, canonical_id."""
    return (frame.select("id", "article_id", "_file", *_carried(frame), "arguments")
            .filter(pl.col("arguments").list.len() > 0).explode("arguments").unnest("arguments")
            .with_columns(_decoded("role", fields["arguments"].feature["role"])))


def _argument_table(arguments: pl.DataFrame) -> pl.DataFrame:
    return _layout("event_arguments", arguments.select(
        pl.col("id").alias("event_id"), "article_id", *_provenance(arguments.columns), "role",
        pl.col("entity_id").alias("mention_id"), pl.col("entity_id").alias("target_region_id")))


def _stances(frame: pl.DataFrame, fields) -> pl.DataFrame:
    return _layout("stances", frame.select(
        pl.col("id").alias("stance_id"), "article_id", *_provenance(frame.columns), *_span("evidence"),
        pl.lit(None, pl.String).alias("export_text"), "holder_id",
        *(_decoded(name, fields[name]) for name in ("target", "polarity", "attribution"))))


# -- the sets of tables -------------------------------------------------------------------------

@dataclass
class TableSet:
    """One set of validate's tables made from a release (`name`: flat, documents, annotations),
    the raw rows its copied values need, the problems found while its rows were at hand (label
    ids outside their ClassLabel, and what an `annotations` row alone can show), and the
    released id of each annotation number (`annotations` only)."""

    name: str
    tables: dict[str, pl.DataFrame]
    arguments: pl.DataFrame      # from `_arguments`
    stances: pl.DataFrame        # id, article_id, _file, holder_id, holder_text, holder_canonical_id
    own: list[Problem]
    annotation_names: dict[str, str] = field(default_factory=dict)


_HOLDERS = ("id", "article_id", "_file", "holder_id", "holder_text", "holder_canonical_id")


def _set_of(name: str, articles: pl.DataFrame, layer: dict[str, pl.DataFrame], fields: Mapping,
            own: list[Problem], names: dict[str, str] | None = None) -> TableSet:
    arguments = _arguments(layer["events"], fields["events"])
    return TableSet(
        name,
        {"articles": articles,
         "entities": _entities(layer["entities"], fields["entities"]),
         "events": _events(layer["events"], fields["events"]),
         "event_arguments": _argument_table(arguments),
         "stances": _stances(layer["stances"], fields["stances"])},
        arguments, layer["stances"].select(*_HOLDERS, *_carried(layer["stances"])), own, names or {})


def flat_set(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]) -> TableSet:
    frames = {config: frame_of(files.get(config, ()), features[config]) for config in FLAT}
    return _set_of("flat", _articles(frames["articles"], features["articles"]), frames, features,
                   [p for config in FLAT for p in label_id_problems(config, frames[config], features[config],
                                                                     DECODED[config])])


def documents_set(files: list[ReleasedFile], features: Features) -> TableSet:
    documents = frame_of(files, features)
    layer = {name: _nested(documents, name, [pl.col("id").alias("article_id")]) for name in LAYERS}
    return _set_of(DEFAULT_CONFIG, _articles(documents, features), layer,
                   {name: features[name].feature for name in LAYERS},
                   label_id_problems(DEFAULT_CONFIG, documents, features, DECODED[DEFAULT_CONFIG]))


def annotations_set(files: list[ReleasedFile], features: Features, articles: pl.DataFrame) -> TableSet:
    """The `annotations` config as tables of every layer, with `articles` (validate's articles
    table of another set); its own rows get the generic checks (unique ids, articles that
    exist) and one gold annotation per article. An annotation whose layer is not a name of its
    ClassLabel (reported once, at the annotation) has its items checked as a non-gold one's."""
    label = features["layer"]
    frame = (frame_of(files, features).with_row_index("annotation_id", offset=1)
             .with_columns(pl.col("annotation_id").cast(pl.Int64),
                           pl.col("layer").replace_strict(list(range(label.num_classes)), label.names,
                                                          default=None, return_dtype=pl.String).alias("_layer")))
    owner = [pl.col("article_id"), pl.col("annotation_id"), pl.col("_layer").fill_null(ALTERNATE).alias("layer"),
             pl.col("annotator")]
    layer = {name: _nested(frame, name, owner) for name in LAYERS}
    own = row_problems(ANNOTATIONS, frame, articles["article_id"])
    own += label_id_problems(ANNOTATIONS, frame, features, DECODED[ANNOTATIONS])
    own += [problem("missing-value", "annotation has no layer", file=row["_file"], article_id=row["article_id"],
                    region_id=row["id"], expected=", ".join(label.names), field=f"{ANNOTATIONS}.layer",
                    hint=HINT_RELEASE)
            for row in frame.filter(pl.col("layer").is_null()).iter_rows(named=True)]
    own += gold_conflicts(frame)
    names = dict(zip(frame["annotation_id"].cast(pl.String).to_list(), frame["id"].to_list(), strict=True))
    return _set_of(ANNOTATIONS, articles, layer, {name: features[name].feature for name in LAYERS}, own, names)


def gold_conflicts(frame: pl.DataFrame) -> list[Problem]:
    """Articles with more than one gold annotation in the `annotations` config, named by their
    released ids (validate's own check names Label Studio's, which a release does not have)."""
    conflicts = (frame.filter(pl.col("_layer") == GOLD).group_by("article_id")
                 .agg(pl.col("id").sort(), pl.col("_file").min())
                 .filter(pl.col("id").list.len() > 1).sort("article_id"))
    return [problem("gold-conflict", f"article has {len(row['id'])} gold annotations ({', '.join(row['id'])})",
                    file=row["_file"], article_id=row["article_id"], expected="exactly one annotation with "
                    "layer 'gold'", field=f"{ANNOTATIONS}.layer", hint=HINT_RELEASE)
            for row in conflicts.iter_rows(named=True)]


__all__ = ["ANNOTATIONS", "DECODED", "FLAT", "LAYERS", "MAPPED", "ReleasedFile", "TableSet", "Unreadable",
           "annotations_set", "documents_set", "flat_set", "frame_of", "no_articles", "read_config_files",
           "rows_of"]
