"""Text from the data made safe to show: escapes for the terminal, invisible differences named."""

from __future__ import annotations

import pytest

from pourparlers.display import describe, first_difference, printable


def test_control_and_reordering_characters_become_escapes():
    assert printable("a\x1b[31mb\x07c\x9bd\u202ee\u2066f") == "a\\x1b[31mb\\x07c\\x9bd\\u202ee\\u2066f"
    assert printable("ligne\n\tsuite") == "ligne\n\tsuite"
    assert printable("ligne\n\tsuite", newlines=False) == "ligne\\x0a\\x09suite"
    assert printable("Négociations « à Istanbul » — 🇺🇦") == "Négociations « à Istanbul » — 🇺🇦"


def test_a_code_point_is_named():
    assert describe("\u00a0") == "U+00A0 NO-BREAK SPACE"
    assert describe("\U000e0001") == "U+E0001 LANGUAGE TAG"
    assert describe("\ue000") == "U+E000 <Co>"        # private use: no name, its category


@pytest.mark.parametrize(("a", "b", "words", "invisible"), [
    ("Vladimir\u00a0Medinsky", "Vladimir Medinsky",
     "first difference at character 8: U+00A0 NO-BREAK SPACE vs U+0020 SPACE; the two are equal after "
     "NFKC normalization", True),
    ("Ke\u0301vin", "Kévin", "U+0065 LATIN SMALL LETTER E vs U+00E9 LATIN SMALL LETTER E WITH ACUTE; the two "
     "are equal after NFC normalization (one of them is decomposed, NFD)", True),
    ("Zelensky\u200b", "Zelensky", "first difference at character 8: U+200B ZERO WIDTH SPACE vs the end", True),
    ("ladimir", "Vladimir", "first difference at character 0: U+006C LATIN SMALL LETTER L vs U+0056", False),
])
def test_the_first_difference_is_named_and_judged(a, b, words, invisible):
    found, unseen = first_difference(a, b)
    assert words in found
    assert unseen is invisible


def test_equal_strings_have_no_difference():
    assert first_difference("Kyiv", "Kyiv") == ("", False)
