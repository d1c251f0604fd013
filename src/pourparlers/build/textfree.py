"""Text-free release rows: every field copied from a publisher's text nulled, and restored again.

A text-free build keeps ids, labels, offsets and `text_sha256`; the article `text` and every span
text sliced from it (entity `text`, trigger and evidence `text`, argument `text`, `holder_text`,
`ner` and `ner_sentences` `tokens`, the sentence `text`) become null. Titles, sources and URLs
stay: they identify the article to fetch.
`fill_text` recomputes every nulled field from the article text and the offsets, so a rehydrated
row equals the row of a build with text.
"""

from __future__ import annotations

from collections.abc import Callable


def _span_text(text: str, span: dict) -> str:
    return text[span["start"]:span["end"]]


def _strip_entity(row: dict) -> dict:
    return {**row, "text": None}


def _strip_event(row: dict) -> dict:
    return {**row, "trigger": {**row["trigger"], "text": None},
            "arguments": [{**argument, "text": None} for argument in row["arguments"]]}


def _strip_stance(row: dict) -> dict:
    return {**row, "holder_text": None, "evidence": {**row["evidence"], "text": None}}


def _strip_annotations(row: dict) -> dict:
    return {**row, "entities": [_strip_entity(entity) for entity in row["entities"]],
            "events": [_strip_event(event) for event in row["events"]],
            "stances": [_strip_stance(stance) for stance in row["stances"]]}


def _strip_document(row: dict) -> dict:
    return {**row, "text": None,
            "entities": [_strip_entity(entity) for entity in row["entities"]],
            "events": [_strip_event(event) for event in row["events"]],
            "stances": [_strip_stance(stance) for stance in row["stances"]]}


STRIP: dict[str, Callable[[dict], dict]] = {
    "documents": _strip_document,
    "articles": lambda row: {**row, "text": None},
    "entities": _strip_entity,
    "events": _strip_event,
    "stances": _strip_stance,
    "ner": lambda row: {**row, "tokens": None},
    "ner_sentences": lambda row: {**row, "text": None, "tokens": None},
    "actors": lambda row: row,          # names and ids are ours, not copied from a text
    "annotations": _strip_annotations,
}


def strip_text(config: str, row: dict) -> dict:
    """`row` of `config` without any text of the article (offsets and hashes kept)."""
    return STRIP[config](row)


def _fill_event(row: dict, text: str, mention_span: Callable[[str], dict]) -> dict:
    return {**row, "trigger": {**row["trigger"], "text": _span_text(text, row["trigger"])},
            "arguments": [{**argument, "text": _span_text(text, mention_span(argument["entity_id"]))}
                          for argument in row["arguments"]]}


def _fill_stance(row: dict, text: str, mention_span: Callable[[str], dict]) -> dict:
    holder = row["holder_id"]
    return {**row, "holder_text": _span_text(text, mention_span(holder)) if holder else None,
            "evidence": {**row["evidence"], "text": _span_text(text, row["evidence"])}}


def fill_text(config: str, row: dict, text: str, mention_span: Callable[[str], dict]) -> dict:
    """`row` of `config` with every text field recomputed from the article `text`.

    `mention_span(entity_id)` gives the {start, end} of an entity mention of the same article
    (event arguments and stance holders only store the mention's id).
    """
    if config == "articles":
        return {**row, "text": text}
    if config == "entities":
        return {**row, "text": _span_text(text, row)}
    if config == "events":
        return _fill_event(row, text, mention_span)
    if config == "stances":
        return _fill_stance(row, text, mention_span)
    if config == "ner":
        return {**row, "tokens": [text[s:e] for s, e in zip(row["token_starts"], row["token_ends"],
                                                             strict=True)]}
    if config == "ner_sentences":
        return {**row, "text": _span_text(text, row),
                "tokens": [text[s:e] for s, e in zip(row["token_starts"], row["token_ends"], strict=True)]}
    if config == "actors":
        return row
    if config in ("documents", "annotations"):   # a row's mentions are its own
        own = {entity["id"]: entity for entity in row["entities"]}
        return {**row, **({"text": text} if config == "documents" else {}),
                "entities": [{**entity, "text": _span_text(text, entity)} for entity in row["entities"]],
                "events": [_fill_event(event, text, own.__getitem__) for event in row["events"]],
                "stances": [_fill_stance(stance, text, own.__getitem__) for stance in row["stances"]]}
    raise KeyError(config)
