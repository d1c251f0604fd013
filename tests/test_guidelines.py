"""GUIDELINES.md as data (`pourparlers guidelines`): every example names the article it quotes,
and the rendering held out for an article keeps every general rule, loses exactly the examples
that quote that article, and holds no 20-character stretch of its text (label tables included)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from helpers import REPO, snapshot

from pourparlers.cli import main
from pourparlers.guidelines import (
    GENERATED,
    HEADER,
    WINDOW,
    WITHHELD,
    Leak,
    article_texts,
    cut_lines,
    examples,
    fold,
    full_text,
    hold_out,
    leaks,
)
from pourparlers.repo import Repo

THE_REPO = Repo(REPO)
TEXTS = article_texts(THE_REPO)
FULL = full_text(THE_REPO)
EXAMPLES = examples(FULL)
ARTICLES = sorted(TEXTS)
TAX = THE_REPO.taxonomy()
LABELS = {*TAX.entity_types, *TAX.event_types, *TAX.stance_targets, *TAX.realis, *TAX.polarities,
          *TAX.attributions, *(role for roles in TAX.roles_of.values() for role in roles)}
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
RULE_TAG = re.compile(r"\b([PDHAB]\d{1,2})\b")


@pytest.fixture
def guidelines_repo(repo_copy: Path) -> Path:
    """A repository copy with the repository's GUIDELINES.md, safe to modify."""
    shutil.copy2(REPO / "GUIDELINES.md", repo_copy / "GUIDELINES.md")
    return repo_copy


def _cut_of(found) -> set[int]:
    return {line for example in found for line in range(example.start, example.end)}


def _tables_masked(text: str) -> str:
    """`text` with each generated label table replaced by its name (cells may be withheld)."""
    return GENERATED.sub(lambda match: f"<table {match.group(1)}>\n", text)


def _body(rendering: str) -> str:
    header, body = rendering.split("\n", 1)
    assert header.startswith(HEADER)
    return body


# -- the repository's guidelines ----------------------------------------------------------------

def test_the_corpus_has_the_five_seed_articles_held_out_below():
    assert len(ARTICLES) == 5


@pytest.mark.parametrize("article", ARTICLES)
def test_held_out_rendering_holds_no_20_character_stretch_of_the_article(article):
    rendering = hold_out(THE_REPO, [article])
    assert leaks(rendering.text, TEXTS[article]) == []
    text = TEXTS[article]   # the same, literally, by brute force: each window searched in the rendering
    assert [text[i:i + WINDOW] for i in range(len(text) - WINDOW + 1) if text[i:i + WINDOW] in rendering.text] == []


@pytest.mark.parametrize("article", ARTICLES)
def test_held_out_rendering_withholds_no_label_table_cell(article):
    """schema/taxonomy.yaml is written in general terms, so a blind annotator gets every
    definition (withholding stays a safety net for a taxonomy that would quote an article)."""
    assert hold_out(THE_REPO, [article]).withheld == ()


@pytest.mark.parametrize("article", ARTICLES)
def test_held_out_rendering_keeps_every_section_and_every_rule(article):
    rendering = hold_out(THE_REPO, [article]).text
    headings = re.findall(r"^#+ .*$", FULL, re.MULTILINE)
    assert len(headings) >= 15
    assert [line for line in re.findall(r"^#+ .*$", rendering, re.MULTILINE)] == headings
    tags = RULE_TAG.findall(cut_lines(FULL, _cut_of(EXAMPLES)))   # the rules, outside the examples
    assert set(tags) == set(RULE_TAG.findall(FULL)) and len(set(tags)) >= 50
    assert not Counter(tags) - Counter(RULE_TAG.findall(rendering))
    for key in ("entity_types", "event_types", "realis", "stance_targets", "polarities", "attributions"):
        assert f"<!-- BEGIN GENERATED {key} -->" in rendering


@pytest.mark.parametrize("article", ARTICLES)
def test_holding_out_removes_exactly_the_examples_that_quote_the_article(article):
    rendering = hold_out(THE_REPO, [article])
    own = [example for example in EXAMPLES if article in example.articles]
    assert list(rendering.removed) == own and own
    others = [example for example in EXAMPLES if article not in example.articles]
    assert all(leaks(example.text, TEXTS[article]) for example in rendering.dropped)
    kept = [example for example in others if example not in rendering.dropped]
    assert not any(leaks(example.text, TEXTS[article]) for example in kept)
    assert len(kept) >= len(EXAMPLES) // 2
    for example in kept:
        assert example.text in rendering.text
    expected = cut_lines(FULL, _cut_of([*rendering.removed, *rendering.dropped]))
    assert _tables_masked(_body(rendering.text)) == _tables_masked(expected)


def test_the_full_guidelines_quote_every_article_so_the_check_is_not_vacuous():
    for article, text in TEXTS.items():
        own = [example for example in EXAMPLES if article in example.articles]
        assert len(own) >= 10, article
        assert sum(len(leaks(example.text, text)) for example in own) >= 10, article


def test_every_example_names_an_article_of_raw_and_quotes_it():
    assert len(EXAMPLES) >= 100
    for example in EXAMPLES:
        assert set(example.articles) <= set(TEXTS), example
        quoted = fold(" ".join(TEXTS[article] for article in example.articles))[0]
        segments = re.findall(r"`([^`]+)`", example.text)
        found = []
        for segment in segments:
            pieces = [piece for piece in (fold(part)[0].strip() for part in segment.split("…")) if piece]
            if pieces and all(piece in quoted for piece in pieces):
                found.append(segment)
            else:
                assert segment in LABELS or SLUG.match(segment), (example.line, segment)
        assert any(len(segment) >= 8 for segment in found), example


def test_general_text_quotes_no_article():
    general = cut_lines(FULL, _cut_of(EXAMPLES))
    masked = _tables_masked(general)   # the tables come from schema/taxonomy.yaml (see below)
    assert {article: leaks(masked, text) for article, text in TEXTS.items()} == {article: [] for article in TEXTS}


def test_two_articles_can_be_held_out_at_once():
    first, second = ARTICLES[:2]
    rendering = hold_out(THE_REPO, [first, second])
    assert set(rendering.removed) == {e for e in EXAMPLES if {first, second} & set(e.articles)}
    assert leaks(rendering.text, TEXTS[first]) == leaks(rendering.text, TEXTS[second]) == []
    assert rendering.text.startswith(f"{HEADER}{first}, {second}:")


# -- the finder ---------------------------------------------------------------------------------

ARTICLE = "Le ministre a déclaré qu’il n’acceptera « aucune condition » préalable à Genève."


def test_leaks_finds_20_characters_in_a_row_and_not_19():
    assert leaks("avant déclaré qu’il n’acceptera jamais", ARTICLE) == [
        Leak(1, " déclaré qu’il n’acceptera ")]
    nineteen = ARTICLE[3:3 + WINDOW - 1]
    assert leaks(f"x{nineteen}y", ARTICLE) == []
    assert leaks(f"x{ARTICLE[3:3 + WINDOW]}y", ARTICLE) == [Leak(1, ARTICLE[3:3 + WINDOW])]


def test_leaks_see_through_case_apostrophes_quotation_marks_emphasis_and_spacing():
    assert leaks("QU'IL N'ACCEPTERA", ARTICLE) == []                  # 17 characters: no leak
    disguised = 'Il dit: "QU\'IL N\'ACCEPTERA  `aucune`\n   *condition*" du tout'
    found = leaks(disguised, ARTICLE)
    assert [(leak.line, leak.text) for leak in found] == [(1, ' "QU\'IL N\'ACCEPTERA  `aucune`\n   *condition*" ')]


def test_leaks_merge_overlapping_windows_and_give_the_line():
    found = leaks("intro\nil a déclaré qu’il n’acceptera « aucune condition », dit-il", ARTICLE)
    assert found == [Leak(2, " a déclaré qu’il n’acceptera « aucune condition »")]


# -- the command ----------------------------------------------------------------------------------

def test_the_command_writes_the_rendering_and_prints_a_one_line_summary(guidelines_repo, tmp_path, capsys):
    article, out = ARTICLES[0], tmp_path / "held-out.md"
    assert main(["--root", str(guidelines_repo), "guidelines", "--holding-out", article, "--out", str(out)]) == 0
    rendering = hold_out(Repo(guidelines_repo), [article])
    assert out.read_text(encoding="utf-8") == rendering.text
    extra = f" (+{len(rendering.dropped)} of other articles quoting it too)" if rendering.dropped else ""
    cells = f", {len(rendering.withheld)} label-table cell(s) withheld" if rendering.withheld else ""
    assert capsys.readouterr().out == (
        f"Guidelines held out for {article} in {out}: {len(rendering.removed)} example(s) removed{extra}"
        f"{cells}; {rendering.chars:,} characters; leak check passed (no 20-character stretch of it "
        "left)\n")
    assert main(["--root", str(guidelines_repo), "guidelines", "--holding-out", ARTICLES[1],
                 "--out", str(out)]) == 0                     # its own previous rendering is replaced
    assert out.read_text(encoding="utf-8") == hold_out(Repo(guidelines_repo), [ARTICLES[1]]).text


def test_a_label_table_cell_that_quotes_the_article_is_withheld(guidelines_repo):
    taxonomy = guidelines_repo / "schema" / "taxonomy.yaml"
    spec = yaml.safe_load(taxonomy.read_text(encoding="utf-8"))
    facility = next(item for item in spec["entity_types"] if item["name"] == "FAC")
    article = next(a for a, text in TEXTS.items() if "la résidence du consul général américain" in text)
    facility["fr"] = "Bâtiment, comme la résidence du consul général américain."
    taxonomy.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rendering = hold_out(Repo(guidelines_repo), [article])
    assert "entity_types FAC FR" in rendering.withheld
    assert f"| FAC | LOC | {WITHHELD} | Facility: building, residence, venue. |" in rendering.text
    assert "consul général" not in rendering.text
    other = next(a for a in ARTICLES if a != article)
    assert "la résidence du consul général américain." in hold_out(Repo(guidelines_repo), [other]).text


# -- bad inputs -----------------------------------------------------------------------------------

DIPLOMATES = 1 + (REPO / "GUIDELINES.md").read_text(encoding="utf-8").splitlines().index(
    "- [pp-b600cefc42ed] `Nos diplomates` → PER `diplomates`.")   # the line of an example


def _run(root: Path, out: Path, *articles: str) -> int:
    arguments = [item for article in articles for item in ("--holding-out", article)]
    return main(["--root", str(root), "guidelines", *arguments, "--out", str(out)])


def test_an_article_not_in_raw_is_refused(guidelines_repo, tmp_path, capsys):
    out = tmp_path / "held-out.md"
    assert _run(guidelines_repo, out, "pp-000000000000") == 1
    err = capsys.readouterr().err
    assert "Error [guidelines-article-unknown]: no article 'pp-000000000000' in raw/" in err
    assert f"Hint: hold out an article of raw/ ({', '.join(ARTICLES)})" in err
    assert _run(guidelines_repo, out, "000") == 1
    assert "Error [guidelines-article-unknown]: no article '000' in raw/" in capsys.readouterr().err
    assert not out.exists()


def test_a_quotation_left_in_general_text_is_a_leak_error(guidelines_repo, tmp_path, capsys):
    article = ARTICLES[0]
    quote = TEXTS[article][300:330]
    guidelines = guidelines_repo / "GUIDELINES.md"
    text = guidelines.read_text(encoding="utf-8")
    guidelines.write_text(text.replace("## 1. Text, offsets and spans\n",
                                       f"## 1. Text, offsets and spans\n\nAs in «{quote}».\n", 1),
                          encoding="utf-8")
    out = tmp_path / "held-out.md"
    assert _run(guidelines_repo, out, article) == 1
    err = capsys.readouterr().err
    assert "Error [guidelines-leak]: 1 stretch(es) of the held-out article left in text that is no example" in err
    assert f"{quote!r} (from {article})" in err.replace("\n", "")
    assert "Hint: reword the general text" in err
    assert not out.exists()
    other = next(a for a in ARTICLES if quote not in TEXTS[a])
    assert _run(guidelines_repo, out, other) == 0                       # only that article leaks


@pytest.mark.parametrize(("edit", "message"), [
    (lambda text: text.replace("**P1 — Minimal span", "**P1 [pp-0a488f442605] — Minimal span", 1),
     "is not at the opening of an example list item"),
    (lambda text: text.replace("- [pp-b600cefc42ed] `Nos diplomates`", "- [pp-123456789abc] `Nos diplomates`", 1),
     f"example marker(s) naming no article of raw/: line {DIPLOMATES}: pp-123456789abc"),
    (lambda text: text.replace("→ PER `diplomates`.\n", "→ PER `diplomates`.\nnot indented\n", 1),
     f"{DIPLOMATES + 1}: this line continues the example that opens on line {DIPLOMATES} without being "
     "indented under it"),
    (lambda text: text.replace("<!-- BEGIN GENERATED realis -->", "<!-- BEGIN GENERATED colours -->", 1)
     .replace("<!-- END GENERATED realis -->", "<!-- END GENERATED colours -->", 1),
     "unknown generated block 'colours'"),
])
def test_malformed_guidelines_are_refused(guidelines_repo, tmp_path, capsys, edit, message):
    guidelines = guidelines_repo / "GUIDELINES.md"
    edited = edit(guidelines.read_text(encoding="utf-8"))
    guidelines.write_text(edited, encoding="utf-8")
    assert _run(guidelines_repo, tmp_path / "held-out.md", ARTICLES[0]) == 1
    err = capsys.readouterr().err
    assert "Error [guidelines-invalid]: GUIDELINES.md" in err and message in err
    assert not (tmp_path / "held-out.md").exists()


def test_missing_guidelines_are_refused(repo_copy, tmp_path, capsys):
    assert _run(repo_copy, tmp_path / "held-out.md", ARTICLES[0]) == 1
    assert "Error [guidelines-invalid]: GUIDELINES.md: cannot be read" in capsys.readouterr().err


def test_an_output_that_cannot_be_written_is_refused(guidelines_repo, tmp_path, capsys):
    before = snapshot(guidelines_repo)
    assert _run(guidelines_repo, tmp_path, ARTICLES[0]) == 1
    assert f"Error [output-unwritable]: {tmp_path} is a folder" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    assert _run(guidelines_repo, blocker / "held-out.md", ARTICLES[0]) == 1
    assert f"Error [output-unwritable]: {blocker / 'held-out.md'} cannot be written" in capsys.readouterr().err
    assert _run(guidelines_repo, guidelines_repo / "GUIDELINES.md", ARTICLES[0]) == 1
    err = capsys.readouterr().err
    assert "exists and is not a held-out rendering: it is left as it is" in err
    assert snapshot(guidelines_repo) == before
    assert blocker.read_text(encoding="utf-8") == "not a folder\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file", "repo"]
