"""spaCy `DocBin` files: per split, a folder of `.spacy` files of `PART_ARTICLES` articles each
(spaCy's `Corpus` and `spacy train --paths.train <folder>` read a folder; one file per split
would hold every token of the split in memory).

Each `Doc` is one article, its text exactly the article's: tokens are the release's tokens,
split further at every span boundary so that every span is a token span, with the whitespace
between tokens kept as spaCy keeps it (a space flag, else a whitespace token). On it:

- `doc.ents`: the outermost entity mentions (longer first, then earlier), label the type,
  `kb_id_` the canonical id;
- span groups, every span with its released id as `id_`: `mentions` (every mention, nested
  ones included: type, canonical id), `events` (triggers: type) and `event_realis` (realis),
  `event_arguments` (fillers: role, the filler's canonical id, `id_` the event's id),
  `stances` (evidence: target, the holder's canonical id), `stance_polarity`,
  `stance_attribution`, `stance_holders` (the holder mention: target, canonical id, `id_` the
  stance's id);
- `doc.user_data`: `article_id`, `split`.

What a DocBin cannot hold as such: the release's tokenization (tokens are cut at span
boundaries: counted), and the coarse types (a lookup of the type).
"""

from __future__ import annotations

from pathlib import Path

from pourparlers.export.reader import ReleaseReader
from pourparlers.taxonomy import Taxonomy

PART_ARTICLES = 1_000
GROUPS = ("mentions", "events", "event_realis", "event_arguments", "stances", "stance_polarity",
          "stance_attribution", "stance_holders")


def _segments(text: str, boundaries: set[int]) -> tuple[list[str], list[bool]]:
    """Words and space flags whose concatenation is `text`, cut at every boundary."""
    cuts = sorted(b for b in boundaries | {0, len(text)} if 0 <= b <= len(text))
    pieces = [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
    words, spaces = [], []
    for piece in pieces:
        if piece == " " and words and not words[-1].isspace() and not spaces[-1]:
            spaces[-1] = True
        else:
            words.append(piece)
            spaces.append(False)
    return words, spaces


def _doc(vocab, row: dict, tokens: list[tuple[int, int]], split: str):
    from spacy.tokens import Span
    from spacy.util import filter_spans

    text = row["text"]
    entities = row["entities"]
    spans = [(e["start"], e["end"]) for e in entities] + [
        (e["trigger"]["start"], e["trigger"]["end"]) for e in row["events"]] + [
        (s["evidence"]["start"], s["evidence"]["end"]) for s in row["stances"]]
    boundaries = {edge for token in tokens for edge in token} | {edge for span in spans for edge in span}
    from spacy.tokens import Doc

    words, spaces = _segments(text, boundaries)
    doc = Doc(vocab, words=words, spaces=spaces)
    if doc.text != text:
        raise AssertionError(f"{row['id']}: the Doc's text differs from the article's")

    def span(start: int, end: int, label: str, kb_id: str | None, span_id: str) -> Span:
        found = doc.char_span(start, end, label=label, kb_id=kb_id or "", span_id=span_id)
        assert found is not None, (row["id"], start, end)   # every span boundary is a token boundary
        return found

    by_id = {e["id"]: e for e in entities}
    mentions = [span(e["start"], e["end"], e["type"], e["canonical_id"], e["id"]) for e in entities]
    doc.spans["mentions"] = mentions
    doc.ents = filter_spans(mentions)      # longer first, then earlier: the outermost
    doc.spans["events"] = [span(e["trigger"]["start"], e["trigger"]["end"], e["type"], None, e["id"])
                           for e in row["events"]]
    doc.spans["event_realis"] = [span(e["trigger"]["start"], e["trigger"]["end"], e["realis"], None, e["id"])
                                 for e in row["events"]]
    doc.spans["event_arguments"] = [
        span(by_id[a["entity_id"]]["start"], by_id[a["entity_id"]]["end"], a["role"], a["canonical_id"], e["id"])
        for e in row["events"] for a in e["arguments"]]
    evidence = [(s, s["evidence"]) for s in row["stances"]]
    doc.spans["stances"] = [span(v["start"], v["end"], s["target"], s["holder_canonical_id"], s["id"])
                            for s, v in evidence]
    doc.spans["stance_polarity"] = [span(v["start"], v["end"], s["polarity"], None, s["id"]) for s, v in evidence]
    doc.spans["stance_attribution"] = [span(v["start"], v["end"], s["attribution"], None, s["id"])
                                       for s, v in evidence]
    doc.spans["stance_holders"] = [
        span(by_id[s["holder_id"]]["start"], by_id[s["holder_id"]]["end"], s["target"], s["holder_canonical_id"],
             s["id"]) for s in row["stances"] if s["holder_id"]]
    doc.user_data["article_id"] = row["id"]
    doc.user_data["split"] = split
    return doc, len(words) - len(tokens)


def write(reader: ReleaseReader, out: Path, taxonomy: Taxonomy) -> tuple[dict[str, int], dict[str, int]]:
    try:
        import spacy
        from spacy.tokens import DocBin
    except ImportError as error:
        from pourparlers.export import ExportError

        raise ExportError(f"the spacy format needs spaCy ({error})",
                          "install it: pip install 'pourparlers[labelstudio]' (scripts/setup does)") from None
    vocab = spacy.blank("fr").vocab
    written = {"files": 0, "docs": 0, "ents": 0, **{f"spans.{group}": 0 for group in GROUPS}}
    lost = {"tokens added at span boundaries": 0, "nested or overlapping mentions not in doc.ents": 0}
    for split in reader.splits("documents"):
        folder = out / split
        folder.mkdir()
        tokens = (row for rows in reader.rows("ner", split) for row in rows)
        bin_, part = DocBin(store_user_data=True), 0
        for rows in reader.rows("documents", split):
            for row in rows:
                own = next(tokens)
                assert own["id"] == row["id"]
                doc, added = _doc(vocab, row, list(zip(own["token_starts"], own["token_ends"], strict=True)), split)
                bin_.add(doc)
                written["docs"] += 1
                written["ents"] += len(doc.ents)
                for group in GROUPS:
                    written[f"spans.{group}"] += len(doc.spans[group])
                lost["tokens added at span boundaries"] += added
                lost["nested or overlapping mentions not in doc.ents"] += len(doc.spans["mentions"]) - len(doc.ents)
                if len(bin_) == PART_ARTICLES:
                    bin_.to_disk(folder / f"{part:05d}.spacy")
                    bin_, part = DocBin(store_user_data=True), part + 1
        if len(bin_) or not part:
            bin_.to_disk(folder / f"{part:05d}.spacy")
        written["files"] += len(list(folder.glob("*.spacy")))
    return written, lost
