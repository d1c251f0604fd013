"""Files generated from `schema/taxonomy.yaml` and the catalogue of problem codes, checked in
and compared by `pourparlers schema --check` (CI), so none can drift from its source:

- `schema/label_config.xml`: the Label Studio config;
- `GUIDELINES.md`: its label tables, between `<!-- BEGIN GENERATED key -->` markers;
- `docs/problems.md`: every problem and error code with its meaning, field and fix.
"""

from __future__ import annotations

import re

from pourparlers import atomic
from pourparlers.errors import CATALOGUE, STAGES, PourparlersError
from pourparlers.repo import Repo
from pourparlers.taxonomy import Taxonomy

_GENERATED = re.compile(r"(<!-- BEGIN GENERATED (\w+) -->\n).*?(<!-- END GENERATED \2 -->)", re.DOTALL)


class StaleArtifacts(PourparlersError):
    code = "schema-stale"


def guidelines_with_tables(current: str, taxonomy: Taxonomy) -> str:
    """GUIDELINES.md with each `<!-- BEGIN GENERATED key -->` block refilled from the schema."""
    from pourparlers.card import label_sections

    sections = label_sections(taxonomy)

    def fill(match: re.Match) -> str:
        key = match.group(2)
        if key not in sections:
            raise PourparlersError(f"GUIDELINES.md: unknown generated block {key!r}",
                                   f"use one of: {', '.join(sections)}", code="guidelines-invalid")
        return f"{match.group(1)}{sections[key][1]}\n{match.group(3)}"

    return _GENERATED.sub(fill, current)


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "–"


def problems_markdown() -> str:
    """docs/problems.md: the catalogue of codes, by the stage that finds them."""
    lines = ["# Problem and error codes", "",
             "Generated from `src/pourparlers/errors.py` by `pourparlers schema`; do not edit by hand.",
             "Every message names its code in brackets, e.g. `[span-text-mismatch]`; problems also name",
             "the file, article, annotation and region, and the schema field they concern.", ""]
    for stage, title in STAGES.items():
        lines += [f"## {title}", "", "| code | meaning | field | how to fix |", "|---|---|---|---|"]
        lines += [f"| `{c.code}` | {_cell(c.meaning)} | {_cell(c.field)} | {_cell(c.hint)} |"
                  for c in CATALOGUE.values() if c.stage == stage]
        lines.append("")
    return "\n".join(lines)


def artifacts(repo: Repo, taxonomy: Taxonomy) -> dict[str, str]:
    """Generated file (relative path) -> its content as the sources say it should be."""
    from pourparlers.labelstudio.config import label_config

    files = {repo.relative(repo.label_config_file): label_config(taxonomy),
             repo.relative(repo.problems_doc): problems_markdown()}
    if repo.guidelines.exists():
        files[repo.relative(repo.guidelines)] = guidelines_with_tables(
            repo.guidelines.read_text(encoding="utf-8"), taxonomy)
    return files


def write_artifacts(repo: Repo, taxonomy: Taxonomy, check: bool = False) -> list[str]:
    """Bring the generated files up to date and return the relative paths that were not.

    With `check=True` nothing is written: the returned paths (stale or missing) are what
    `pourparlers schema` would rewrite, so a non-empty list means the check fails.
    """
    outdated = []
    for relative, content in artifacts(repo, taxonomy).items():
        path = repo.root / relative
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = None
        if current == content.encode("utf-8"):
            continue
        outdated.append(relative)
        if not check:
            atomic.write_text(path, content)
    return outdated
