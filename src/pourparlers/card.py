"""Card sections that depend on the built data: one example record per config, agreement figures.

`build.build_release` renders them into DATASET_CARD.md; they are generated so the card never
shows a record or a figure the release does not hold.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from datasets import ClassLabel, DatasetDict, List

LONGEST_STRING = 160
LONGEST_LIST = 4
# Where `build` looks for agreement figures (one row per layer/measure), relative to the root.
AGREEMENT_FILE = Path("reports") / "agreement.csv"
AGREEMENT_MARKER = "<!-- agreement figures: rendered from reports/agreement.csv when it exists -->"


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
        head = dataset.select(range(min(len(dataset), 50))).to_list()
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


def agreement_markdown(path: Path | None) -> str:
    """The agreement figures of `path` (a CSV with a header) as a table, or a marked placeholder."""
    if path is not None and Path(path).is_file():
        with Path(path).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        if len(rows) > 1:
            return (f"{AGREEMENT_MARKER}\n\nInter-annotator agreement ({Path(path).name}):\n\n"
                    + _markdown_table(rows[0], rows[1:]))
    return (f"{AGREEMENT_MARKER}\n\n**Agreement figures: none published for this release yet.** "
            "They will appear here once computed.")
