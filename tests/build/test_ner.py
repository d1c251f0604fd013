"""The token-level `ner` config: French-aware tokens, IOB2 tags keeping the outermost mention,
and the batch tagger (a speed-up) held to the per-article rule."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest
from helpers import taxonomy as repo_taxonomy
from hypothesis import given, settings
from hypothesis import strategies as st

from pourparlers.build.ner import iob2_tags, ner_tag_ids, token_frame, tokenize


def _span(text: str, surface: str, occurrence: int) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return start, start + len(surface)


@pytest.fixture(scope="module")
def taxonomy():
    return repo_taxonomy()


def test_tokenize_splits_elisions_and_punctuation():
    text = "l’échange d'État aujourd’hui « 1 000 », 2,5 cessez-le-feu qu’il jusqu’à 📞."
    assert [text[s:e] for s, e in tokenize(text)] == [
        "l’", "échange", "d'", "État", "aujourd’hui", "«", "1", "000", "»", ",", "2,5",
        "cessez", "-", "le", "-", "feu", "qu’", "il", "jusqu’", "à", "📞", "."]


# The tokenizer as Python's `re` would run it (the oracle). Its classes agree with polars' regex
# engine on the alphabet below; they differ on combining marks and on ², ½ (see build.ner._PIECE).
PYTHON_TOKEN = re.compile(r"(?i:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])['’]"
                          r"|\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W_]+)*|\S")
NEWS_ALPHABET = ("abcdlmnqstuijrCDLMQSJUÉéèêàçôûœ’'0123456789.,;:!?«»()-_–/%€📞 "
                 "\n\t\u00a0\u202f")
texts = st.lists(st.text(alphabet=NEWS_ALPHABET, max_size=60), max_size=6)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_token_frame_agrees_with_pythons_re(batch):
    frame = token_frame(pa.array(batch, pa.string()))
    got = list(zip(frame["row"].to_list(), frame["start"].to_list(), frame["end"].to_list(),
                   frame["token"].to_list(), strict=True))
    expected = [(row, m.start(), m.end(), m.group()) for row, text in enumerate(batch)
                for m in PYTHON_TOKEN.finditer(text)]
    assert got == expected


def test_tokenizer_follows_unicode_word_characters():
    """Combining marks stay in their word (NFD text tokenizes as NFC does); ² is a symbol."""
    for text in ("e\u0301te\u0301 km²", "été km²"):
        assert [text[s:e] for s, e in tokenize(text)] == [text.split()[0], "km", "²"]


@st.composite
def mentioned_articles(draw):
    """Texts and mentions on them, nested, overlapping, inside tokens or empty of tokens."""
    batch = draw(st.lists(st.text(alphabet=NEWS_ALPHABET, max_size=40), min_size=1, max_size=4))
    rows = []
    for row, text in enumerate(batch):
        for n in range(draw(st.integers(0, 5)) if text else 0):
            start = draw(st.integers(0, len(text) - 1))
            end = draw(st.integers(start + 1, len(text)))
            rows.append({"row": row, "start": start, "end": end, "id": f"m{row}-{n}",
                         "type": draw(st.sampled_from(["PER", "ORG", "GPE", "DATE"]))})
    return batch, sorted(rows, key=lambda m: (m["row"], m["start"], m["end"], m["id"]))


@settings(max_examples=300, deadline=None)
@given(mentioned_articles())
def test_batch_iob2_tags_follow_the_per_article_rule(taxonomy, case):
    batch, mentions = case
    tokens = token_frame(pa.array(batch, pa.string()))
    table = pa.Table.from_pylist(mentions, schema=pa.schema([
        ("row", pa.int64()), ("start", pa.int32()), ("end", pa.int32()), ("id", pa.string()),
        ("type", pa.string())]))
    ids, dropped = ner_tag_ids(tokens, table, taxonomy)
    names = [taxonomy.ner_tags[i] for i in ids]
    expected, expected_dropped = [], 0
    for row, text in enumerate(batch):
        tags, _, gone = iob2_tags(tokenize(text), [m for m in mentions if m["row"] == row])
        expected += tags
        expected_dropped += len(gone)
    assert (names, dropped) == (expected, expected_dropped)


def test_iob2_keeps_the_outermost_of_overlapping_spans():
    text = "le secrétaire d'État américain Marco Rubio a déclaré"
    tokens = tokenize(text)

    def mention(surface, kind, ident):
        start, end = _span(text, surface, 0)
        return {"id": ident, "start": start, "end": end, "type": kind}

    role = mention("secrétaire d'État américain", "ROLE", "m1")
    crossing = mention("américain Marco Rubio", "PER", "m2")          # shorter, overlaps role
    inside = {**mention("Marco Rubio", "PER", "m3"), "end": _span(text, "Marco Rub", 0)[1]}
    tags, kept, dropped = iob2_tags(tokens, [crossing, role])
    assert [m["id"] for m in kept] == ["m1"] and [m["id"] for m in dropped] == ["m2"]
    assert tags == ["O", "B-ROLE", "I-ROLE", "I-ROLE", "I-ROLE", "O", "O", "O", "O"]
    tags, kept, _ = iob2_tags(tokens, [inside])                # ends inside "Rubio"
    assert tags[5:7] == ["B-PER", "I-PER"]
    first = mention("Marco", "PER", "m4")
    second = mention("Rubio", "PER", "m5")
    both = {"id": "m6", "start": first["start"], "end": second["end"], "type": "PER"}
    _, kept, dropped = iob2_tags(tokens, [second, first, both])
    assert [m["id"] for m in kept] == ["m6"] and len(dropped) == 2


