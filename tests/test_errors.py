"""One catalogue of problem and error codes: every code the code can report is declared in
`errors.CATALOGUE`, listed in docs/problems.md (linked from the README), and exercised by a test
with a bad input; an undeclared code fails loudly."""

from __future__ import annotations

import ast
import re

import pytest
from helpers import REPO

from pourparlers.errors import CATALOGUE, PourparlersError, problem

SRC = REPO / "src" / "pourparlers"
# Functions taking a problem code, with its position among their arguments, and the keyword.
TAKES_A_CODE = {"problem": 0, "report": 0, "Rule": 0, "_file_problem": 0, "at": 1, "_duplicates": 3}
CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")


def codes_in_source() -> dict[str, str]:
    """Every code literal of src/: code -> where it is first used."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            literals = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
                if name in TAKES_A_CODE and len(node.args) > TAKES_A_CODE[name]:
                    literals.append(node.args[TAKES_A_CODE[name]])
                literals += [k.value for k in node.keywords if k.arg == "code"]
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "code" for t in node.targets):
                literals.append(node.value)
            for literal in literals:
                if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                    found.setdefault(literal.value, f"{path.relative_to(REPO)}:{literal.lineno}")
    return found


def test_every_code_the_source_reports_is_catalogued():
    used = codes_in_source()
    assert len(used) >= 60, "the scan finds too little: its patterns are out of date"
    assert {code: where for code, where in used.items() if code not in CATALOGUE} == {}


def test_every_catalogued_code_is_reported_somewhere():
    assert set(CATALOGUE) - set(codes_in_source()) == set()


def test_catalogue_entries_are_complete():
    for entry in CATALOGUE.values():
        assert CODE.match(entry.code), entry.code
        assert entry.meaning and not entry.meaning[0].isupper() and not entry.meaning.endswith("."), entry
        assert entry.stage in {"raw", "export", "tables", "pull", "release", "command"}, entry


def test_the_documentation_lists_exactly_the_catalogue():
    doc = (REPO / "docs" / "problems.md").read_text(encoding="utf-8")
    assert set(re.findall(r"^\| `([a-z0-9-]+)` \|", doc, re.MULTILINE)) == set(CATALOGUE)
    assert "docs/problems.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_every_code_has_a_test_with_a_bad_input():
    tests = "\n".join(path.read_text(encoding="utf-8") for path in sorted((REPO / "tests").rglob("*.py"))
                      if path.name != "test_errors.py")
    untested = [code for code in CATALOGUE if f'"{code}"' not in tests and f"[{code}]" not in tests]
    assert untested == []


def test_an_undeclared_code_fails_loudly():
    with pytest.raises(KeyError):
        problem("span-text-mismach", "a typo of a code")
    with pytest.raises(KeyError):
        PourparlersError("a typo of a code", code="build-refuse")


def test_problems_take_the_catalogue_s_field_and_hint_unless_given():
    found = problem("hash-drift", "changed")
    assert (found.field, found.hint) == (CATALOGUE["hash-drift"].field, CATALOGUE["hash-drift"].hint)
    assert problem("hash-drift", "changed", field="x", hint="y").field == "x"
