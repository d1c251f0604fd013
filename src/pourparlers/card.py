"""Card sections that depend on the built data: one example record per config, agreement figures.

`build.build_release` renders them into DATASET_CARD.md; they are generated so the card never
shows a record or a figure the release does not hold.
"""

from __future__ import annotations

import json
from pathlib import Path

from datasets import ClassLabel, DatasetDict, List

LONGEST_STRING = 160
LONGEST_LIST = 4
EXAMPLE_ROWS = 50  # the card's example of a config is the fullest of its first rows
# Where `build` looks for agreement figures (one row per layer/measure), relative to the root.
# The JSON report of `pourparlers agreement --out` (measured before adjudication).
AGREEMENT_FILE = Path("reports") / "agreement.json"
AGREEMENT_MARKER = "<!-- agreement figures: rendered from reports/agreement.json when it exists -->"


def _shown(feature, value):
    """`value` with labels by name, long strings and lists shortened, for reading in the card."""
    if value is None:
        return None
    if isinstance(feature, ClassLabel):
        return feature.int2str(value)
    if isinstance(feature, dict):
        return {name: _shown(feature[name], value[name]) for name in feature}
    if isinstance(feature, List):
        items = [_shown(feature.feature, item) for item in value[:LONGEST_LIST]]
        if len(value) > LONGEST_LIST:
            items.append(f"… {len(value) - LONGEST_LIST} more")
        return items
    if isinstance(value, str) and len(value) > LONGEST_STRING:
        return value[:LONGEST_STRING] + f"… ({len(value)} characters)"
    return value


def _richness(row: dict) -> int:
    return len(json.dumps(row, default=str))


def examples_markdown(release: dict[str, DatasetDict]) -> str:
    """One record per shipped config (the fullest of its first rows), as JSON."""
    parts = []
    for config, splits in release.items():
        split, dataset = next(iter(splits.items()))
        head = dataset.select(range(min(len(dataset), EXAMPLE_ROWS))).to_list()
        row = max(head, key=_richness)
        shown = _shown(dataset.features, row)
        parts.append(f"`{config}` ({split} split):\n\n```json\n"
                     f"{json.dumps(shown, ensure_ascii=False, indent=2)}\n```")
    parts.append("Labels are shown by name; they are stored as `ClassLabel` integers. Long texts "
                 "and lists are shortened here, never in the data.")
    return "\n\n".join(parts)


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _ratio(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def agreement_markdown(path: Path | None) -> str:
    """The pooled figures of an agreement report (`pourparlers agreement --out`), or a placeholder."""
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8")) if path is not None else None
    except (OSError, ValueError):
        report = None
    if not report or not report.get("articles"):
        return (f"{AGREEMENT_MARKER}\n\n**Agreement figures: none published for this release yet.** "
                "They will appear here once computed.")
    pooled = report["pooled"]
    scored = [
        ("entity mentions, strict (same span and type)", pooled["entities"]["strict"]["micro"]),
        ("entity mentions, overlap (same type)", pooled["entities"]["overlap"]["micro"]),
        ("event triggers, identification", pooled["events"]["trigger_identification"]),
        ("event triggers, classification", pooled["events"]["trigger_classification"]),
        ("event arguments, identification", pooled["events"]["argument_identification"]),
        ("event arguments, classification", pooled["events"]["argument_classification"]),
        ("stances, (holder, target)", pooled["stances"]["holder_target"]),
    ]
    rows = [[name, str(s["a"]), str(s["b"]), str(s["matched"]), _ratio(s["precision"]), _ratio(s["recall"]),
             _ratio(s["f1"])] for name, s in scored]
    labelled = [("realis of matched triggers", pooled["events"]["realis"]),
                ("polarity of matched stances", pooled["stances"]["polarity"]),
                ("attribution of matched stances", pooled["stances"]["attribution"])]
    kappas = [[name, str(s["n"]), str(s["agreed"]), _ratio(s["accuracy"]), _ratio(s["kappa"])] for name, s in labelled]
    articles = ", ".join(article["article_id"] for article in report["articles"])
    per_article = [[article["article_id"], _ratio(article["entities"]["strict"]["micro"]["f1"]),
                    _ratio(article["events"]["trigger_classification"]["f1"]),
                    _ratio(article["events"]["argument_classification"]["f1"]),
                    _ratio(article["stances"]["holder_target"]["f1"])] for article in report["articles"]]
    return (f"{AGREEMENT_MARKER}\n\nMeasured on {report['articles_compared']} doubly annotated article(s) "
            f"({articles}), gold annotation (A) against the second annotation (B), before adjudication:\n\n"
            + _markdown_table(["measure", "A", "B", "matched", "P", "R", "F1"], rows) + "\n\n"
            + _markdown_table(["label agreement", "pairs", "agreed", "accuracy", "Cohen's κ"], kappas) + "\n\n"
            + _markdown_table(["article", "entities strict F1", "trigger F1", "argument F1", "stance F1"],
                              per_article))
