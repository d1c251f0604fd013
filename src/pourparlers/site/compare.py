"""The adjudication view's data: for each article with more than one annotation, the gold set
against each alternate, compared by `pourparlers.agreement` (the figures and the disagreements
`pourparlers agreement --release DIR --disagreements` lists), each difference named by its kind.

Annotations are numbered as `agreement --release` numbers them (`release_annotations`), so a
page can say which command lists the same differences.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pourparlers.agreement import ArticleAgreement, Figures, compare, release_annotations, tables_from_annotations
from pourparlers.agreement.compare import annotations_of, micro, select
from pourparlers.agreement.matching import cohen_kappa
from pourparlers.tables import ALTERNATE, GOLD

KINDS = ("missing", "type", "span", "role", "realis", "polarity", "attribution")
"""The kinds of difference, as the page names them: a region only one side has, or a paired one
that differs in type, span (a mention's or an argument filler's boundaries), role, realis,
polarity or attribution."""


@dataclass
class Pair:
    """Gold and one alternate of an article, compared."""

    article_id: str
    gold: dict                 # the `annotations` row
    other: dict
    gold_number: int           # the annotation numbers of `agreement --release`
    other_number: int
    first_alternate: bool      # the pair `agreement` compares by default (and pools)
    result: ArticleAgreement

    @property
    def name(self) -> str:
        """The page's file name: `<article>--<layer>-<n>` of the other annotation."""
        return f"{self.article_id}--{self.other['id'].split(':', 1)[1].replace(':', '-')}"

    def differences(self) -> list[dict]:
        """The disagreements with their kinds, the ids of the regions on each side, and a line
        describing each side."""
        return [{**d, "kinds": kinds(d), "a_id": _region_id(d["a"]), "b_id": _region_id(d["b"])}
                for d in self.result.disagreements]

    def figures(self) -> dict:
        return summary(self.result.figures, len(self.result.disagreements))


def _region_id(side: dict | None) -> str | None:
    return None if side is None else side["region_id"]


def kinds(disagreement: dict) -> list[str]:
    """The kinds of one disagreement, read from the fields of its two sides (never from the
    wording of its detail); a kind `agreement` does not compare (a stance's evidence) is not one."""
    a, b = disagreement["a"], disagreement["b"]
    if a is None or b is None:
        return ["missing"]
    found = []
    if disagreement["layer"] == "argument":
        if a["role"] != b["role"]:
            found.append("role")
        filler_a, filler_b = a["filler"] or {}, b["filler"] or {}
        if (filler_a.get("start"), filler_a.get("end")) != (filler_b.get("start"), filler_b.get("end")):
            found.append("span")
        return found
    if "type" in a and a["type"] != b["type"]:
        found.append("type")
    if disagreement["layer"] == "entity" and (a["start"], a["end"]) != (b["start"], b["end"]):
        found.append("span")   # (stances are paired on holder and target: their evidence is not compared)
    for name in ("realis", "polarity", "attribution"):
        if name in a and a[name] != b[name]:
            found.append(name)
    return found


def summary(figures: Figures, differences: int) -> dict:
    """The figures a page or a table row shows: F1s, kappas, and the number of differences."""
    events = figures.events
    return {
        "entities_strict": micro(figures.strict).f1, "entities_overlap": micro(figures.overlap).f1,
        "trigger_identification": events["trigger_identification"].f1,
        "trigger_classification": events["trigger_classification"].f1,
        "argument_identification": events["argument_identification"].f1,
        "argument_classification": events["argument_classification"].f1,
        "realis_kappa": cohen_kappa(figures.realis.pairs), "stances": figures.holder_target.f1,
        "polarity_kappa": cohen_kappa(figures.polarity.pairs),
        "attribution_kappa": cohen_kappa(figures.attribution.pairs), "differences": differences,
    }


def pairs_of(folder) -> tuple[list[Pair], Figures]:
    """Every (gold, alternate) pair of the release, and the figures pooled over the pairs that
    `agreement` compares by default (gold and the first alternate of each article)."""
    rows = release_annotations(folder)
    numbered = list(enumerate(rows, start=1))
    by_article: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for number, row in numbered:
        by_article[row["article_id"]].append((number, row))
    several = {article: found for article, found in by_article.items()
               if len(found) > 1 and any(row["layer"] == GOLD for _, row in found)}
    pooled = Figures()
    if not several:
        return [], pooled
    chosen = [(number, row) for found in several.values() for number, row in found]
    tables = tables_from_annotations([row for _, row in chosen], sorted(several),
                                     numbers=[number for number, _ in chosen])
    annotations = annotations_of(tables)
    out = []
    for article_id in sorted(several):
        present = annotations[article_id]
        gold = select(present, GOLD)
        first = select(present, ALTERNATE, exclude=gold)
        rows_of = dict(several[article_id])
        for other in present:
            if other is gold:
                continue
            result = compare(article_id, gold, other)
            if other is first:
                pooled.add(result.figures)
            out.append(Pair(article_id, rows_of[gold.annotation_id], rows_of[other.annotation_id],
                            gold.annotation_id, other.annotation_id, other is first, result))
    return out, pooled
