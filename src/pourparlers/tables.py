"""Column layout of the normalized tables that convert produces and validate and build consume.

Labels are plain strings here (checked against the taxonomy by validate); the release turns
them into `ClassLabel`s. Offsets are 0-based, end-exclusive code-point offsets into the article
text. Every annotation table carries its provenance (file, annotation, annotator, region) so any
failing row can be reported where it came from.
"""

from __future__ import annotations

import pyarrow as pa

# How precisely `articles.published` is known.
DATE_PRECISIONS = ("day", "month", "year", "unknown")
# The `layer` of an annotation: "gold" for the one chosen for the release (the task's ground
# truth), "alternate" for the task's other submitted annotations (agreement statistics).
GOLD, ALTERNATE = "gold", "alternate"
LAYERS = (GOLD, ALTERNATE)

# Provenance columns shared by every annotation table.
PROVENANCE = [
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("task_id", pa.int64(), nullable=False),
    pa.field("annotation_id", pa.int64(), nullable=False),
    pa.field("annotator", pa.string()),
    pa.field("layer", pa.string(), nullable=False),   # GOLD or ALTERNATE
    pa.field("region_id", pa.string(), nullable=False),
]

ARTICLES = pa.schema([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("title", pa.string()),
    pa.field("source", pa.string()),
    pa.field("url", pa.string()),
    pa.field("published", pa.string()),          # ISO 8601 at its precision: 2025-05 or 2025-06-02
    pa.field("date_precision", pa.string(), nullable=False),  # day | month | year | unknown
    pa.field("language", pa.string(), nullable=False),
    pa.field("notes", pa.string()),
    pa.field("text", pa.string(), nullable=False),
    pa.field("text_sha256", pa.string(), nullable=False),
    pa.field("n_chars", pa.int32(), nullable=False),
    pa.field("raw_file", pa.string(), nullable=False),
])

ENTITIES = pa.schema([
    pa.field("mention_id", pa.string(), nullable=False),
    *PROVENANCE,
    pa.field("start", pa.int32(), nullable=False),
    pa.field("end", pa.int32(), nullable=False),
    pa.field("text", pa.string(), nullable=False),    # sliced from the article text
    pa.field("export_text", pa.string()),             # value.text as exported, for comparison
    pa.field("type", pa.string(), nullable=False),
    pa.field("canonical_id", pa.string()),
])

EVENTS = pa.schema([
    pa.field("event_id", pa.string(), nullable=False),
    *PROVENANCE,
    pa.field("start", pa.int32(), nullable=False),
    pa.field("end", pa.int32(), nullable=False),
    pa.field("text", pa.string(), nullable=False),
    pa.field("export_text", pa.string()),
    pa.field("type", pa.string(), nullable=False),
    pa.field("realis", pa.string()),
])

EVENT_ARGUMENTS = pa.schema([
    pa.field("event_id", pa.string(), nullable=False),
    *PROVENANCE,                                       # region_id = the trigger's region id
    pa.field("role", pa.string()),
    pa.field("mention_id", pa.string(), nullable=False),
    pa.field("target_region_id", pa.string(), nullable=False),
])

STANCES = pa.schema([
    pa.field("stance_id", pa.string(), nullable=False),
    *PROVENANCE,
    pa.field("start", pa.int32(), nullable=False),
    pa.field("end", pa.int32(), nullable=False),
    pa.field("text", pa.string(), nullable=False),
    pa.field("export_text", pa.string()),
    pa.field("holder_id", pa.string()),               # null = the article's own voice
    pa.field("target", pa.string()),
    pa.field("polarity", pa.string()),
    pa.field("attribution", pa.string()),
])

SCHEMAS = {
    "articles": ARTICLES,
    "entities": ENTITIES,
    "events": EVENTS,
    "event_arguments": EVENT_ARGUMENTS,
    "stances": STANCES,
}


def empty(name: str) -> pa.Table:
    return SCHEMAS[name].empty_table()
