"""A release's configs checked as validate checks the sources they were built from, and across
one another, so what users download meets the same contracts.

The configs with a table layout (`validate.release_tables`) are read back into three sets of
validate's tables, one at a time: the flat configs (articles, entities, events, stances),
`documents`, and `annotations` (every layer). Each set gets validate's contracts and integrity
queries; argument texts and holder texts are spans, checked by the span query of `integrity`,
and the canonical ids copied beside them must be their mentions' (`validate.across`). The gold
rows of `documents` and of `annotations` are then compared with the flat configs'. The configs
without a layout (`ner`, `ner_sentences`, `actors`, and any config added later) get the checks
of `validate.generic`: unique ids, articles that exist, label ids inside their ClassLabel, the
tokens of the token configs; and `actors` is compared with `schema/actors.yaml`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl
from datasets import Features

from pourparlers.build.features import DEFAULT_CONFIG
from pourparlers.errors import Problem, problem
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate import run_checks, sort_problems
from pourparlers.validate.across import (
    ACTOR_TABLE,
    CONFIGS_AGREE,
    RELEASE_CHECKS,
    actor_problems,
    copied_id_problems,
    disagreements,
    fingerprints,
    gold_mentions,
)
from pourparlers.validate.checks import Check
from pourparlers.validate.contracts import table_contracts
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
from pourparlers.validate.release_tables import (
    ANNOTATIONS,
    DECODED,
    FLAT,
    LAYERS,
    MAPPED,
    ReleasedFile,
    TableSet,
    Unreadable,
    annotations_set,
    documents_set,
    flat_set,
    frame_of,
    no_articles,
    read_config_files,
    rows_of,
)

SPAN_CODES = ("offset-range", "offset-order", "span-text-mismatch")


def _referred_spans(table_set: TableSet, broken: set[str]) -> list[Pending]:
    """Argument texts and holder texts: each the text of the entity it names (an entity of the
    same article whose own span is sound: a broken one is reported once, as itself)."""
    entities = (table_set.tables["entities"].filter(~pl.col("mention_id").is_in(list(broken)))
                .select(pl.col("mention_id").alias("_entity"), "article_id", "start", "end")
                .unique("_entity", keep="first"))
    lookup = article_lookup(table_set.tables["articles"])
    annotation = [pl.col("annotation_id")] if "annotation_id" in table_set.stances.columns else []
    arguments = (table_set.arguments.join(entities, left_on=["entity_id", "article_id"],
                                          right_on=["_entity", "article_id"], how="inner")
                 .select("article_id", pl.col("_file").alias("source_file"), *annotation,
                         pl.col("id").alias("region_id"), pl.col("entity_id").alias("target_region_id"),
                         "role", "start", "end", "text",
                         pl.lit(None, pl.String).alias("export_text")))
    holders = (table_set.stances.join(entities, left_on=["holder_id", "article_id"],
                                      right_on=["_entity", "article_id"], how="inner")
               .select("article_id", pl.col("_file").alias("source_file"), *annotation,
                       pl.col("id").alias("region_id"), "start", "end", pl.col("holder_text").alias("text"),
                       pl.lit(None, pl.String).alias("export_text")))
    return [span_check("event_arguments", arguments, lookup, "event_arguments.text"),
            span_check("stances", holders, lookup, "stances.holder_text")]


def _check_set(table_set: TableSet, taxonomy: Taxonomy, contracts) -> tuple[list[Problem], set[Check]]:
    problems, not_run = run_checks(table_set.tables, taxonomy, contracts=contracts, articles_in=ARTICLES_IN)
    if table_set.name == ANNOTATIONS:
        # Its articles are another set's, whose problems that set reports; its gold conflicts are
        # named by released ids (`own`).
        articles = set(table_set.tables["articles"]["raw_file"].unique().to_list())
        problems = [p for p in problems if p.code != "gold-conflict" and p.file not in articles]
    broken = {p.region_id for p in problems if p.code in SPAN_CODES and p.field.startswith("entities.")}
    return (problems + collect(_referred_spans(table_set, broken)) + copied_id_problems(table_set)
            + table_set.own), not_run


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


TableSetMaker = Callable[[pl.DataFrame | None], TableSet]


def _table_sets(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]
                ) -> tuple[dict[str, TableSetMaker], bool]:
    """How to make each set of tables a release reads back into, by name (`flat`, `documents`,
    `annotations`: made one at a time, in that order, so only one is held; each given the
    articles table of the first set made), and whether a set is left out because one of its
    files cannot be read in the taxonomy's features."""
    unreadable = {config for config, found in files.items() if not all(f.readable for f in found)}
    sets: dict[str, TableSetMaker] = {}
    if not unreadable & set(FLAT):
        sets["flat"] = lambda _: flat_set(files, features)
    if DEFAULT_CONFIG not in unreadable and files.get(DEFAULT_CONFIG):
        sets[DEFAULT_CONFIG] = lambda _: documents_set(files[DEFAULT_CONFIG], features[DEFAULT_CONFIG])
    if ANNOTATIONS not in unreadable and files.get(ANNOTATIONS):
        sets[ANNOTATIONS] = lambda articles: annotations_set(files[ANNOTATIONS], features[ANNOTATIONS], articles)
    return sets, bool(unreadable & set(MAPPED))


def read_back(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]
              ) -> dict[str, dict[str, pl.DataFrame]]:
    """validate's tables of the flat configs (`flat`), of `documents` and of `annotations`, as
    `check_released` checks them."""
    out: dict[str, dict[str, pl.DataFrame]] = {}
    for name, make in _table_sets(files, features)[0].items():
        first = next(iter(out.values()), None)
        out[name] = make(None if first is None else first["articles"]).tables
    return out


def _text_free(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features]) -> bool:
    """Whether every article text of the release is null (and it has articles)."""
    texts = [rows_of(f, features[config], ["text"]).column("text") for config in ("articles", DEFAULT_CONFIG)
             for f in files.get(config, ()) if f.readable]
    total = sum(len(text) for text in texts)
    return total > 0 and sum(text.null_count for text in texts) == total


def _named(problems: list[Problem], annotations: Mapping[str, str]) -> list[Problem]:
    """Each problem with the released id of its annotation (an `annotations` row's; a gold-only
    config has none to show) and the release's hint (its fix is the release's, not the sources',
    which were valid when it was built)."""
    return [dataclasses.replace(p, annotation_id=annotations.get(p.annotation_id, ""), hint=HINT_RELEASE)
            for p in problems]


def check_released(files: Mapping[str, list[ReleasedFile]], features: Mapping[str, Features],
                   taxonomy: Taxonomy) -> ReleasedCheck:
    """Contracts, integrity checks and the checks across configs on the released configs (see
    the module's docstring).

    A set of tables with a file that cannot be read in the taxonomy's features is not checked
    (its checks count as not run; the features check, or the read, names the file). The sets
    and the other configs are read one after the other, each let go before the next.
    """
    makers, left_out = _table_sets(files, features)
    not_run: set[Check] = set(RELEASE_CHECKS) if left_out else set()
    unreadable: dict[str, Problem] = {}
    try:
        text_free = _text_free(files, features)
    except Unreadable as damaged:
        text_free, makers, not_run = False, {}, set(RELEASE_CHECKS)
        unreadable[damaged.problem.file] = damaged.problem
    contracts = text_free_contracts(taxonomy) if text_free else None
    problems: list[Problem] = []
    articles: pl.DataFrame | None = None
    prints: dict[str, dict[str, pl.DataFrame]] = {}
    flagged: dict[str, set[str]] = {}
    mentions: Counter | None = None
    names: dict[str, str] = {}
    for name, make in makers.items():
        if name == ANNOTATIONS and articles is None:   # no articles to check its rows against
            not_run |= set(RELEASE_CHECKS)
            continue
        try:
            table_set = make(articles)
        except Unreadable as damaged:
            not_run |= set(RELEASE_CHECKS)
            unreadable[damaged.problem.file] = damaged.problem
            continue
        found, missed = _check_set(table_set, taxonomy, contracts)
        problems += found
        not_run |= missed
        names.update(table_set.annotation_names)
        prints[name] = fingerprints(table_set)
        flagged[name] = {p.article_id for p in found} | {p.region_id for p in found if p.region_id}
        if articles is None:
            articles, mentions = table_set.tables["articles"], gold_mentions(table_set)
        del table_set
    if "flat" not in prints or len(prints) < 2:
        not_run.add(CONFIGS_AGREE)
    for name in (n for n in prints if n != "flat" and "flat" in prints):
        problems += disagreements(prints["flat"], prints[name], name, flagged["flat"] | flagged[name])
    if articles is None:
        articles = no_articles(features["articles"])
    for config in sorted(set(files) - set(MAPPED)):
        readable = [f for f in files[config] if f.readable]
        try:
            frame = frame_of(readable, features[config])
        except Unreadable as damaged:
            unreadable[damaged.problem.file] = damaged.problem
            continue
        problems += row_problems(config, frame, articles["article_id"])
        problems += label_id_problems(config, frame, features[config])
        if config in TOKEN_CONFIGS:
            problems += token_problems(config, frame, article_lookup(articles))
        if config == "actors" and taxonomy.actors is not None and mentions is not None:
            problems += actor_problems(frame, [f.path for f in files[config]], features[config],
                                       taxonomy.actors, mentions)
    if taxonomy.actors is None or mentions is None or not all(f.readable for f in files.get("actors", ())):
        not_run.add(ACTOR_TABLE)
    elif "actors" not in files:
        problems += actor_problems(pl.DataFrame(), [], features["actors"], taxonomy.actors, mentions)
    return ReleasedCheck(sort_problems([*_named(problems, names), *unreadable.values()]), not_run, text_free)


def missing_configs(files: Mapping[str, list[ReleasedFile]]) -> list[Problem]:
    """The configs every release has (one row per article): articles and the default config."""
    return [problem("missing-table", f"the release has no {config} config ({config}/*.parquet)",
                    field=config, hint=HINT_RELEASE)
            for config in ("articles", DEFAULT_CONFIG) if not files.get(config)]


__all__ = ["DECODED", "MAPPED", "RELEASE_CHECKS", "ReleasedCheck", "ReleasedFile", "check_released",
           "missing_configs", "read_back", "read_config_files"]
