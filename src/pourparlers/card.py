"""The dataset card: every section generated from the built data and the taxonomy, rendered into
the template DATASET_CARD.md (Jinja) as each release's README.md.

Generated so the card never shows a record, a label or a figure the release does not hold; the
label tables serve GUIDELINES.md too (`pourparlers schema`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pourparlers.display import printable
from pourparlers.errors import BuildError
from pourparlers.taxonomy import Taxonomy

if TYPE_CHECKING:   # the card's rendering needs `datasets`; the label tables (GUIDELINES.md) do not
    from datasets import DatasetDict
    from datasets.info import DatasetInfo
    from huggingface_hub import DatasetCardData

PRETTY_NAME = "pourparlers"
DEFAULT_REPO_ID = "<owner>/pourparlers"
# One Hub licence id cannot say "annotations CC BY 4.0, texts not ours", hence `other`.
LICENSE_NAME = "cc-by-4.0-annotations-only"
LICENSE_LINK = "https://creativecommons.org/licenses/by/4.0/"
SOURCES_LISTED = 200     # the card lists up to this many articles, then counts them per outlet
LONGEST_STRING = 160
LONGEST_LIST = 4
EXAMPLE_ROWS = 50  # the card's example of a config is the fullest of its first rows
AGREEMENT_MARKER = "<!-- agreement figures: rendered from reports/agreement.json when it exists -->"


def _shorten(value):
    """Long strings and lists shortened, for reading in the card (never in the data)."""
    if isinstance(value, list) and len(value) > LONGEST_LIST:
        return [*value[:LONGEST_LIST], f"… {len(value) - LONGEST_LIST} more"]
    if isinstance(value, str) and len(value) > LONGEST_STRING:
        return value[:LONGEST_STRING] + f"… ({len(value)} characters)"
    return value


def _richness(row: dict) -> int:
    return len(json.dumps(row, default=str))


def examples_markdown(release: dict[str, DatasetDict]) -> str:
    """One record per shipped config (the fullest of its first rows), as JSON."""
    from pourparlers.build.features import decoded

    parts = []
    for config, splits in release.items():
        split, dataset = next(iter(splits.items()))
        head = dataset.select(range(min(len(dataset), EXAMPLE_ROWS))).to_list()
        row = max(head, key=_richness)
        shown = decoded(dataset.features, row, _shorten)
        parts.append(f"`{config}` ({split} split):\n\n"
                     + markdown_fence(json.dumps(shown, ensure_ascii=False, indent=2), "json"))
    parts.append("Labels are shown by name; they are stored as `ClassLabel` integers. Long texts "
                 "and lists are shortened here, never in the data.")
    return "\n\n".join(parts)


# Markdown and HTML read these; `_` only at a word's edge (inside a word it is a letter), `$`
# opens maths on the Hub, and `://`, `@` or a dot inside a word would let a renderer that links
# bare URLs, e-mails and domains (the Hub's does) make a link of a title.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*\[\]|~$@]|(?<![^\W_])_|_(?![^\W_])|(?<=\w)\.(?=[^\W\d_])|:(?=//)")
_HTML_SPECIAL = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def markdown_text(value: object) -> str:
    """A value from the data as literal Markdown text on one line: no markup, HTML, link, maths
    or table break can come out of a title, a note or an outlet's name."""
    text = printable(value, newlines=False)
    text = re.sub("[<>&]", lambda match: _HTML_SPECIAL[match.group()], text)
    return _MARKDOWN_SPECIAL.sub(lambda match: "\\" + match.group(), text)


def markdown_code(value: object) -> str:
    """A value as an inline code span (a URL shown, never followed): the fence is longer than
    any run of backticks inside, and `|` is escaped for the table around it."""
    text = printable(value, newlines=False).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_fence(body: str, info: str = "") -> str:
    """A fenced code block whose fence no line of `body` can close."""
    fence = "`" * max(3, max((len(run) for run in re.findall("`+", body)), default=0) + 1)
    return f"{fence}{info}\n{body}\n{fence}"


@dataclass(frozen=True)
class Code:
    """A table cell shown as code (a URL, an identifier), not as text."""

    text: str


def _cell(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, Code):
        return markdown_code(value.text)
    return markdown_text(value)


def _table(header: list[str], body: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in body]
    return "\n".join(lines)


def label_sections(taxonomy: Taxonomy) -> dict[str, tuple[str, str]]:
    """Every label of `schema/taxonomy.yaml` as Markdown tables, by section key: (title, table).

    The card and GUIDELINES.md both render these, so neither can drift from the schema.
    """
    spec = taxonomy.spec
    events = []
    for item in spec.event_types:
        roles = "; ".join(f"{role}: {', '.join(types)}"
                          for role, types in taxonomy.roles_of[item.name].items())
        events.append([item.name, item.plover, item.cameo, item.en, roles])

    def defined(items) -> list[list[str]]:
        return [[i.name, i.fr, i.en] for i in items]

    sections = {
        "entity_types": ("Entity types", ["name", "coarse", "FR", "EN"],
                         [[i.name, i.coarse, i.fr, i.en] for i in spec.entity_types]),
        "event_types": ("Event types", ["name", "PLOVER", "CAMEO", "EN", "roles (allowed fillers)"], events),
        "realis": ("Realis", ["name", "PLOVER mode", "FR", "EN"],
                   [[i.name, i.plover_mode, i.fr, i.en] for i in spec.realis]),
        "stance_targets": ("Stance targets", ["name", "FR", "EN"], defined(spec.stance.targets)),
        "polarities": ("Stance polarities", ["name", "FR", "EN"], defined(spec.stance.polarities)),
        "attributions": ("Stance attributions", ["name", "FR", "EN"], defined(spec.stance.attributions)),
    }
    return {key: (title, _table(header, body)) for key, (title, header, body) in sections.items()}


def label_tables_markdown(taxonomy: Taxonomy) -> str:
    """Markdown tables of every label of `schema/taxonomy.yaml`, for the card."""
    parts = [f"Schema version {taxonomy.schema_version}. Stance holders are mentions of type "
             f"{', '.join(taxonomy.holder_types)}."]
    for title, table in label_sections(taxonomy).values():
        parts.append(f"#### {title}\n\n{table}")
    return "\n\n".join(parts)


# The label columns whose counts the card shows, with their headings.
COUNTED = (("entities", "type", "Entity types"), ("events", "type", "Event types"),
            ("stances", "target", "Stance targets"), ("stances", "polarity", "Stance polarities"))


def counts_markdown(counts: dict[str, dict[str, int]],
                    labels: dict[tuple[str, str], tuple[list[str], dict[str, Counter]]]) -> str:
    """Rows per config and split, then label counts per split for each annotation layer.

    `labels` maps each shipped (config, column) of `COUNTED` to the ClassLabel's names and the
    counts of its ids per split."""
    from pourparlers.build.features import CONFIGS, SPLITS

    splits = [s for s in SPLITS if any(per_split.get(s) for per_split in counts.values())]
    header = ["config", *splits, "total"]
    body = []
    for config in CONFIGS:
        sizes = [counts.get(config, {}).get(s, 0) for s in splits]
        body.append([config, *sizes, sum(sizes)])
    parts = [_table(header, body)]
    for config, column, title in COUNTED:
        if (config, column) not in labels:
            parts.append(f"{title}: no {config} in this release.")
            continue
        names, per_split = labels[config, column]
        rows = []
        for index, name in enumerate(names):
            sizes = [per_split.get(s, Counter())[index] for s in splits]
            if sum(sizes):
                rows.append([name, *sizes, sum(sizes)])
        parts.append(f"{title}:\n\n{_table([column, *splits, 'total'], rows)}")
    return "\n\n".join(parts)


def _sources_markdown(sources: list[dict]) -> str:
    """The card's list of articles; past `SOURCES_LISTED` articles, one row per outlet (a card
    listing 50,000 articles would weigh megabytes; the `articles` config lists them all)."""
    if len(sources) <= SOURCES_LISTED:
        body = [[row["article_id"], row["title"], row["source"], row["published"],
                 Code(row["url"]) if row["url"] else None, row["notes"]] for row in sources]
        return _table(["article", "title", "source", "published", "url", "notes"], body)
    outlets: dict[str, list[str]] = {}
    for row in sources:
        outlets.setdefault(row["source"] or "", []).append(row["published"] or "")
    body = [[outlet, len(dates), min((d for d in dates if d), default=""),
             max((d for d in dates if d), default="")]
            for outlet, dates in sorted(outlets.items(), key=lambda item: (-len(item[1]), item[0]))]
    return (_table(["source", "articles", "first published", "last published"], body)
            + f"\n\nThe {len(sources)} articles (title, source, date, URL) are listed in the "
              "`articles` config.")


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M"


def _card_data(counts: dict[str, dict[str, int]], n_articles: int,
               infos: dict[str, DatasetInfo]) -> DatasetCardData:
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    from pourparlers.build.features import DEFAULT_CONFIG

    annotated = any(sum(counts[c].values()) for c in ("entities", "events", "stances"))
    card_data = DatasetCardData(
        pretty_name=PRETTY_NAME,
        language=["fr"],
        license="other",
        license_name=LICENSE_NAME,
        license_link=LICENSE_LINK,
        annotations_creators=["machine-generated"] if annotated else ["no-annotation"],
        language_creators=["found"],
        size_categories=[_size_category(n_articles)],
        source_datasets=["original"],
        task_categories=["token-classification", "text-classification"],
        task_ids=["named-entity-recognition"],
        tags=["news", "french", "russia-ukraine-war", "peace-negotiations", "event-extraction",
              "stance-detection", "plover", "cameo", "label-studio"],
    )
    DatasetInfosDict(infos).to_dataset_card_data(card_data)
    MetadataConfigs({
        config: {
            "data_files": [{"split": s, "path": f"{config}/{s}-*"} for s in info.splits],
            **({"default": True} if config == DEFAULT_CONFIG else {}),
        }
        for config, info in infos.items()
    }).to_dataset_card_data(card_data)
    return card_data


def _load_example(repo_id: str, version: str) -> str:
    from pourparlers.build.features import DEFAULT_CONFIG

    return "\n".join([
        "```python",
        "from datasets import load_dataset",
        "",
        f'documents = load_dataset("{repo_id}", "{DEFAULT_CONFIG}", revision="v{version}")',
        f'entities = load_dataset("{repo_id}", "entities", revision="v{version}")',
        "```",
        "",
        "Offline, `revision=` is ignored by `datasets` (it returns the latest cached version, "
        "datasets#7928); pin the version through the Hub cache instead:",
        "",
        "```python",
        "from huggingface_hub import snapshot_download",
        "from datasets import load_dataset",
        "",
        f'path = snapshot_download("{repo_id}", repo_type="dataset", revision="v{version}")',
        f'documents = load_dataset(path, "{DEFAULT_CONFIG}")',
        "```",
        "",
        "**Without `datasets`.** Each config is a folder of Parquet files, one per split "
        "(`<config>/<split>-00000-of-00001.parquet`): read a split's file, or read the folder and keep "
        "the split from the file name (reading the folder alone mixes train and test). Labels are "
        "stored as integers; `labels.parquet` names them (columns `config`, `column` — a dotted path "
        "such as `arguments.role` —, `id`, `name`, `fr`, `en`, `plover`, `cameo`). In the folder of a "
        "downloaded release (`path` above):",
        "",
        "```python",
        "import pandas as pd",
        "",
        'entities = pd.read_parquet("entities/train-00000-of-00001.parquet")',
        'labels = pd.read_parquet("labels.parquet")',
        'types = labels[(labels.config == "entities") & (labels.column == "type")]',
        'entities = entities.merge(types[["id", "name"]], left_on="type", right_on="id", suffixes=("", "_label"))',
        "```",
        "",
        "```python",
        "import polars as pl",
        "",
        'entities = pl.read_parquet("entities/*.parquet", include_file_paths="file").with_columns(',
        '    split=pl.col("file").str.extract(r"(train|validation|test)-[^/]*\\.parquet$"))',
        "```",
        "",
        "```sql",
        "-- DuckDB: every entity with its type's name and its split",
        "SELECT e.id, e.text, l.name AS type,",
        "       regexp_extract(e.filename, '(train|validation|test)-[^/]*\\.parquet$', 1) AS split",
        "FROM read_parquet('entities/*.parquet', filename = true) e",
        "JOIN 'labels.parquet' l ON l.config = 'entities' AND l.column = 'type' AND l.id = e.type;",
        "```",
        "",
        "`croissant.json` describes the same files in Croissant 1.0 (configs, fields, splits, SHA-256 "
        "of every file) for the tools that read it (`mlcroissant.Dataset(jsonld=\"croissant.json\")`).",
    ])


def _render_card(template_path: Path, card_data: DatasetCardData, variables: dict) -> str:
    import jinja2
    from huggingface_hub import DatasetCard

    try:
        source = Path(template_path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildError(f"cannot read the card template {template_path}: {exc.strerror}",
                         hint="DATASET_CARD.md at the repository root is the template") from exc
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                      trim_blocks=True, lstrip_blocks=True, autoescape=False)
    try:
        content = environment.from_string(source).render(card_data=card_data.to_yaml(),
                                                         **variables)
    except jinja2.TemplateError as exc:
        raise BuildError(f"card template {template_path}: {exc}",
                         hint=f"placeholders available: {', '.join(sorted(variables))}") from exc
    card = DatasetCard(content)
    if not card.data.to_dict().get("configs"):
        raise BuildError(f"card template {template_path} has no `---\\n{{{{ card_data }}}}\\n---` "
                         "YAML header")
    return content


def render_card(template: Path, *, version: str, repo_id: str, taxonomy: Taxonomy,
                counts: dict[str, dict[str, int]], splits: list[str],
                infos: dict[str, DatasetInfo], labels: dict, heads: dict[str, DatasetDict],
                sources: list[dict], ner_dropped: int, text: bool, agreement: Path | None,
                sentences: str = "", site_url: str | None = None) -> str:
    """The release's README.md: the template filled with the card data (configs, features,
    splits, sizes) and every generated section.

    `counts` are rows per config and split, `labels` the label counts of `counts_markdown`,
    `heads` each written config's first rows (for its example record).
    """
    from pourparlers.build.features import CONFIGS, DEFAULT_CONFIG

    total = {c: sum(counts[c].values()) for c in CONFIGS}
    variables = {
        "pretty_name": PRETTY_NAME,
        "version": version,
        "tag": f"v{version}",
        "repo_id": repo_id,
        "schema_version": taxonomy.schema_version,
        "n_articles": total["articles"],
        "n_entities": total["entities"],
        "n_events": total["events"],
        "n_stances": total["stances"],
        "splits": splits,
        "configs": list(infos),
        "omitted_configs": [c for c in CONFIGS if c not in infos],
        "default_config": DEFAULT_CONFIG,
        "license_name": LICENSE_NAME,
        "counts_table": counts_markdown(counts, labels),
        "label_tables": label_tables_markdown(taxonomy),
        "sources_table": _sources_markdown(sources),
        "ner_dropped": ner_dropped,
        "sentences": sentences,
        "load_example": _load_example(repo_id, version),
        "with_text": text,
        "examples": examples_markdown(heads),
        "agreement": agreement_markdown(agreement),
        "site_url": site_url,
    }
    return _render_card(template, _card_data(counts, len(sources), infos), variables)


def _ratio(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def agreement_markdown(path: Path | None) -> str:
    """The pooled figures of an agreement report (`pourparlers agreement --out`), or a placeholder
    when there is none; a report that cannot be read is refused, never silently left out."""
    report = None
    if path is not None and Path(path).exists():
        try:
            report = json.loads(Path(path).read_text(encoding="utf-8"))
            return _agreement_tables(report) if report and report.get("articles") else _NO_AGREEMENT
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
            reason = error.strerror if isinstance(error, OSError) else f"{type(error).__name__}: {error}"
            raise BuildError(f"{path}: not an agreement report ({printable(reason, newlines=False)[:200]})",
                             code="report-invalid") from None
    return _NO_AGREEMENT


_NO_AGREEMENT = (f"{AGREEMENT_MARKER}\n\n**Agreement figures: none published for this release yet.** "
                 "They will appear here once computed.")


def _agreement_tables(report: dict) -> str:
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
    articles = ", ".join(markdown_text(article["article_id"]) for article in report["articles"])
    command = f"pourparlers agreement --a {report['a']} --b {report['b']}"
    per_article = [[article["article_id"], _ratio(article["entities"]["strict"]["micro"]["f1"]),
                    _ratio(article["events"]["trigger_classification"]["f1"]),
                    _ratio(article["events"]["argument_classification"]["f1"]),
                    _ratio(article["stances"]["holder_target"]["f1"])] for article in report["articles"]]
    return (f"{AGREEMENT_MARKER}\n\nMeasured on {report['articles_compared']} doubly annotated article(s) "
            f"({articles}): annotation A ({markdown_code(report['a'])}) against annotation B "
            f"({markdown_code(report['b'])}), before adjudication ({markdown_code(command)}):\n\n"
            + _table(["measure", "A", "B", "matched", "P", "R", "F1"], rows) + "\n\n"
            + _table(["label agreement", "pairs", "agreed", "accuracy", "Cohen's κ"], kappas) + "\n\n"
            + _table(["article", "entities strict F1", "trigger F1", "argument F1", "stance F1"],
                              per_article))
