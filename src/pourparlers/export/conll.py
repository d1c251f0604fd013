"""CoNLL-2003-style IOB2: one `<split>.conll` per split, one token and its tag per line, a blank
line after each sentence, `-DOCSTART- -X- O O` before each article (the line spaCy's converter
and CoNLL-2003 readers split documents on).

Tokens, sentences and tags are those of the release's `ner_sentences` config: French-aware
tokens, sentences that never cut a mention, and the outermost of nested or overlapping mentions
(the others are counted under `lost`, as are the offsets, ids, canonical ids, events and
stances, which the format has no column for).
"""

from __future__ import annotations

from pathlib import Path

from pourparlers.export.reader import ReleaseReader
from pourparlers.taxonomy import Taxonomy

DOCSTART = "-DOCSTART- -X- O O"


def write(reader: ReleaseReader, out: Path, taxonomy: Taxonomy) -> tuple[dict[str, int], dict[str, int]]:
    written = {"files": 0, "articles": 0, "sentences": 0, "tokens": 0, "mentions": 0}
    lost = {"nested or overlapping mentions": 0, "events": 0, "stances": 0}
    for split in reader.splits("ner_sentences"):
        tagged = 0
        with open(out / f"{split}.conll", "w", encoding="utf-8", newline="\n") as stream:
            article = None
            for rows in reader.rows("ner_sentences", split):
                lines = []
                for row in rows:
                    if row["article_id"] != article:
                        article = row["article_id"]
                        lines.append(f"{DOCSTART}\n\n")
                        written["articles"] += 1
                    lines += [f"{token} {tag}\n" for token, tag in zip(row["tokens"], row["ner_tags"], strict=True)]
                    lines.append("\n")
                    tagged += sum(tag.startswith("B-") for tag in row["ner_tags"])
                    written["sentences"] += 1
                    written["tokens"] += len(row["tokens"])
                stream.write("".join(lines))
        written["files"] += 1
        written["mentions"] += tagged
        lost["nested or overlapping mentions"] += reader.count("entities", split) - tagged
        lost["events"] += reader.count("events", split)
        lost["stances"] += reader.count("stances", split)
    return written, lost
