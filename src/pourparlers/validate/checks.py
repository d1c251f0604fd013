"""Every check of `pourparlers validate`, declared once: its name, the checklist line, the
problem codes it reports, and the queries that find them (with the tables they need).

Checks are objects, not sentences: the runner and the tests name them by these constants, so a
misspelled check is a NameError, never a check silently switched off. A check without query is
carried by the Pandera contracts (`validate.contracts`); a query runs when every table it needs
is usable, and a check counts as run when all its queries ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pourparlers.validate import integrity, references
from pourparlers.validate.integrity import ANNOTATION_TABLES, SPAN_TABLES, Context, Pending


@dataclass(frozen=True, eq=False)
class Query:
    """A lazy query of failing rows serving one or more checks, and the tables it reads."""

    make: Callable[[Context], list[Pending]]
    needs: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Check:
    name: str                   # stable identifier (JSON report, tests)
    title: str                  # the checklist line
    codes: tuple[str, ...]      # the problem codes it reports
    queries: tuple[Query, ...] = ()

    @property
    def needs(self) -> tuple[str, ...]:
        """The tables its queries read (none: a contract check, run on every table given)."""
        return tuple(dict.fromkeys(name for query in self.queries for name in query.needs))


ARTICLES_EXIST = Query(integrity.unknown_articles, ("articles", *ANNOTATION_TABLES))
SPANS = Query(integrity.spans, ("articles", *SPAN_TABLES))
TEXT_HASHES = Query(integrity.text_hashes, ("articles",))
ARGUMENTS = Query(references.arguments, ("entities", "events", "event_arguments"))
HOLDERS = Query(references.stances, ("entities", "stances"))
DUPLICATES = Query(integrity.duplicates, ANNOTATION_TABLES)
SHARED_IDS = Query(integrity.shared_ids, SPAN_TABLES)
GOLD = Query(integrity.gold, ANNOTATION_TABLES)
CANONICAL_IDS = Query(references.canonical_ids, ("entities", "actors"))   # actors: schema/actors.yaml
ACTOR_IDS = Query(references.actor_ids, ("entities", "event_arguments", "stances"))

COLUMNS = Check("columns", "tables have the expected columns and types",
                ("missing-table", "missing-column", "unexpected-column", "wrong-dtype", "contract-error"))
REQUIRED = Check("required", "required values are present", ("missing-value",))
LABELS = Check("labels", "labels are defined in schema/taxonomy.yaml", ("unknown-label",))
WELL_FORMED = Check("well-formed", "values are well-formed (hash, date, language, layer)",
                    ("invalid-value", "date-mismatch"))
UNIQUE_IDS = Check("unique-ids", "ids are unique", ("duplicate-id",), (SHARED_IDS,))
ARTICLE_EXISTS = Check("article-exists", "every row's article exists", ("unknown-article",),
                       (ARTICLES_EXIST,))
OFFSETS = Check("offsets", "offsets are ordered and inside the article text",
                ("offset-range", "offset-order"), (SPANS,))
SPAN_TEXT = Check("span-text", "span text equals text[start:end]", ("span-text-mismatch",), (SPANS,))
TEXT_HASH = Check("text-hash", "article text matches its SHA-256 and length",
                  ("hash-mismatch", "n-chars-mismatch"), (TEXT_HASHES,))
REFERENCES = Check("references", "references resolve within their annotation",
                   ("dangling-reference",), (ARGUMENTS, HOLDERS))
ROLES = Check("roles", "event roles are allowed for the event type", ("role-not-allowed",),
              (ARGUMENTS,))
FILLERS = Check("fillers", "argument fillers have an allowed entity type",
                ("filler-type-not-allowed",), (ARGUMENTS,))
HOLDER_TYPES = Check("holder-types", "stance holders have an allowed entity type",
                     ("holder-type-not-allowed",), (HOLDERS,))
HOLDER_ATTRIBUTION = Check("holder-attribution", "stance holder agrees with its attribution",
                           ("stance-holder",), (HOLDERS,))
NO_REPEATS = Check("no-repeats", "no span or relation is annotated twice",
                   ("duplicate-span", "duplicate-relation"), (DUPLICATES,))
ACTORS = Check("actors", "canonical ids are declared in schema/actors.yaml", ("unknown-canonical-id",),
               (CANONICAL_IDS,))
NAMED_ACTORS = Check("named-actors", "named argument fillers and stance holders have a canonical id",
                     ("canonical-id-missing",), (ACTOR_IDS,))
ONE_GOLD = Check("one-gold", "one gold annotation per article", ("gold-conflict",), (GOLD,))

CHECKS: tuple[Check, ...] = (COLUMNS, REQUIRED, LABELS, WELL_FORMED, UNIQUE_IDS, ARTICLE_EXISTS,
                             OFFSETS, SPAN_TEXT, TEXT_HASH, REFERENCES, ROLES, FILLERS, HOLDER_TYPES,
                             HOLDER_ATTRIBUTION, ACTORS, NAMED_ACTORS, NO_REPEATS, ONE_GOLD)
"""The checklist, in the order shown to users."""

READ = Check("read", "raw/ and annotations/ read without loss (ingest, convert)", ())
"""The last line of the checklist: every problem found while reading raw/ and converting
exports (any code no check above reports)."""

QUERIES: tuple[Query, ...] = (ARTICLES_EXIST, SPANS, TEXT_HASHES, ARGUMENTS, HOLDERS, DUPLICATES,
                              SHARED_IDS, GOLD, CANONICAL_IDS, ACTOR_IDS)
"""Every query once (a test holds it to the checks' queries), in the order they are made."""
