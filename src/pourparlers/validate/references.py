"""References between tables: event arguments (event, filler, role, filler type) and stance
holders (mention, type, and the holder-less attribution).

One join per table serves several checks; `validate.checks` declares which.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches

import polars as pl

from pourparlers.errors import Problem
from pourparlers.tables import GOLD
from pourparlers.taxonomy import Taxonomy
from pourparlers.validate.contracts import TAXONOMY_FILE
from pourparlers.validate.integrity import Context, Pending, flag, one_per_key, same_annotation
from pourparlers.validate.locate import at, locate, show


@dataclass(frozen=True)
class EntityLookup:
    """mention_id -> article, annotation, type (one row per id), and whether the 64-bit hashes
    of its ids are all distinct (then `join` can key on them)."""

    table: pl.DataFrame
    hashes_distinct: bool

    def join(self, frame: pl.LazyFrame, column: str, prefix: str) -> pl.LazyFrame:
        """`frame` left-joined on `column`, the lookup's columns named `<prefix>_article` etc.

        Polars' left join on strings builds its hash table from the (large) lookup side; on
        the ids' 64-bit hashes it costs about half. Exact like the string join: the lookup's
        hashes are distinct, and a row whose hash names another id (or a null) gets nulls.
        """
        names = {name: f"{prefix}{name}" for name in self.table.columns if name != "_key"}
        if not self.hashes_distinct:
            return frame.join(self.table.lazy().drop("_key").rename(names),
                              left_on=column, right_on=f"{prefix}_id", how="left")
        same = flag(pl.col("_id") == pl.col(column))
        return (frame.with_columns(pl.col(column).hash().alias("_key"))
                .join(self.table.lazy(), on="_key", how="left")
                .with_columns(pl.when(same).then(pl.col(name)).alias(alias)
                              for name, alias in names.items() if name != "_id")
                .drop("_key", *names))


def entity_lookup(entities: pl.DataFrame, duplicated: bool) -> EntityLookup:
    frame = entities.lazy().select(pl.col("mention_id").alias("_id"),
                                   pl.col("article_id").alias("_article"),
                                   pl.col("annotation_id").alias("_annotation"),
                                   pl.col("type").alias("_type"),
                                   pl.col("mention_id").hash().alias("_key"))
    table = one_per_key(frame, "_id", duplicated)
    return EntityLookup(table, table["_key"].n_unique() == table.height)


def _dangling(row: dict, column: str, target: str, prefix: str) -> Problem:
    where = ("does not exist" if row[f"{prefix}_article"] is None else
             f"belongs to article {row[f'{prefix}_article']}, annotation "
             f"{row[f'{prefix}_annotation']}")
    return at(row, "dangling-reference",
               f"{column} {show(row[column])} should name {target} of the same annotation but "
               f"{where}", field=f"{row['_table']}.{column}",
               hint="the relation points at a region that is missing or of another kind: fix "
                    "the relation in Label Studio and export again")


def arguments(context: Context) -> list[Pending]:
    """References of event arguments, role per event type, filler type per role."""
    arguments, events = context.frames["event_arguments"], context.frames["events"]
    taxonomy, entities = context.taxonomy, context.entity_lookup
    sep = "\x1f"
    pairs = [f"{event}{sep}{role}" for event, roles in taxonomy.roles_of.items() for role in roles]
    triples = [f"{event}{sep}{role}{sep}{kind}" for event, roles in taxonomy.roles_of.items()
               for role, kinds in roles.items() for kind in kinds]
    event_lookup = one_per_key(
        events.lazy().select(pl.col("event_id"), pl.col("article_id").alias("_e_article"),
                             pl.col("annotation_id").alias("_e_annotation"),
                             pl.col("type").alias("_e_type")),
        "event_id", "events" in context.duplicated).lazy()
    event_ok = same_annotation("_e")
    mention_ok = same_annotation("_m")
    pair = pl.concat_str([pl.col("_e_type"), pl.col("role")], separator=sep)
    triple = pl.concat_str([pl.col("_e_type"), pl.col("role"), pl.col("_m_type")], separator=sep)
    role_known = (pl.col("_e_type").is_in(list(taxonomy.event_types))
                  & pl.col("role").is_in(list(taxonomy.roles)))
    flags = {
        "_event_dangling": pl.col("event_id").is_not_null() & ~event_ok,
        "_mention_dangling": pl.col("mention_id").is_not_null() & ~mention_ok,
        "_role_bad": flag(event_ok & role_known & ~pair.is_in(pairs)),
        "_filler_bad": flag(event_ok & mention_ok & pair.is_in(pairs)
                             & pl.col("_m_type").is_in(list(taxonomy.entity_types))
                             & ~triple.is_in(triples)),
    }
    failing = (
        entities.join(arguments.lazy().with_row_index("_row")
                           .join(event_lookup, on="event_id", how="left"), "mention_id", "_m")
        .with_columns(**flags)
        .filter(pl.any_horizontal(*[pl.col(f) for f in flags]))
        .select("_row", "_e_article", "_e_annotation", "_e_type", "_m_article",
                "_m_annotation", "_m_type", *flags, pl.lit("event_arguments").alias("_table"))
    )

    def report(failing: pl.DataFrame) -> list[Problem]:
        problems = []
        located = locate("event_arguments", arguments, failing, ["event_id", "mention_id", "role"])
        for row in located.iter_rows(named=True):
            if row["_event_dangling"]:
                problems.append(_dangling(row, "event_id", "an event", "_e"))
            if row["_mention_dangling"]:
                problems.append(_dangling(row, "mention_id", "an entity mention", "_m"))
            event_type, role = row["_e_type"], row["role"]
            if row["_role_bad"]:
                allowed = taxonomy.roles_of[event_type]
                problems.append(at(
                    row, "role-not-allowed",
                    f"role {show(role)} is not a role of {event_type} events",
                    expected=", ".join(allowed),
                    field=f"{TAXONOMY_FILE}: event_types[{event_type}].roles",
                    hint="relabel the relation with one of the expected roles in Label Studio"))
            if row["_filler_bad"]:
                problems.append(at(
                    row, "filler-type-not-allowed",
                    f"the {role} of a {event_type} event is a {row['_m_type']} mention "
                    f"({show(row['mention_id'])})",
                    expected=_filler_expected(taxonomy, event_type, role),
                    field=f"{TAXONOMY_FILE}: event_types[{event_type}].roles.{role}",
                    hint="link the role to a mention of an allowed type, or fix the mention's type"))
        return problems
    return [(failing, report)]


def _filler_expected(taxonomy: Taxonomy, event_type: str, role: str) -> str:
    """The allowed types, prefixed with the filler group's name when the YAML uses one."""
    types = ", ".join(taxonomy.roles_of[event_type][role])
    group = taxonomy.filler_group(event_type, role)
    return f"{group} = {types}" if group else types


def stances(context: Context) -> list[Pending]:
    """Holder references, holder types, and a holder exactly when the attribution is not the
    holder-less one (the outlet's own voice)."""
    stances, taxonomy = context.frames["stances"], context.taxonomy
    holderless = taxonomy.holderless_attribution
    holder = pl.col("holder_id")
    attribution = pl.col("attribution")
    resolved = same_annotation("_h")
    flags = {
        "_holder_dangling": flag(holder.is_not_null() & ~resolved),
        "_holder_type_bad": flag(resolved
                                  & pl.col("_h_type").is_in(list(taxonomy.entity_types))
                                  & ~pl.col("_h_type").is_in(list(taxonomy.holder_types))),
        "_holder_attribution": flag(
            attribution.is_in(list(taxonomy.attributions))
            & ((holder.is_null() & (attribution != holderless))
               | (holder.is_not_null() & (attribution == holderless)))),
    }
    failing = (
        context.entity_lookup.join(stances.lazy().with_row_index("_row"), "holder_id", "_h")
        .with_columns(**flags)
        .filter(pl.any_horizontal(*[pl.col(f) for f in flags]))
        .select("_row", "_h_article", "_h_annotation", "_h_type", *flags,
                pl.lit("stances").alias("_table"))
    )

    def report(failing: pl.DataFrame) -> list[Problem]:
        problems = []
        located = locate("stances", stances, failing, ["holder_id", "attribution"])
        for row in located.iter_rows(named=True):
            if row["_holder_dangling"]:
                problems.append(_dangling(row, "holder_id", "an entity mention", "_h"))
            if row["_holder_type_bad"]:
                problems.append(at(
                    row, "holder-type-not-allowed",
                    f"the stance holder {show(row['holder_id'])} is a {row['_h_type']} mention",
                    expected=", ".join(taxonomy.holder_types),
                    field=f"{TAXONOMY_FILE}: stance.holder_types",
                    hint="link the holder relation to a mention of an allowed type"))
            if row["_holder_attribution"]:
                if row["holder_id"] is None:
                    message = (f"stance attributed {row['attribution']} has no holder; only "
                               f"{holderless} stances (the outlet's own voice) have none")
                    expected = f"a '{taxonomy.controls['holder_relation']}' relation to an entity"
                else:
                    message = (f"{holderless} stance (the outlet's own voice) has a holder "
                               f"{show(row['holder_id'])}")
                    expected = "no holder"
                problems.append(at(
                    row, "stance-holder", message, expected=expected,
                    field=f"{TAXONOMY_FILE}: stance.attributions[{holderless}]",
                    hint="add or remove the holder relation in Label Studio, or change the "
                         "attribution"))
        return problems
    return [(failing, report)]



def canonical_ids(context: Context) -> list[Pending]:
    """Every canonical id of a mention is declared in schema/actors.yaml."""
    entities, declared = context.frames["entities"], context.frames["actors"]["canonical_id"]
    failing = (entities.lazy().with_row_index("_row")
               .filter(pl.col("canonical_id").is_not_null()
                       & ~pl.col("canonical_id").is_in(declared.implode()))
               .select("_row", "canonical_id"))

    def report(rows: pl.DataFrame) -> list[Problem]:
        known = declared.to_list()

        def expected(value: str) -> str:
            close = get_close_matches(value, known, n=1)
            return "a canonical id declared in schema/actors.yaml" + (f", such as {close[0]}" if close else "")
        return [at(row, "unknown-canonical-id",
                   f"entity mention has canonical id {show(row['canonical_id'])}, which "
                   "schema/actors.yaml does not declare", field="entities.canonical_id",
                   expected=expected(row["canonical_id"]))
                for row in locate("entities", entities, rows).iter_rows(named=True)]
    return [(failing, report)]


NAMED = r"^\p{Lu}"
"""A named mention: its text starts with a capital letter (names do; nominal mentions do not)."""


def actor_ids(context: Context) -> list[Pending]:
    """Every named gold mention of a `canonical_id_types` type that fills an event argument or
    holds a stance has a canonical id (the actor-level rows of a release rely on it)."""
    entities = context.frames["entities"]
    used = pl.concat([context.frames["event_arguments"].get_column("mention_id"),
                      context.frames["stances"].get_column("holder_id").drop_nulls()]).unique()
    failing = (entities.lazy().with_row_index("_row")
               .filter((pl.col("layer") == GOLD) & pl.col("canonical_id").is_null()
                       & pl.col("type").is_in(list(context.taxonomy.canonical_id_types))
                       & pl.col("text").str.contains(NAMED) & pl.col("mention_id").is_in(used.implode()))
               .select("_row"))

    def report(rows: pl.DataFrame) -> list[Problem]:
        return [at(row, "canonical-id-missing",
                   f"named {row['type']} mention {show(row['text'])} fills an event argument or holds a "
                   "stance but has no canonical id", field="entities.canonical_id",
                   expected="the canonical id of its actor, declared in schema/actors.yaml")
                for row in locate("entities", entities, rows, ["type", "text"]).iter_rows(named=True)]
    return [(failing, report)]
