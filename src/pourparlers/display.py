"""Text from the data made safe and legible to show: in a terminal, and when two strings differ
only in characters nobody can see.

Titles, region ids and file names come from publishers and annotators: a terminal must never
receive their escape sequences, and a message comparing two texts must say which code point
differs when both print the same.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, DEL, and the characters that reorder or split what a terminal shows
# (bidirectional overrides and isolates, line and paragraph separators).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_OR_NEWLINE = re.compile(_UNSAFE.pattern[:-1] + "\t\n]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, newlines: bool = True) -> str:
    """`text` with control and reordering characters written as escapes (`\\x1b`, `\\u202e`);
    tabs and line breaks too unless `newlines` (a table cell, a one-line message)."""
    return (_UNSAFE if newlines else _UNSAFE_OR_NEWLINE).sub(_escaped, str(text))


def describe(character: str) -> str:
    """`U+00A0 NO-BREAK SPACE`: a code point by number and Unicode name."""
    name = unicodedata.name(character, "") or f"<{unicodedata.category(character)}>"
    return f"U+{ord(character):04X} {name}"


# Characters that print as nothing or as an ordinary space: the differences people cannot see.
_INVISIBLE_CATEGORIES = {"Zs", "Zl", "Zp", "Cf", "Cc", "Mn", "Me"}


def first_difference(a: str, b: str) -> tuple[str, bool]:
    """Where `a` and `b` first differ, worded for a message, and whether the difference is
    invisible (equal once normalized, or a space, format or combining character).

    ("", False) when they are equal.
    """
    if a == b:
        return "", False
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    mine = describe(a[at]) if at < len(a) else "the end"
    theirs = describe(b[at]) if at < len(b) else "the end"
    words = f"first difference at character {at}: {mine} vs {theirs}"
    for form in ("NFC", "NFKC"):
        if unicodedata.normalize(form, a) == unicodedata.normalize(form, b):
            words += (f"; the two are equal after {form} normalization (one of them is "
                      f"{'decomposed, NFD' if form == 'NFC' else 'in a compatibility form'})")
            return words, True
    invisible = any(at < len(s) and unicodedata.category(s[at]) in _INVISIBLE_CATEGORIES for s in (a, b))
    return words, invisible
