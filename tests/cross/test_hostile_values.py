"""Hostile values from the data and the command line: shown as text in the card and the
terminal, never read as markup or control codes; failures end in `Error [code]` with exit 1,
never a traceback; messages name invisible differences and hide secrets.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest
from bad_cases import ARTICLE, GOOD, MEDINSKY, item
from helpers import free_port, snapshot
from markdown_it import MarkdownIt

from pourparlers.cli import main
from pourparlers.corpus import load_corpus
from pourparlers.repo import Repo

TITLE = "<script>alert(1)</script> [cliquez](javascript:alert(1)) | *Poutine* $x$ \r\n\x1b[31m"
SOURCE = "<img src=x onerror=alert(1)> lemonde.fr"
NOTES = "voir https://evil.example.com et a@b.fr ~barré~ `code` _en_ \u202eevil"
URL = "javascript:alert(1)//`|`"


def _repo(repo_copy: Path) -> Path:
    (repo_copy / "annotations" / GOOD.name).write_bytes(GOOD.read_bytes())
    return repo_copy


def _retitle(root: Path, **fields: str) -> None:
    path = root / "raw" / f"{ARTICLE}.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta.update(fields)
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def _untouched(root: Path) -> dict[str, dict[str, bytes]]:
    return {name: snapshot(root / name) for name in ("raw", "annotations", "schema", "dist")}


class _Cells(HTMLParser):
    """The rows of the rendered card's tables: cell text and the tags met inside each row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[list[str], set[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append(([], set()))
        elif tag in ("td", "th"):
            self._cell = []
        elif self.rows:
            self.rows[-1][1].add(tag)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1][0].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_the_card_shows_hostile_metadata_as_text(repo_copy, tmp_path):
    root = _repo(repo_copy)
    _retitle(root, title=TITLE, source=SOURCE, notes=NOTES, url=URL)
    assert main(["--root", str(root), "build", "--out", str(tmp_path / "release")]) == 0
    card = (tmp_path / "release" / "README.md").read_text(encoding="utf-8")
    rendered = MarkdownIt("gfm-like").render(card)   # tables, raw HTML and bare links on, as the Hub
    for forbidden in ("<script", "<img", "javascript:alert(1)</a>", 'href="javascript', "\x1b", "\u202e"):
        assert forbidden not in rendered
    cells = _Cells()
    cells.feed(rendered)
    row, tags = next((row, tags) for row, tags in cells.rows if row and row[0] == ARTICLE)
    assert len(row) == 6                                   # no `|` or line break split the row
    assert tags <= {"code"}                                # no link, image, emphasis or script
    title, source, _, url, notes = (html.unescape(cell) for cell in row[1:])
    assert title == TITLE.replace("\r", "\\x0d").replace("\n", "\\x0a").replace("\x1b", "\\x1b")
    assert source == SOURCE and url == URL
    assert notes == NOTES.replace("\u202e", "\\u202e")


def test_the_card_fences_an_example_whatever_backticks_it_holds(repo_copy, tmp_path):
    root = _repo(repo_copy)
    _retitle(root, title="``` fin du bloc\n# Titre injecté", notes="````")
    assert main(["--root", str(root), "build", "--out", str(tmp_path / "release")]) == 0
    card = (tmp_path / "release" / "README.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("gfm-like").parse(card)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "Titre injecté" not in headings
    fences = [t for t in tokens if t.type == "fence" and t.info == "json"]
    assert fences and all(json.loads(t.content) for t in fences)   # each example block is whole JSON


def test_ingest_prints_a_title_of_markup_and_escapes_and_keeps_the_article(repo_copy, tmp_path, capsys):
    source = tmp_path / "article.txt"
    source.write_text("[bold]Négociations[/x] \x1b]0;pwned\x07 à Istanbul\n\nLes délégations se sont "
                      "retrouvées à Istanbul pour un deuxième cycle de pourparlers.\n", encoding="utf-8")
    assert main(["--root", str(repo_copy), "ingest", str(source)]) == 0
    out = capsys.readouterr().out
    assert "[bold]Négociations[/x]" in out and "\\x1b]0;pwned" in out
    assert "\x1b" not in out and "\x07" not in out
    assert main(["--root", str(repo_copy), "ingest", str(source)]) == 1    # stored once, and only once
    assert "already ingested" in capsys.readouterr().err


def test_a_region_id_of_markup_is_printed_as_it_is(repo_copy, tmp_path, capsys):
    root = _repo(repo_copy)
    tasks = orjson.loads((root / "annotations" / GOOD.name).read_bytes())
    region = item(tasks, MEDINSKY)
    region["id"], region["value"]["labels"] = "[/x]", ["[bold]PERSONNE"]
    (root / "annotations" / GOOD.name).write_bytes(orjson.dumps(tasks))
    before = _untouched(root)
    assert main(["--root", str(root), "build", "--out", str(tmp_path / "release")]) == 1
    err = capsys.readouterr().err
    assert "region [/x]: [unknown-label]" in err and "[bold]PERSONNE" in err
    assert "Traceback" not in err and not (tmp_path / "release").exists()
    assert _untouched(root) == before


def test_a_repo_id_that_is_not_org_name_is_refused_before_anything_is_written(repo_copy, capsys):
    root = _repo(repo_copy)
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## [0.1.0] - unreleased\n", encoding="utf-8")
    before = _untouched(root)
    for hostile in ("acme/pourparlers\")\nimport os; os.system(\"id", "acme", "acme/../x", "<owner>/pourparlers"):
        assert main(["--root", str(root), "release", "0.1.0", "--repo-id", hostile]) == 1
        err = capsys.readouterr().err
        assert "Error [repo-id-invalid]" in err and "\nimport os" not in err
    assert _untouched(root) == before
    assert (root / "CHANGELOG.md").read_text(encoding="utf-8").endswith("- unreleased\n")


@pytest.mark.parametrize("content", ['{"format": "pourparlers-agreement/1", "articles": [',
                                     '{"articles": [{"article_id": "pp-0a488f442605"}]}',
                                     '[1, 2]', '{"articles": [1], "pooled": "x"}'],
                         ids=["truncated", "no-figures", "a-list", "wrong-types"])
def test_a_malformed_agreement_report_stops_the_build(repo_copy, tmp_path, capsys, content):
    root = _repo(repo_copy)
    (root / "reports").mkdir()
    (root / "reports" / "agreement.json").write_text(content, encoding="utf-8")
    assert main(["--root", str(root), "build", "--out", str(tmp_path / "release")]) == 1
    err = capsys.readouterr().err
    assert "Error [report-invalid]:" in err and "reports/agreement.json" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]   # no release, no staging folder left


def test_agreement_out_never_replaces_a_file_it_did_not_write(tmp_path, capsys):
    from helpers import copy_repository

    root = copy_repository(tmp_path / "repo", annotations=True)
    mine = tmp_path / "notes.txt"
    mine.write_text("my notes", encoding="utf-8")
    assert main(["--root", str(root), "agreement", "--out", str(mine)]) == 1
    assert "Error [output-unwritable]" in capsys.readouterr().err
    assert mine.read_text(encoding="utf-8") == "my notes"
    report = tmp_path / "agreement.json"
    assert main(["--root", str(root), "agreement", "--out", str(report), "--format", "json"]) == 0
    assert main(["--root", str(root), "agreement", "--out", str(report), "--format", "json"]) == 0  # its own


def test_a_missing_file_is_a_file_error_not_a_traceback(repo_copy, tmp_path, capsys):
    missing = tmp_path / "nowhere" / "export.json"
    assert main(["--root", str(repo_copy), "pull", "--export", str(missing)]) == 1
    err = capsys.readouterr().err
    assert f"Error [file-error]: No such file or directory: {missing}" in err and "Traceback" not in err


def test_label_studio_not_listening_is_an_answer_with_the_password_hidden(repo_copy, monkeypatch, capsys):
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "a-token-never-shown")
    url = f"http://annotator:s3cret-pw@127.0.0.1:{free_port()}/?token=also-secret"
    for command in (["pull", "--url", url], ["annotate", "--url", url, "--no-model"]):
        assert main(["--root", str(repo_copy), *command]) == 1
        err = capsys.readouterr().err
        assert "Error [labelstudio-error]: cannot talk to Label Studio at http://annotator:***@127.0.0.1" in err
        assert "s3cret" not in err and "also-secret" not in err and "a-token-never-shown" not in err
    assert main(["--root", str(repo_copy), "pull", "--url", "ftp://127.0.0.1/"]) == 1
    assert "is not an http(s) URL" in capsys.readouterr().err


def test_annotation_ids_of_mixed_types_are_reported_not_a_traceback(repo_copy, tmp_path, capsys):
    tasks = orjson.loads(GOOD.read_bytes())
    copy = dict(tasks[0]["annotations"][0], id="x")
    tasks[0]["annotations"].append(copy)
    export = tmp_path / "export.json"
    export.write_bytes(orjson.dumps(tasks))
    before = _untouched(repo_copy)
    assert main(["--root", str(repo_copy), "pull", "--export", str(export)]) == 1
    err = capsys.readouterr().err
    assert "annotation x: [missing-key]" in err and "command-failed" not in err
    assert _untouched(repo_copy) == before


def test_a_text_that_drifts_invisibly_names_the_code_point(repo_copy):
    root = _repo(repo_copy)
    tasks = orjson.loads((root / "annotations" / GOOD.name).read_bytes())
    text = tasks[0]["data"]["text"]
    at = text.index(" ")
    tasks[0]["data"]["text"] = text[:at] + "\u00a0" + text[at + 1:]
    (root / "annotations" / GOOD.name).write_bytes(orjson.dumps(tasks))
    [drift] = [p for p in load_corpus(Repo(root)).problems if p.code == "text-drift"]
    assert f"first difference at character {at}: U+00A0 NO-BREAK SPACE vs U+0020 SPACE" in drift.message
    assert "print alike" in drift.hint and "normalized" in drift.hint


def test_validate_output_carries_no_control_character(repo_copy, capsys):
    root = _repo(repo_copy)
    tasks = orjson.loads((root / "annotations" / GOOD.name).read_bytes())
    item(tasks, MEDINSKY)["value"]["labels"] = ["PER\x1b[2J\u202e"]
    (root / "annotations" / GOOD.name).write_bytes(orjson.dumps(tasks))
    for form in ("text", "github"):
        assert main(["--root", str(root), "validate", "--format", form]) == 1
        out = capsys.readouterr().out
        assert "[unknown-label]" in out and "\\u001b[2J" in out and "\\u202e" in out   # JSON's escape, ours
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", out)
