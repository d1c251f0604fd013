"""The checks of a release that cross its configs, beyond what validate checks in one set of
tables: values copied from a mention (a holder's and an argument's canonical id), the gold rows
that several configs hold (`documents`, and the gold annotations of `annotations`, against
`entities`, `events` and `stances`), and the `actors` config against `schema/actors.yaml`.

The configs are read one set of tables at a time, so the rows to compare are kept as
fingerprints: the key of each gold row and a 64-bit hash of each of its compared columns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import polars as pl
from datasets import Features

from pourparlers.actors import Actors
from pourparlers.errors import Problem, problem
from pourparlers.tables import GOLD
from pourparlers.validate.checks import CHECKS, NAMED_ACTORS, Check
from pourparlers.validate.generic import HINT_RELEASE
from pourparlers.validate.locate import NOUN, show
from pourparlers.validate.release_tables import ANNOTATIONS, TableSet

ACTOR_TABLE = Check("actor-table", "the actors config is schema/actors.yaml's, with each actor's gold mentions",
                    ("actor-mismatch",))
COPIED_IDS = Check("copied-canonical-ids", "holder and argument canonical ids are those of their mentions",
                   ("canonical-id-mismatch",))
CONFIGS_AGREE = Check("configs-agree", "documents and the gold annotations of annotations hold the rows of "
                      "entities, events and stances", ("configs-disagree",))

_AT = CHECKS.index(NAMED_ACTORS) + 1
RELEASE_CHECKS: tuple[Check, ...] = (*CHECKS[:_AT], ACTOR_TABLE, COPIED_IDS, *CHECKS[_AT:], CONFIGS_AGREE)
"""The checklist of a release's tables: validate's, and those that cross configs."""


# -- copied canonical ids -----------------------------------------------------------------------

def copied_id_problems(table_set: TableSet) -> list[Problem]:
    """Each argument's `canonical_id` and each stance's `holder_canonical_id` equal the canonical
    id of the mention it names (of the same article; a reference that resolves nowhere is
    validate's `dangling-reference`); a stance without holder has none."""
    entities = (table_set.tables["entities"]
                .select(pl.col("mention_id").alias("_entity"), "article_id", pl.col("canonical_id").alias("_own"),
                        pl.lit(True).alias("_found"))
                .unique("_entity", keep="first"))
    annotation = [pl.col("annotation_id")] if "annotation_id" in table_set.stances.columns else []
    arguments = (table_set.arguments.join(entities, left_on=["entity_id", "article_id"],
                                          right_on=["_entity", "article_id"], how="inner")
                 .filter(pl.col("canonical_id").ne_missing(pl.col("_own"))))
    holders = table_set.stances.join(entities, left_on=["holder_id", "article_id"],
                                     right_on=["_entity", "article_id"], how="left")
    holders = holders.filter(pl.when(pl.col("holder_id").is_null())
                             .then(pl.col("holder_canonical_id").is_not_null())
                             .otherwise(pl.col("_found").fill_null(False)
                                        & pl.col("holder_canonical_id").ne_missing(pl.col("_own"))))
    problems = []
    for row in arguments.select("_file", "article_id", "id", *annotation, "role", "entity_id", "canonical_id",
                                "_own").iter_rows(named=True):
        problems.append(problem(
            "canonical-id-mismatch", f"the {row['role']} argument {show(row['entity_id'])} has canonical_id "
            f"{show(row['canonical_id'])}, but its mention's is {show(row['_own'])}", file=row["_file"],
            article_id=row["article_id"], annotation_id=row.get("annotation_id"), region_id=row["id"],
            expected=show(row["_own"]), field="events.arguments[].canonical_id", hint=HINT_RELEASE))
    for row in holders.select("_file", "article_id", "id", *annotation, "holder_id", "holder_canonical_id",
                              "_own").iter_rows(named=True):
        said = ("the stance has no holder" if row["holder_id"] is None
                else f"its holder {show(row['holder_id'])} has {show(row['_own'])}")
        problems.append(problem(
            "canonical-id-mismatch", f"holder_canonical_id is {show(row['holder_canonical_id'])}, but {said}",
            file=row["_file"], article_id=row["article_id"], annotation_id=row.get("annotation_id"),
            region_id=row["id"], expected=show(row["_own"]), field="stances.holder_canonical_id",
            hint=HINT_RELEASE))
    return problems


# -- the gold rows of several configs -----------------------------------------------------------

_COMPARED = {"entities": ("mention_id", ("start", "end", "text", "type", "canonical_id")),
             "events": ("event_id", ("start", "end", "text", "type", "realis")),
             "stances": ("stance_id", ("start", "end", "text", "holder_id", "target", "polarity", "attribution")),
             "event_arguments": ("", ())}
"""Per table: the id column and the columns compared. An argument has no id: it is its event,
role and mention, and is either in a config or not."""
_CONFIG_OF = {"entities": "entities", "events": "events", "event_arguments": "events", "stances": "stances"}


def fingerprints(table_set: TableSet) -> dict[str, pl.DataFrame]:
    """Per table, the gold rows of the set: article_id, `_key`, `_file`, annotation_id and one
    hash per compared column (`h_<column>`)."""
    out = {}
    for name, (column, compared) in _COMPARED.items():
        key = (pl.col(column) if column else
               pl.format("{} ({}, {})", "event_id", pl.col("role").fill_null("no role"), "mention_id"))
        out[name] = (table_set.tables[name].filter(pl.col("layer") == GOLD)
                     .select("article_id", key.alias("_key"), pl.col("source_file").alias("_file"), "annotation_id",
                             *(pl.col(c).hash().alias(f"h_{c}") for c in compared)))
    return out


def _where(name: str) -> str:
    return "the gold annotation of its article in annotations" if name == ANNOTATIONS else name


def disagreements(flat: Mapping[str, pl.DataFrame], other: Mapping[str, pl.DataFrame], name: str,
                  skip: set[str]) -> list[Problem]:
    """The gold rows of `other` (the fingerprints of set `name`) against those of the flat
    configs: a row of one missing from the other, or a row whose compared columns differ. A row
    whose article or id (an argument's: its event's) is in `skip` (a problem was reported there
    in either set) is not compared: its fault is reported once, where it is."""
    problems = []
    skipped = pl.Series(sorted(skip), dtype=pl.String).implode()
    for table, (_, compared) in _COMPARED.items():
        config, noun = _CONFIG_OF[table], NOUN[table]
        region = pl.col("_key").str.split(" ").list.first()
        kept = ~pl.col("article_id").is_in(skipped) & ~region.is_in(skipped)
        left, right = flat[table].filter(kept), other[table].filter(kept)
        joined = left.join(right, on=["article_id", "_key"], how="full", coalesce=True, suffix="_o")
        for row in joined.sort("article_id", "_key").iter_rows(named=True):
            if row["_file"] is None:
                said = f"{noun} {show(row['_key'])} of {_where(name)} is not in the {config} config"
                where = row["_file_o"], row["annotation_id_o"]
            elif row["_file_o"] is None:
                said = f"{noun} {show(row['_key'])} of the {config} config is not in {_where(name)}"
                where = row["_file"], None
            else:
                differ = [c for c in compared if row[f"h_{c}"] != row[f"h_{c}_o"]]
                if not differ:
                    continue
                said = (f"{noun} {show(row['_key'])} of {_where(name)} differs from its row in the {config} "
                        f"config: {', '.join(differ)}")
                where = row["_file_o"], row["annotation_id_o"]
            problems.append(problem("configs-disagree", said, file=where[0], article_id=row["article_id"],
                                    annotation_id=where[1], region_id=row["_key"].split(" ", 1)[0],
                                    expected=f"the row of the {config} config", field=f"{name}.{config}",
                                    hint=HINT_RELEASE))
    return problems


def gold_mentions(table_set: TableSet) -> Counter:
    """Gold entity mentions per canonical id."""
    counts = (table_set.tables["entities"].filter((pl.col("layer") == GOLD) & pl.col("canonical_id").is_not_null())
              .group_by("canonical_id").len())
    return Counter(dict(counts.iter_rows()))


# -- the actors ---------------------------------------------------------------------------------

def actor_problems(frame: pl.DataFrame, files: list[str], features: Features, actors: Actors,
                   mentions: Counter) -> list[Problem]:
    """The `actors` config (`frame`, its rows from `files`) against the declared actors: the same
    canonical ids, each with its name, type and external ids, and as many mentions as the gold
    entity mentions that carry its id (`mentions`). A repeated canonical id and a type id
    outside its ClassLabel are the generic checks' (not repeated here)."""
    declared = {row["canonical_id"]: row for row in actors.rows()}
    label = features["type"]
    if not files:
        if not declared:
            return []
        return [problem("actor-mismatch", f"the release has no actors config, and schema/actors.yaml declares "
                        f"{len(declared)} actors", field="actors", expected="actors/train-00000-of-00001.parquet",
                        hint=HINT_RELEASE)]
    problems, seen = [], set()
    for row in frame.unique("canonical_id", keep="first", maintain_order=True).iter_rows(named=True):
        key, want = row["canonical_id"], declared.get(row["canonical_id"])
        seen.add(key)

        def mismatch(said: str, expected: str, at: str, row=row) -> Problem:
            return problem("actor-mismatch", said, file=row["_file"], region_id=row["canonical_id"],
                           expected=expected, field=f"actors.{at}", hint=HINT_RELEASE)
        if want is None:
            problems.append(mismatch(f"actor {show(key)} is not declared in schema/actors.yaml",
                                     "a canonical id of schema/actors.yaml", "canonical_id"))
            continue
        kind = label.names[row["type"]] if row["type"] is not None and 0 <= row["type"] < label.num_classes \
            else want["type"]
        found = {"name": row["name"], "type": kind, "external_ids": row["external_ids"],
                 "mentions": row["mentions"]}
        expected = {**want, "mentions": mentions.get(key, 0)}
        for name in ("name", "type", "external_ids", "mentions"):
            if found[name] != expected[name]:
                source = ("gold entity mentions with this canonical id" if name == "mentions"
                          else "schema/actors.yaml")
                problems.append(mismatch(f"actor {show(key)} has {name} {show(found[name])}; the {source}: "
                                         f"{show(expected[name])}", show(expected[name]), name))
    first = files[0]
    for key in sorted(set(declared) - seen):
        problems.append(problem("actor-mismatch", f"schema/actors.yaml declares actor {show(key)} "
                                f"({show(declared[key]['name'])}, {mentions.get(key, 0)} gold mentions), which the "
                                "actors config lacks", file=first, region_id=key, expected="a row for every "
                                "declared actor", field="actors.canonical_id", hint=HINT_RELEASE))
    return problems
