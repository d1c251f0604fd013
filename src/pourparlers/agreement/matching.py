"""Statistics of agreement: P/R/F1 of one-to-one pairs, Cohen's kappa, and the maximum
bipartite matching that pairs regions (greedy in preference order, then augmenting paths).

P = matched / |B|, R = matched / |A| (A as the reference), F1 = 2·matched / (|A| + |B|), which
is symmetric and defined (0.0) when one side is empty; every ratio is None when undefined.
Cohen's kappa is computed here (`cohen_kappa`, a few lines) rather than adding scikit-learn.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

NONE = "(none)"          # a missing realis / polarity / target, compared as its own value


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


def shared_chars(x: dict, y: dict) -> int:
    return max(0, min(x["end"], y["end"]) - max(x["start"], y["start"]))


def same_span(x: dict, y: dict) -> bool:
    return x["start"] == y["start"] and x["end"] == y["end"]


def span_preference(x: dict, y: dict) -> tuple:
    return (not same_span(x, y), -shared_chars(x, y), x["start"], y["start"])


