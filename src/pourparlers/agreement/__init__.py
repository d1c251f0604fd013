"""Inter-annotator agreement between two annotations of the same article.

Reads the normalized tables (`convert`), where every row names its annotation and layer
("gold" = the annotation chosen for the release, "alternate" = the task's other submitted
annotations). For each article with both an annotation A and an annotation B (by default A =
gold, B = the first alternate), it compares entities, events and stances, then pools the
counts over all compared articles (micro-averages: counts are summed, then P/R/F1 computed).

Matching rules (all one-to-one: a region counts in at most one pair):

- Entities, strict: same start, end and type. Overlap: same type and at least one shared
  character. Pairs are a maximum bipartite matching (`match`): candidate pairs are first
  taken greedily in preference order (exact span, then the larger shared length, then
  position), then augmenting paths add every pair that can still be added, so one long
  mention of A overlapping two short mentions of B yields one pair, never two, and the
  overlap count is never below the strict count.
- Events (ACE-style): trigger identification = same trigger span (start, end); trigger
  classification = same span and type; argument identification = the arguments' triggers are
  paired by identification and their filler mentions have the same span; argument
  classification = the same plus the same role. Realis is compared on the identification
  pairs (accuracy and Cohen's kappa).
- Stances: paired on (holder, target). Holders agree when both are absent (the outlet's own
  voice / no holder drawn), when their mentions have the same span, or when both mentions
  carry the same canonical_id (so "Moscou" and "la Russie" tagged russie agree: the
  stance belongs to the actor, not to one mention of it). Among candidates, the pair whose
  evidence spans overlap most is preferred. Cohen's kappa on polarity (and attribution) over
  the paired stances.

P = matched / |B|, R = matched / |A| (A as the reference), F1 = 2·matched / (|A| + |B|), which
is symmetric and defined (0.0) when one side is empty; every ratio is None when undefined.
Cohen's kappa is computed here (`cohen_kappa`, a few lines) rather than adding scikit-learn.

An annotation with no region at all has no row in the tables and so cannot be seen here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyarrow as pa

from pourparlers import atomic
from pourparlers.agreement.compare import (
    Annotation,
    annotations_of,
    check_selector,
    compare_entities,
    compare_events,
    compare_stances,
    disagreements,
    micro,
    select,
)
from pourparlers.agreement.matching import LabelAgreement, Score
from pourparlers.errors import PourparlersError
from pourparlers.tables import ALTERNATE, GOLD

FORMAT = "pourparlers-agreement/1"


# -- the report ------------------------------------------------------------------------------

EVENT_SCORES = ("trigger_identification", "trigger_classification", "argument_identification",
                "argument_classification")


@dataclass
class Figures:
    """Counts of one article or of the pool; kappas are recomputed from the pooled pairs."""

    strict: dict[str, Score] = field(default_factory=dict)
    overlap: dict[str, Score] = field(default_factory=dict)
    events: dict[str, Score] = field(default_factory=lambda: {k: Score() for k in EVENT_SCORES})
    realis: LabelAgreement = field(default_factory=LabelAgreement)
    holder_target: Score = field(default_factory=Score)
    polarity: LabelAgreement = field(default_factory=LabelAgreement)
    attribution: LabelAgreement = field(default_factory=LabelAgreement)

    def add(self, other: Figures) -> None:
        for mine, theirs in ((self.strict, other.strict), (self.overlap, other.overlap)):
            for kind, score in theirs.items():
                mine.setdefault(kind, Score()).add(score)
        for name, score in other.events.items():
            self.events[name].add(score)
        self.holder_target.add(other.holder_target)
        for name in ("realis", "polarity", "attribution"):
            getattr(self, name).pairs += getattr(other, name).pairs

    def as_dict(self) -> dict:
        def spans(scores: dict[str, Score]) -> dict:
            return {"micro": micro(scores).as_dict(),
                    "by_type": {kind: scores[kind].as_dict() for kind in sorted(scores)}}

        return {
            "entities": {"strict": spans(self.strict), "overlap": spans(self.overlap)},
            "events": {**{name: self.events[name].as_dict() for name in EVENT_SCORES},
                       "realis": self.realis.as_dict()},
            "stances": {"holder_target": self.holder_target.as_dict(),
                        "polarity": self.polarity.as_dict(),
                        "attribution": self.attribution.as_dict()},
        }


@dataclass
class ArticleAgreement:
    article_id: str
    a: Annotation
    b: Annotation
    figures: Figures
    disagreements: list[dict]


@dataclass
class AgreementReport:
    selector_a: str
    selector_b: str
    articles: list[ArticleAgreement]
    skipped: list[dict]                 # {"article_id", "annotations", "reason"}
    pooled: Figures

    def as_dict(self) -> dict:
        """The JSON form (FORMAT): selectors, pooled figures, per article, skipped, disagreements."""
        return {
            "format": FORMAT,
            "a": self.selector_a,
            "b": self.selector_b,
            "articles_compared": len(self.articles),
            "articles_skipped": len(self.skipped),
            "pooled": self.pooled.as_dict(),
            "articles": [{"article_id": item.article_id, "a": item.a.label(), "b": item.b.label(),
                          **item.figures.as_dict(), "disagreements": len(item.disagreements)}
                         for item in self.articles],
            "skipped": self.skipped,
            "disagreements": [d for item in self.articles for d in item.disagreements],
        }


def compare(article_id: str, a: Annotation, b: Annotation) -> ArticleAgreement:
    """All figures and disagreements of one article's pair of annotations."""
    entities = compare_entities(a.entities, b.entities)
    events = compare_events(a, b)
    stances = compare_stances(a.stances, b.stances)
    figures = Figures(strict=entities["strict"], overlap=entities["overlap"],
                      events={name: events[name] for name in EVENT_SCORES}, realis=events["realis"],
                      holder_target=stances["holder_target"], polarity=stances["polarity"],
                      attribution=stances["attribution"])
    return ArticleAgreement(article_id, a, b, figures,
                            disagreements(article_id, a, b, entities, events, stances))


def agreement(tables: dict[str, pa.Table], a: str = GOLD, b: str = ALTERNATE,
              articles: Sequence[str] | None = None) -> AgreementReport:
    """Compare annotation `a` with annotation `b` (selectors, see SELECTOR_HELP) per article.

    Articles without both are skipped and listed with the reason; `articles` restricts the run
    to these ids. Every article of the `articles` table with no annotation is listed too.
    """
    check_selector(a)
    check_selector(b)
    by_article = annotations_of(tables)
    known = set(by_article)
    if "articles" in tables:
        known |= set(tables["articles"].column("article_id").to_pylist())
    wanted = sorted(known if articles is None else set(articles))
    compared: list[ArticleAgreement] = []
    skipped: list[dict] = []
    pooled = Figures()
    for article_id in wanted:
        present = by_article.get(article_id, [])
        first = select(present, a)
        second = select(present, b, exclude=first) if first is not None else None
        if first is None or second is None:
            reason = ("no annotation" if not present else "one annotation" if len(present) == 1
                      else f"no annotation matches {a if first is None else b}")
            skipped.append({"article_id": article_id, "annotations": len(present), "reason": reason})
            continue
        item = compare(article_id, first, second)
        pooled.add(item.figures)
        compared.append(item)
    return AgreementReport(a, b, compared, skipped, pooled)


# -- output ----------------------------------------------------------------------------------

def to_json(report: AgreementReport) -> str:
    """The report as indented JSON (FORMAT), keys in a fixed order, for files and the card."""
    return orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"


def is_report(path: Path) -> bool:
    """Whether `path` is a regular file holding an agreement report (its `format`)."""
    try:
        if path.is_symlink() or not path.is_file():
            return False
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return False
    return isinstance(data, dict) and str(data.get("format", "")).startswith(FORMAT.split("/")[0] + "/")


def write_report(report: AgreementReport, out: Path) -> None:
    """The JSON report written atomically to `out`; an existing file is replaced only when it is
    an agreement report (e.g. reports/agreement.json), never a file this command did not make."""
    out = Path(out)
    hint = "name a new file (or an earlier agreement report) in a writable folder with --out"
    if out.is_dir() or ((out.exists() or out.is_symlink()) and not is_report(out)):
        raise PourparlersError(f"{out} exists and is not an agreement report: it is left as it is",
                               hint, code="output-unwritable")
    try:
        atomic.write_text(out, to_json(report))
    except OSError as error:
        raise PourparlersError(f"{out} cannot be written ({error.strerror or error})", hint,
                               code="output-unwritable") from None




# -- a built release -------------------------------------------------------------------------

def tables_from_release(folder) -> dict[str, pa.Table]:
    """The annotation tables of a built release's `annotations` config (every layer), in the
    columns `annotations_of` reads, so `agreement` runs on a release as on the repository."""
    from pathlib import Path

    from pourparlers.release.diff import read_config

    folder = Path(folder)
    annotations = release_annotations(folder)
    if not annotations:
        raise PourparlersError(f"{folder} has no `annotations` config", "pass a release folder built by "
                               "pourparlers 0.2 or later (dist/<version>)", code="agreement-refused")
    articles = sorted({row["id"] for rows in read_config(folder, "articles").values() for row in rows})
    return tables_from_annotations(annotations, articles)


def release_annotations(folder) -> list[dict]:
    """The rows of a release's `annotations` config (labels by name), in the order that numbers
    them (`tables_from_annotations`): what `agreement --release` and the corpus browser share."""
    from pourparlers.release.diff import read_config

    return [row for rows in read_config(folder, "annotations").values() for row in rows]


def tables_from_annotations(annotations: Sequence[dict], articles: Sequence[str],
                            numbers: Sequence[int] | None = None) -> dict[str, pa.Table]:
    """The tables `agreement` reads, from rows of a release's `annotations` config (labels by name).

    A release holds no Label Studio id: each annotation gets its position in the config (from
    1; `numbers` gives them for a subset of its rows) as its annotation id, each article its
    position in `articles` as its task id, each region its released id (the `a`/`b` labels and
    the disagreements show them; every figure is the same), so the corpus browser names the
    annotations as `agreement --release` does."""
    position = {article_id: number for number, article_id in enumerate(articles, start=1)}
    rows: dict[str, list[dict]] = {"entities": [], "events": [], "event_arguments": [], "stances": []}
    numbers = range(1, len(annotations) + 1) if numbers is None else numbers
    for number, annotation in zip(numbers, annotations, strict=True):
        where = {"article_id": annotation["article_id"], "annotation_id": number,
                 "annotator": annotation["annotator"], "layer": annotation["layer"],
                 "task_id": position.get(annotation["article_id"], 0)}
        for entity in annotation["entities"]:
            rows["entities"].append({**where, "mention_id": entity["id"], "region_id": entity["id"],
                                     "start": entity["start"],
                                     "end": entity["end"], "text": entity["text"], "type": entity["type"],
                                     "canonical_id": entity["canonical_id"]})
        for event in annotation["events"]:
            trigger = event["trigger"]
            rows["events"].append({**where, "event_id": event["id"], "region_id": event["id"],
                                   "start": trigger["start"], "end": trigger["end"],
                                   "text": trigger["text"], "type": event["type"], "realis": event["realis"]})
            rows["event_arguments"] += [{**where, "event_id": event["id"], "region_id": event["id"],
                                         "role": argument["role"], "mention_id": argument["entity_id"],
                                         "target_region_id": argument["entity_id"]}
                                        for argument in event["arguments"]]
        for stance in annotation["stances"]:
            evidence = stance["evidence"]
            rows["stances"].append({**where, "stance_id": stance["id"], "region_id": stance["id"],
                                    "start": evidence["start"],
                                    "end": evidence["end"], "text": evidence["text"], "holder_id": stance["holder_id"],
                                    "target": stance["target"], "polarity": stance["polarity"],
                                    "attribution": stance["attribution"]})
    tables = {name: pa.Table.from_pylist(found) for name, found in rows.items()}
    tables["articles"] = pa.table({"article_id": pa.array(list(articles), pa.string())})
    return tables
