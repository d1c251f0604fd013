"""The token-level `ner` config: French-aware tokens with code-point offsets, IOB2 tags.

One tag per token cannot hold nested or overlapping mentions: the outermost is kept (longer
first, then earlier, then id) and the others are counted, never dropped silently.
"""

from __future__ import annotations

import bisect

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from pourparlers.taxonomy import Taxonomy

# French-aware tokens: elided articles/pronouns (l’, d’, qu’, jusqu’…) are their own token,
# decimals stay whole, words keep inner apostrophes (aujourd’hui), any other non-space
# character (punctuation, hyphen, emoji) is one token. Each match is "leading white space +
# token", so the lengths of the matches give the offsets. `\w`, `\d` and `\s` are those of polars'
# regex engine (Unicode UTS #18): unlike Python's `re`, combining marks are word characters and
# superscript digits and fractions (², ½) are not. No `\b`: it would take the engine off its DFA.
_PIECE = (r"\s*(?:(?i:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])['’]"
          r"|\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W_]+)*|\S)")


def token_frame(texts: pa.Array | pa.ChunkedArray) -> pl.DataFrame:
    """Every token of `texts`, in text order: `row` (index in `texts`), code-point `start` and
    `end`, and the `token` itself. Tokenized by polars outside the interpreter (see `_PIECE`)."""
    pieces = (pl.from_arrow(texts).alias("text").to_frame().with_row_index("row").lazy()
              .select("row", pl.col("text").str.extract_all(_PIECE).alias("piece"))
              .explode("piece").drop_nulls("piece")
              .select("row", pl.col("piece").str.strip_chars_start().alias("token"),
                      pl.col("piece").str.len_chars().alias("width"))
              .with_columns(pl.col("token").str.len_chars().alias("length"))
              .collect())
    rows = pieces["row"].to_numpy()
    width = pieces["width"].to_numpy().astype(np.int64)
    passed = np.cumsum(width)
    first = np.ones(len(rows), bool)
    first[1:] = rows[1:] != rows[:-1]
    ends = passed - np.maximum.accumulate(np.where(first, passed - width, 0))
    return pl.DataFrame({"row": rows, "start": ends - pieces["length"].to_numpy(), "end": ends,
                         "token": pieces["token"]})


def tokenize(text: str) -> list[tuple[int, int]]:
    """Code-point (start, end) of each token of `text` (see `token_frame`)."""
    frame = token_frame(pa.array([text], pa.string()))
    return list(zip(frame["start"].to_list(), frame["end"].to_list(), strict=True))


def _outermost(order_keys: list[tuple], ranges: list[tuple[int, int]]) -> list[bool]:
    """Which token ranges keep their tags: in `order_keys` order (longer mention first, then
    earlier, then id), a range is kept unless it is empty or shares a token with a kept one."""
    kept = [False] * len(ranges)
    taken: set[int] = set()
    for index in sorted(range(len(ranges)), key=order_keys.__getitem__):
        first, last = ranges[index]
        covered = range(first, last)
        if covered and not any(i in taken for i in covered):
            taken.update(covered)
            kept[index] = True
    return kept


def iob2_tags(
    token_spans: list[tuple[int, int]], mentions: list[dict]
) -> tuple[list[str], list[dict], list[dict]]:
    """IOB2 tags for `token_spans`, plus the mentions kept and the ones that cannot be tagged.

    One tag per token cannot hold nested or overlapping mentions: the outermost wins (longer
    first, then earlier). A mention whose boundary falls inside a token tags that whole token.
    """
    starts = [start for start, _ in token_spans]
    ends = [end for _, end in token_spans]
    ranges = [(bisect.bisect_right(ends, m["start"]), bisect.bisect_left(starts, m["end"]))
              for m in mentions]
    keep = _outermost([(m["start"] - m["end"], m["start"], m["id"]) for m in mentions], ranges)
    tags = ["O"] * len(token_spans)
    for (first, last), mention, kept in zip(ranges, mentions, keep, strict=True):
        for i in range(first, last) if kept else ():
            tags[i] = ("B-" if i == first else "I-") + mention["type"]
    kept = [m for m, k in zip(mentions, keep, strict=True) if k]
    dropped = [m for m, k in zip(mentions, keep, strict=True) if not k]
    return tags, kept, dropped



def ner_tag_ids(tokens: pl.DataFrame, mentions: pa.Table, taxonomy: Taxonomy) -> tuple[np.ndarray, int]:
    """`iob2_tags` for every token of a batch at once, as ClassLabel ids of `taxonomy.ner_tags`;
    also how many mentions IOB2 cannot hold. `mentions` has row, start, end, id, type.

    A mention covers the tokens from the first that ends after its start to the last that starts
    before its end. Where no two covered ranges of an article share a token, every non-empty one
    is kept; only articles with overlaps go through `_outermost`, the rule itself.
    """
    row = tokens["row"].to_numpy().astype(np.int64) << 32
    token_ends = row | tokens["end"].to_numpy()
    token_starts = row | tokens["start"].to_numpy()
    m_row = mentions["row"].to_numpy().astype(np.int64)
    m_start, m_end = mentions["start"].to_numpy(), mentions["end"].to_numpy()
    first = np.searchsorted(token_ends, (m_row << 32) | m_start, side="right")
    last = np.searchsorted(token_starts, (m_row << 32) | m_end, side="left")
    keep = first < last
    order = np.lexsort((first, m_row))
    o_row, o_first, o_last, o_keep = m_row[order], first[order], last[order], keep[order]
    # A range clashes when it starts before the end of an earlier non-empty range of its article
    # (the furthest such end: an empty range between two overlapping ones must not hide them).
    span = int(last.max()) + 2 if len(last) else 2
    reach = np.maximum.accumulate(o_row * span + np.where(o_keep, o_last, -1) + 1)
    before = np.r_[-1, reach[:-1]]
    clash = (before // span == o_row) & (o_first < before % span - 1) & o_keep
    disputed = np.isin(m_row, o_row[clash]) if clash.any() else np.zeros(len(m_row), bool)
    if disputed.any():
        ids = mentions["id"].to_pylist()
        for article in np.unique(m_row[disputed]):
            members = np.flatnonzero(m_row == article)
            kept = _outermost([(int(m_start[i] - m_end[i]), int(m_start[i]), ids[i]) for i in members],
                              [(int(first[i]), int(last[i])) for i in members])
            keep[members] = kept
    names = {name: index for index, name in enumerate(taxonomy.ner_tags)}
    kinds = pa.array(taxonomy.entity_types, pa.string())
    kind = pc.index_in(mentions["type"], value_set=kinds).to_numpy(zero_copy_only=False)
    begin_id = np.array([names[f"B-{t}"] for t in taxonomy.entity_types], np.int64)[kind[keep]]
    inside_id = np.array([names[f"I-{t}"] for t in taxonomy.entity_types], np.int64)[kind[keep]]
    inside = np.zeros(len(token_ends) + 1, np.int64)  # kept ranges never overlap: a running sum
    np.add.at(inside, first[keep], inside_id - names["O"])
    np.add.at(inside, last[keep], names["O"] - inside_id)
    tags = np.cumsum(inside)[:-1] + names["O"]
    tags[first[keep]] = begin_id
    return tags, int((~keep).sum())
