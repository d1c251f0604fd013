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
  carry the same canonical_id (so "Moscou" and "la Russie" tagged gov-russia agree: the
  stance belongs to the actor, not to one mention of it). Among candidates, the pair whose
  evidence spans overlap most is preferred. Cohen's kappa on polarity (and attribution) over
  the paired stances.

P = matched / |B|, R = matched / |A| (A as the reference), F1 = 2·matched / (|A| + |B|), which
is symmetric and defined (0.0) when one side is empty; every ratio is None when undefined.
Cohen's kappa is computed here (`cohen_kappa`, a few lines) rather than adding scikit-learn.

An annotation with no region at all has no row in the tables and so cannot be seen here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import orjson
import pyarrow as pa
from rich.console import Console
from rich.table import Table

from pourparlers.errors import PourparlersError

FORMAT = "pourparlers-agreement/1"
NONE = "(none)"          # a missing realis / polarity / target, compared as its own value
OUTLET = "(outlet)"      # a stance without holder: the article's own voice
TABLES = ("entities", "events", "event_arguments", "stances")


# -- statistics ------------------------------------------------------------------------------

@dataclass
class Score:
    """Counts of one comparison: |A|, |B| and the number of one-to-one pairs."""

    a: int = 0
    b: int = 0
    matched: int = 0

    def add(self, other: Score) -> None:
        self.a += other.a
        self.b += other.b
        self.matched += other.matched

    @property
    def precision(self) -> float | None:
        return self.matched / self.b if self.b else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.a if self.a else None

    @property
    def f1(self) -> float | None:
        total = self.a + self.b
        return 2 * self.matched / total if total else None

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "matched": self.matched, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters over (label of A, label of B) pairs.

    kappa = (p_o - p_e) / (1 - p_e), p_o = observed agreement, p_e = sum over labels of the
    product of the two raters' marginal proportions. None when there is no pair or when
    p_e = 1 (both raters used one and the same label throughout: kappa is 0/0).
    """
    n = len(pairs)
    if not n:
        return None
    observed = sum(1 for x, y in pairs if x == y) / n
    left, right = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    expected = sum(left[label] * right[label] for label in left) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass
class LabelAgreement:
    """Agreement on one label (realis, polarity, attribution) over already paired items."""

    pairs: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        n = len(self.pairs)
        agreed = sum(1 for x, y in self.pairs if x == y)
        confusion = Counter(self.pairs)
        return {"n": n, "agreed": agreed, "accuracy": agreed / n if n else None,
                "kappa": cohen_kappa(self.pairs),
                "confusion": [[x, y, c] for (x, y), c in sorted(confusion.items())]}


# -- matching --------------------------------------------------------------------------------

def match(a: Sequence, b: Sequence, compatible: Callable[[object, object], bool],
          preference: Callable[[object, object], tuple] | None = None) -> list[tuple[int, int]]:
    """A maximum one-to-one matching between `a` and `b`, as sorted (index in a, index in b).

    Compatible pairs are first taken greedily in `preference` order (smallest key first), then
    every item of `a` left alone looks for an augmenting path (Kuhn), so the result has the
    largest possible number of pairs and keeps preferred pairs unless breaking one adds a pair.
    """
    edges = [(i, j) for i, x in enumerate(a) for j, y in enumerate(b) if compatible(x, y)]
    key = (lambda e: (*preference(a[e[0]], b[e[1]]), e)) if preference else None
    edges.sort(key=key)
    options: dict[int, list[int]] = defaultdict(list)
    of_a: dict[int, int] = {}
    of_b: dict[int, int] = {}
    for i, j in edges:
        options[i].append(j)
        if i not in of_a and j not in of_b:
            of_a[i], of_b[j] = j, i

    def augment(i: int, seen: set[int]) -> bool:
        for j in options[i]:
            if j not in seen and j not in of_b:
                seen.add(j)
                of_a[i], of_b[j] = j, i
                return True
        for j in options[i]:
            if j not in seen:
                seen.add(j)
                if augment(of_b[j], seen):
                    of_a[i], of_b[j] = j, i
                    return True
        return False

    for i in sorted(options):
        if i not in of_a:
            augment(i, set())
    return sorted(of_a.items())


def _overlap(x: dict, y: dict) -> int:
    return max(0, min(x["end"], y["end"]) - max(x["start"], y["start"]))


def _same_span(x: dict, y: dict) -> bool:
    return x["start"] == y["start"] and x["end"] == y["end"]


def _span_preference(x: dict, y: dict) -> tuple:
    return (not _same_span(x, y), -_overlap(x, y), x["start"], y["start"])


# -- one annotation --------------------------------------------------------------------------

@dataclass
class Annotation:
    """One annotation's rows of one article, as plain dicts, with their fillers resolved."""

    article_id: str
    annotation_id: int
    annotator: str | None
    layer: str
    task_id: int
    entities: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    arguments: list[dict] = field(default_factory=list)
    stances: list[dict] = field(default_factory=list)

    def label(self) -> dict:
        return {"annotation_id": self.annotation_id, "annotator": self.annotator,
                "layer": self.layer, "task_id": self.task_id}

    def resolve(self) -> None:
        """Attach to each argument its trigger and filler, to each stance its holder mention."""
        mentions = {row["mention_id"]: row for row in self.entities}
        events = {row["event_id"]: row for row in self.events}
        for row in self.arguments:
            row["event"] = events.get(row["event_id"])
            row["filler"] = mentions.get(row["mention_id"])
        for row in self.stances:
            holder = row["holder_id"]
            row["holder"] = None if not holder else mentions.get(holder, {"unresolved": holder})


def annotations_of(tables: dict[str, pa.Table]) -> dict[str, list[Annotation]]:
    """Every annotation seen in the tables, per article, in annotation-id order."""
    found: dict[tuple[str, int], Annotation] = {}
    plural = {"entities": "entities", "events": "events", "event_arguments": "arguments",
              "stances": "stances"}
    for name in TABLES:
        table = tables.get(name)
        if table is None:
            continue
        for row in table.to_pylist():
            key = (row["article_id"], row["annotation_id"])
            annotation = found.get(key)
            if annotation is None:
                annotation = found[key] = Annotation(row["article_id"], row["annotation_id"],
                                                     row["annotator"], row["layer"], row["task_id"])
            getattr(annotation, plural[name]).append(row)
    out: dict[str, list[Annotation]] = defaultdict(list)
    for (article_id, _), annotation in sorted(found.items()):
        annotation.resolve()
        out[article_id].append(annotation)
    return dict(out)


# -- choosing A and B ------------------------------------------------------------------------

SELECTOR_HELP = ("gold, alternate, annotator:<id> (that annotator's latest annotation) or "
                 "annotation:<id>")


def check_selector(selector: str) -> str:
    kind, _, value = selector.partition(":")
    if selector in ("gold", "alternate") or (kind in ("annotator", "annotation") and value):
        if kind == "annotation" and not value.isdigit():
            raise PourparlersError(f"annotation id {value!r} is not an integer",
                                   f"use {SELECTOR_HELP}")
        return selector
    raise PourparlersError(f"unknown annotation selector {selector!r}", f"use {SELECTOR_HELP}")


def select(annotations: Sequence[Annotation], selector: str,
           exclude: Annotation | None = None) -> Annotation | None:
    """The annotation of one article that `selector` names (see SELECTOR_HELP), if any.

    "alternate" is the alternate with the smallest annotation id (the first submitted after
    or beside the gold); `exclude` (the annotation already chosen as A) is never returned.
    """
    check_selector(selector)
    candidates = [a for a in annotations if a is not exclude]
    kind, _, value = selector.partition(":")
    if selector in ("gold", "alternate"):
        chosen = [a for a in candidates if a.layer == selector]
        return chosen[0] if chosen else None
    if kind == "annotation":
        chosen = [a for a in candidates if a.annotation_id == int(value)]
        return chosen[0] if chosen else None
    chosen = [a for a in candidates if a.annotator == value]
    return chosen[-1] if chosen else None


# -- comparisons -----------------------------------------------------------------------------

def _mention(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {"start": row["start"], "end": row["end"], "text": row["text"], "type": row["type"]}


def compare_entities(a: Sequence[dict], b: Sequence[dict]) -> dict:
    """Strict and overlap scores per type and micro, the strict/overlap pairs."""
    types = sorted({row["type"] for row in (*a, *b)})
    strict: dict[str, Score] = {}
    overlap: dict[str, Score] = {}
    pairs_strict: list[tuple[dict, dict]] = []
    pairs_overlap: list[tuple[dict, dict]] = []
    for kind in types:
        xs = [row for row in a if row["type"] == kind]
        ys = [row for row in b if row["type"] == kind]
        exact = match(xs, ys, _same_span, _span_preference)
        loose = match(xs, ys, lambda x, y: _overlap(x, y) > 0 or _same_span(x, y), _span_preference)
        strict[kind] = Score(len(xs), len(ys), len(exact))
        overlap[kind] = Score(len(xs), len(ys), len(loose))
        pairs_strict += [(xs[i], ys[j]) for i, j in exact]
        pairs_overlap += [(xs[i], ys[j]) for i, j in loose]
    return {"strict": strict, "overlap": overlap, "pairs_strict": pairs_strict,
            "pairs_overlap": pairs_overlap}


def _micro(scores: dict[str, Score]) -> Score:
    total = Score()
    for score in scores.values():
        total.add(score)
    return total


def compare_events(a: Annotation, b: Annotation) -> dict:
    """ACE-style trigger and argument scores, realis agreement, and the trigger pairs."""
    xs, ys = a.events, b.events
    identified = match(xs, ys, _same_span,
                       lambda x, y: (x["type"] != y["type"], x["realis"] != y["realis"], x["start"]))
    classified = match(xs, ys, lambda x, y: _same_span(x, y) and x["type"] == y["type"],
                       lambda x, y: (x["realis"] != y["realis"], x["start"]))
    paired = {xs[i]["event_id"]: ys[j]["event_id"] for i, j in identified}
    realis = LabelAgreement([(xs[i]["realis"] or NONE, ys[j]["realis"] or NONE) for i, j in identified])

    def same_filler(x: dict, y: dict) -> bool:
        return (paired.get(x["event_id"]) == y["event_id"] and x["filler"] is not None
                and y["filler"] is not None and _same_span(x["filler"], y["filler"]))

    args_a, args_b = a.arguments, b.arguments
    arg_id = match(args_a, args_b, same_filler, lambda x, y: (x["role"] != y["role"],))
    arg_cls = match(args_a, args_b, lambda x, y: same_filler(x, y) and x["role"] == y["role"])
    return {
        "trigger_identification": Score(len(xs), len(ys), len(identified)),
        "trigger_classification": Score(len(xs), len(ys), len(classified)),
        "argument_identification": Score(len(args_a), len(args_b), len(arg_id)),
        "argument_classification": Score(len(args_a), len(args_b), len(arg_cls)),
        "realis": realis,
        "pairs": [(xs[i], ys[j]) for i, j in identified],
        "argument_pairs": [(args_a[i], args_b[j]) for i, j in arg_id],
    }


def same_holder(x: dict | None, y: dict | None) -> bool:
    """Holders agree when both are absent, share a span, or share a canonical_id.

    The same span agrees even when the canonical ids differ (that is an entity disagreement,
    reported there); a holder whose mention is not in the entities table agrees with nothing.
    """
    if x is None or y is None:
        return x is None and y is None
    if "unresolved" in x or "unresolved" in y:
        return False
    if _same_span(x, y):
        return True
    return bool(x.get("canonical_id")) and x.get("canonical_id") == y.get("canonical_id")


def compare_stances(a: Sequence[dict], b: Sequence[dict]) -> dict:
    """F1 on (holder, target), kappa on polarity and attribution over the pairs."""
    def compatible(x: dict, y: dict) -> bool:
        return x["target"] == y["target"] and same_holder(x["holder"], y["holder"])

    def preference(x: dict, y: dict) -> tuple:
        return (-_overlap(x, y), x["polarity"] != y["polarity"], x["start"], y["start"])

    paired = match(a, b, compatible, preference)
    pairs = [(a[i], b[j]) for i, j in paired]
    return {
        "holder_target": Score(len(a), len(b), len(paired)),
        "polarity": LabelAgreement([(x["polarity"] or NONE, y["polarity"] or NONE) for x, y in pairs]),
        "attribution": LabelAgreement([(x["attribution"] or NONE, y["attribution"] or NONE)
                                       for x, y in pairs]),
        "pairs": pairs,
    }


# -- disagreements ---------------------------------------------------------------------------

def _holder_text(row: dict) -> str:
    holder = row["holder"]
    if holder is None:
        return OUTLET
    return holder.get("text", f"? {row['holder_id']}")


def _describe(layer: str, row: dict) -> dict:
    """The fields an adjudicator needs to find and judge one region."""
    if layer == "entity":
        return {"region_id": row["region_id"], "start": row["start"], "end": row["end"],
                "text": row["text"], "type": row["type"], "canonical_id": row["canonical_id"]}
    if layer == "event":
        return {"region_id": row["region_id"], "start": row["start"], "end": row["end"],
                "text": row["text"], "type": row["type"], "realis": row["realis"]}
    if layer == "argument":
        event, filler = row["event"], row["filler"]
        return {"region_id": row["region_id"], "trigger": _mention(event), "role": row["role"],
                "filler_region_id": row["target_region_id"], "filler": _mention(filler)}
    return {"region_id": row["region_id"], "start": row["start"], "end": row["end"],
            "text": row["text"], "holder": _holder_text(row), "target": row["target"],
            "polarity": row["polarity"], "attribution": row["attribution"]}


def _differences(x: dict, y: dict, names: Sequence[str]) -> list[str]:
    return [f"{name} {x[name]!r} vs {y[name]!r}" for name in names if x[name] != y[name]]


def _unpaired(rest_a: list, rest_b: list, pairs: list[tuple[int, int]]) -> tuple[list, list]:
    """The items of each side that `pairs` (indexes into the two lists) leaves unmatched."""
    taken_a, taken_b = {i for i, _ in pairs}, {j for _, j in pairs}
    return ([x for i, x in enumerate(rest_a) if i not in taken_a],
            [y for j, y in enumerate(rest_b) if j not in taken_b])


def disagreements(article_id: str, a: Annotation, b: Annotation, entities: dict, events: dict,
                  stances: dict) -> list[dict]:
    """What A has that B lacks (only_a), the reverse (only_b), and paired items that differ.

    Entities: a strict pair agrees; an overlap pair that is not strict is a boundary
    `mismatch`; same-span regions of different types are shown as a type `mismatch`.
    Events: identification pairs that differ in type or realis are a `mismatch`.
    Arguments: identification pairs with different roles, and arguments of paired triggers
    with the same role whose fillers overlap, are a `mismatch`. Stances: (holder, target) pairs that
    differ in polarity or attribution are a `mismatch`.
    """
    out: list[dict] = []

    def emit(layer: str, kind: str, x: dict | None, y: dict | None, detail: str = "") -> None:
        out.append({"article_id": article_id, "layer": layer, "kind": kind,
                    "a": None if x is None else _describe(layer, x),
                    "b": None if y is None else _describe(layer, y), "detail": detail})

    def leftovers(xs: Sequence[dict], ys: Sequence[dict],
                  pairs: Sequence[tuple[dict, dict]]) -> tuple[list[dict], list[dict]]:
        used_a = {id(x) for x, _ in pairs}
        used_b = {id(y) for _, y in pairs}
        return [x for x in xs if id(x) not in used_a], [y for y in ys if id(y) not in used_b]

    strict_ids = {(id(x), id(y)) for x, y in entities["pairs_strict"]}
    for x, y in entities["pairs_overlap"]:
        if (id(x), id(y)) not in strict_ids:
            emit("entity", "mismatch", x, y, f"boundary {x['start']}-{x['end']} vs {y['start']}-{y['end']}")
    rest_a, rest_b = leftovers(a.entities, b.entities, entities["pairs_overlap"])
    typed = match(rest_a, rest_b, _same_span)
    for i, j in typed:
        emit("entity", "mismatch", rest_a[i], rest_b[j], f"type {rest_a[i]['type']} vs {rest_b[j]['type']}")
    out += _only("entity", article_id, *_unpaired(rest_a, rest_b, typed))

    for x, y in events["pairs"]:
        detail = _differences(x, y, ("type", "realis"))
        if detail:
            emit("event", "mismatch", x, y, "; ".join(detail))
    out += _only("event", article_id, *leftovers(a.events, b.events, events["pairs"]))
    for x, y in events["argument_pairs"]:
        if x["role"] != y["role"]:
            emit("argument", "mismatch", x, y, f"role {x['role']!r} vs {y['role']!r}")
    rest_a, rest_b = leftovers(a.arguments, b.arguments, events["argument_pairs"])
    triggers = {x["event_id"]: y["event_id"] for x, y in events["pairs"]}
    near = match(rest_a, rest_b, lambda x, y: (
        triggers.get(x["event_id"]) == y["event_id"] and x["role"] == y["role"]
        and x["filler"] is not None and y["filler"] is not None and _overlap(x["filler"], y["filler"]) > 0))
    for i, j in near:
        x, y = rest_a[i], rest_b[j]
        emit("argument", "mismatch", x, y, f"filler {x['filler']['start']}-{x['filler']['end']} vs "
                                           f"{y['filler']['start']}-{y['filler']['end']}")
    out += _only("argument", article_id, *_unpaired(rest_a, rest_b, near))

    for x, y in stances["pairs"]:
        detail = _differences(x, y, ("polarity", "attribution"))
        if detail:
            emit("stance", "mismatch", x, y, "; ".join(detail))
    out += _only("stance", article_id, *leftovers(a.stances, b.stances, stances["pairs"]))
    return out


def _only(layer: str, article_id: str, xs: Sequence[dict], ys: Sequence[dict]) -> list[dict]:
    return ([{"article_id": article_id, "layer": layer, "kind": "only_a", "a": _describe(layer, x),
              "b": None, "detail": ""} for x in xs]
            + [{"article_id": article_id, "layer": layer, "kind": "only_b", "a": None,
                "b": _describe(layer, y), "detail": ""} for y in ys])


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
            return {"micro": _micro(scores).as_dict(),
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


def agreement(tables: dict[str, pa.Table], a: str = "gold", b: str = "alternate",
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


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _score_row(name: str, score: Score) -> list[str]:
    return [name, str(score.a), str(score.b), str(score.matched), _ratio(score.precision),
            _ratio(score.recall), _ratio(score.f1)]


def _grid(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *,
          numbers: bool = True) -> Table:
    table = Table(title=title, title_justify="left")
    for position, column in enumerate(columns):
        table.add_column(column, justify="right" if numbers and position else "left",
                         no_wrap=numbers)
    for row in rows:
        table.add_row(*row)
    return table


def _label_line(name: str, agreement: LabelAgreement) -> str:
    d = agreement.as_dict()
    return (f"{name}: {d['agreed']}/{d['n']} agree (accuracy {_ratio(d['accuracy'])}), "
            f"Cohen's kappa {_ratio(d['kappa'])}")


def _region(row: dict | None) -> str:
    if row is None:
        return ""
    if "filler" in row:
        trigger, filler = row["trigger"] or {}, row["filler"] or {}
        return (f"{trigger.get('text', '?')!r} -{row['role']}-> {filler.get('text', '?')!r} "
                f"{filler.get('start', '?')}-{filler.get('end', '?')}")
    if "holder" in row:
        return (f"{row['holder']} / {row['target']} / {row['polarity']} / {row['attribution']}: "
                f"{row['text']!r} {row['start']}-{row['end']}")
    extra = f" {row['realis']}" if "realis" in row else ""
    return f"{row['type']}{extra} {row['text']!r} {row['start']}-{row['end']}"


def print_report(report: AgreementReport, console: Console, *, show_disagreements: bool = False) -> None:
    """Readable tables: pooled entities, events, stances, then per article (+ disagreements)."""
    pooled = report.pooled
    console.print(f"Agreement of A = {report.selector_a} and B = {report.selector_b}: "
                  f"{len(report.articles)} article(s) compared, {len(report.skipped)} skipped")
    strict, overlap = pooled.strict, pooled.overlap
    rows = [[kind, str(strict[kind].a), str(strict[kind].b), str(strict[kind].matched),
             _ratio(strict[kind].f1), str(overlap[kind].matched), _ratio(overlap[kind].f1)]
            for kind in sorted(strict)]
    micro_s, micro_o = _micro(strict), _micro(overlap)
    rows.append(["micro", str(micro_s.a), str(micro_s.b), str(micro_s.matched), _ratio(micro_s.f1),
                 str(micro_o.matched), _ratio(micro_o.f1)])
    console.print(_grid("Entities (pooled)", ["type", "A", "B", "strict", "strict F1", "overlap",
                                              "overlap F1"], rows))
    console.print(_grid("Events (pooled, ACE-style)", ["task", "A", "B", "matched", "P", "R", "F1"],
                        [_score_row(name.replace("_", " "), pooled.events[name]) for name in EVENT_SCORES]))
    console.print(_label_line("realis on identified triggers", pooled.realis))
    console.print(_grid("Stances (pooled)", ["pairs", "A", "B", "matched", "P", "R", "F1"],
                        [_score_row("(holder, target)", pooled.holder_target)]))
    console.print(_label_line("polarity on paired stances", pooled.polarity))
    console.print(_label_line("attribution on paired stances", pooled.attribution))
    console.print(_grid(
        "Per article: F1 of entities (strict, overlap), trigger and argument classification, "
        "stance (holder, target); kappa on polarity",
        ["article", "ent", "ovl", "trig", "arg", "stnc", "pol κ", "diff"],
        [[item.article_id, _ratio(_micro(item.figures.strict).f1), _ratio(_micro(item.figures.overlap).f1),
          _ratio(item.figures.events["trigger_classification"].f1),
          _ratio(item.figures.events["argument_classification"].f1),
          _ratio(item.figures.holder_target.f1), _ratio(cohen_kappa(item.figures.polarity.pairs)),
          str(len(item.disagreements))] for item in report.articles]))
    if report.skipped:
        reasons = Counter(item["reason"] for item in report.skipped)
        console.print("Skipped: " + ", ".join(f"{n} with {reason}" for reason, n in sorted(reasons.items())))
    if show_disagreements:
        for item in report.articles:
            if item.disagreements:
                console.print(_grid(
                    f"Disagreements in {item.article_id} (A = annotation {item.a.annotation_id}, "
                    f"B = annotation {item.b.annotation_id})", ["layer", "kind", "A", "B", "detail"],
                    [[d["layer"], d["kind"], _region(d["a"]), _region(d["b"]), d["detail"]]
                     for d in item.disagreements], numbers=False))
