"""The corpus browser without a browser: its pages are complete (a page per article, actor and
pair of annotations; every annotation of the release highlighted with its id), hostile values are
escaped, nesting and crossing spans keep the text whole, the same release gives the same site, and
what it refuses it refuses with its code. `test_browser_site.py` drives the pages in Chromium."""

from __future__ import annotations

import json
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import datasets
import pytest
import yaml
from helpers import copy_repository, snapshot, taxonomy

from pourparlers.build import build
from pourparlers.build.features import decoded
from pourparlers.cli import main
from pourparlers.repo import Repo
from pourparlers.site import SiteError, site
from pourparlers.site.assets import MIN_CONTRAST, contrast_with_black, entity_colours, polarity_colours
from pourparlers.site.compare import KINDS, kinds
from pourparlers.site.text import Span, lines, render

HOSTILE = '<script>alert("title")</script> & <img src=x onerror=alert(1)>'
VOID = {"meta", "link", "input", "br", "img", "hr", "source", "wbr", "col", "area", "base", "embed", "track"}


class Elements(HTMLParser):
    """Every element of a page: (tag, attributes, the ids of its ancestors), and its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict, tuple[str, ...]]] = []
        self.stack: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.within: list[tuple[tuple, str]] = []   # ((ancestor ids, ancestor tags), text) outside labels
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.found.append((tag, attributes, tuple(i for _, i, _ in self.stack)))
        if tag not in VOID:
            self.stack.append((tag, attributes.get("id", ""), attributes.get("class", "")))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        self.text.append(data)
        if not any(c in ("tag", "diff-badge") for _, _, c in self.stack):
            self.within.append(((tuple(i for _, i, _ in self.stack), tuple(t for t, _, _ in self.stack)), data))

    def texts_of(self, inside: str) -> list[str]:
        """The text of the paragraphs inside the element of id `inside`, without the labels."""
        return [data for ancestors, data in self.within if inside in ancestors[0] and "p" in ancestors[1]]

    def annotations(self, inside: str = "text") -> list[dict]:
        return [attributes for tag, attributes, ancestors in self.found
                if "ann" in attributes.get("class", "").split() and inside in ancestors]


def parsed(path: Path) -> Elements:
    return Elements(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return copy_repository(tmp_path_factory.mktemp("site") / "repo", annotations=True)


@pytest.fixture(scope="module")
def release(repo) -> Path:
    return build(Repo(repo), "0.1.0", repo / "dist" / "0.1.0").path


@pytest.fixture(scope="module")
def built(repo, release, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "site"
    site(Repo(repo), out, release=release)
    return out


@pytest.fixture(scope="module")
def rows(release) -> dict[str, list[dict]]:
    """Every row of the entities, events, stances, articles and actors configs, as `datasets` loads them."""
    out = {}
    for config in ("articles", "entities", "events", "stances", "actors"):
        loaded = datasets.load_dataset(str(release), config)
        out[config] = [decoded(part.features, row) for part in loaded.values() for row in part]
    return out


def test_every_article_and_actor_has_its_page_and_the_corpus_page_links_them_all(built, rows):
    index = parsed(built / "index.html")
    links = {attributes["href"] for tag, attributes, _ in index.found if tag == "a" and "href" in attributes}
    for article in rows["articles"]:
        assert (built / "articles" / f"{article['id']}.html").is_file()
        assert f"articles/{article['id']}.html" in links
    for actor in rows["actors"]:
        assert (built / "actors" / f"{actor['canonical_id']}.html").is_file()
        assert f"actors/{actor['canonical_id']}.html" in links
    summary = json.loads((built / "site.json").read_text(encoding="utf-8"))
    assert summary["written"] == {"article pages": 5, "side-by-side pages": 7, "actor pages": 53, "figures": 2}
    assert {path.name for path in (built / "plots").iterdir()} == {"stance-map.svg", "events-by-date.svg"}


def test_each_article_page_highlights_every_mention_trigger_and_stance_of_the_release_with_its_id(built, rows):
    for article in rows["articles"]:
        shown = parsed(built / "articles" / f"{article['id']}.html").annotations()
        for layer, config in (("entity", "entities"), ("event", "events"), ("stance", "stances")):
            expected = {row["id"] for row in rows[config] if row["article_id"] == article["id"]}
            ids = {a["data-id"] for a in shown if a["data-layer"] == layer}
            assert ids == expected, (article["id"], layer)
            focusable = [a["data-id"] for a in shown if a["data-layer"] == layer and a.get("tabindex") == "0"]
            assert sorted(focusable) == sorted(expected)   # one keyboard stop per annotation


def test_the_text_of_an_article_page_is_the_article_text_line_by_line(built, rows):
    for article in rows["articles"]:
        page = parsed(built / "articles" / f"{article['id']}.html")
        assert "".join(page.texts_of("text")) == "".join(article["text"][s:e] for s, e in lines(article["text"]))
        labels = [a for tag, a, ancestors in page.found if a.get("class") == "tag" and "text" in ancestors]
        assert len(labels) == len({a["data-id"] for a in page.annotations()})   # one label per annotation


def test_nested_and_crossing_spans_keep_the_text_whole_and_label_each_span_once():
    text = "Vladimir Poutine a dit <non>.\n\nLa Russie"
    spans = [Span("e1", "entity", "PER", 0, 16, "PER"), Span("e2", "entity", "PER", 9, 16, "PER"),
             Span("s1", "stance", "x", 9, 28, "+ x"), Span("v1", "event", "STATEMENT", 19, 22, "STATEMENT"),
             Span("s2", "stance", "y", 23, 34, "= y"), Span("e3", "entity", "GPE", 31, 40, "GPE")]

    paragraphs = render(text, spans)

    assert [(p.start, p.end) for p in paragraphs] == [(0, 29), (31, 40)]
    labels = ("PER", "+ x", "STATEMENT", "= y", "GPE")
    for paragraph in paragraphs:
        page = Elements(str(paragraph.html))
        shown = "".join(page.text)
        for label in labels:
            shown = shown.replace(label, "")
        assert shown == text[paragraph.start:paragraph.end]
    html = "".join(str(p.html) for p in paragraphs)
    page = Elements(html)
    opened = Counter(a["data-id"] for _, a, _ in page.found if "data-id" in a)
    assert opened == {"e1": 1, "e2": 1, "s1": 2, "v1": 1, "s2": 3, "e3": 1}   # s1 crosses e1, s2 a line
    assert html.count('class="tag"') == len(spans)
    assert "&lt;non&gt;" in html and "<non>" not in html


def test_hostile_titles_names_and_sources_are_shown_as_text(tmp_path):
    root = copy_repository(tmp_path / "repo", annotations=True)
    meta = root / "raw" / "pp-0a488f442605.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    meta.write_text(json.dumps({**data, "title": HOSTILE, "source": HOSTILE}, ensure_ascii=False), encoding="utf-8")
    actors = yaml.safe_load((root / "schema" / "actors.yaml").read_text(encoding="utf-8"))
    actors["actors"]["vladimir-poutine"]["name"] = HOSTILE
    (root / "schema" / "actors.yaml").write_text(yaml.safe_dump(actors, allow_unicode=True), encoding="utf-8")

    site(Repo(root), tmp_path / "site")

    for page in ("index.html", "articles/pp-0a488f442605.html", "actors/vladimir-poutine.html"):
        html = (tmp_path / "site" / page).read_text(encoding="utf-8")
        found = Elements(html)
        scripts = [a for tag, a, _ in found.found if tag == "script"]
        assert scripts == [{"src": ("../" if "/" in page else "") + "assets/site.js"}], page
        assert not [a for tag, a, _ in found.found if tag == "img" and "onerror" in a], page
        assert HOSTILE in "".join(found.text), page     # shown, as text
        assert "&lt;script&gt;" in html


def test_the_same_release_gives_the_same_site_and_the_repository_the_site_of_its_release(repo, release, built,
                                                                                         tmp_path):
    assert main(["--root", str(repo), "site", "--out", str(tmp_path / "again")]) == 0
    assert snapshot(tmp_path / "again") == snapshot(built)


def test_a_site_never_replaces_a_folder_it_did_not_make(repo, release, tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["--root", str(repo), "site", "--out", str(foreign), "--release", str(release)]) == 1
    assert "Error [folder-not-ours]: " in capsys.readouterr().err
    assert snapshot(foreign) == {"notes.txt": b"mine"}
    assert main(["--root", str(repo), "site", "--out", str(tmp_path / "s"), "--release", str(release)]) == 0
    assert main(["--root", str(repo), "site", "--out", str(tmp_path / "s"), "--release", str(release)]) == 0
    assert f"Open it: {(tmp_path / 's' / 'index.html').as_uri()}" in capsys.readouterr().out


def test_a_text_free_release_is_refused_with_the_command_that_restores_it(repo, tmp_path, capsys):
    bare = tmp_path / "bare"
    assert main(["--root", str(repo), "build", "--no-text", "--out", str(bare)]) == 0
    capsys.readouterr()
    assert main(["--root", str(repo), "site", "--out", str(tmp_path / "s"), "--release", str(bare)]) == 1
    err = capsys.readouterr().err
    assert "Error [site-refused]: " in err and "text-free" in err and "pourparlers rehydrate" in err
    assert not (tmp_path / "s").exists()


def test_a_missing_stylesheet_package_is_refused_with_the_command_that_installs_it(repo, release, tmp_path,
                                                                                    monkeypatch):
    import pourparlers.site.assets as assets

    monkeypatch.setattr(assets, "NPM_PREFIX", tmp_path / "no-npm-here")
    with pytest.raises(SiteError, match="@picocss/pico is not installed") as refused:
        site(Repo(repo), tmp_path / "s", release=release)
    assert "scripts/setup" in refused.value.hint and "npm ci" in refused.value.hint
    assert not (tmp_path / "s").exists()


def test_black_text_stays_readable_on_every_label_colour():
    from matplotlib.colors import to_rgb

    tax = taxonomy()
    fills = [*entity_colours(tax).values(), *(fill for fill, _ in polarity_colours(tax).values())]
    assert len(fills) == len(tax.entity_types) + len(tax.polarities)
    assert min(contrast_with_black(to_rgb(fill)) for fill in fills) >= MIN_CONTRAST


@pytest.mark.parametrize(("disagreement", "expected"), [
    ({"layer": "entity", "a": None, "b": {}}, ["missing"]),
    ({"layer": "entity", "a": {"type": "ORG", "start": 1, "end": 5}, "b": {"type": "ORG", "start": 1, "end": 9}},
     ["span"]),
    ({"layer": "entity", "a": {"type": "ORG", "start": 1, "end": 5}, "b": {"type": "PER", "start": 1, "end": 5}},
     ["type"]),
    ({"layer": "event", "a": {"type": "CALL", "realis": "ACTUAL", "start": 1, "end": 5},
      "b": {"type": "MEETING", "realis": "PLANNED", "start": 1, "end": 5}}, ["type", "realis"]),
    ({"layer": "argument", "a": {"role": "participant", "filler": {"start": 1, "end": 5}},
      "b": {"role": "location", "filler": {"start": 1, "end": 9}}}, ["role", "span"]),
    ({"layer": "stance", "a": {"polarity": "FAVOR", "attribution": "DIRECT_QUOTE", "start": 1, "end": 5},
      "b": {"polarity": "AGAINST", "attribution": "DIRECT_QUOTE", "start": 3, "end": 9}}, ["polarity"]),
])
def test_each_difference_is_named_by_the_fields_that_differ(disagreement, expected):
    assert kinds(disagreement) == expected
    assert set(expected) <= set(KINDS)


def test_an_actor_id_that_is_no_safe_file_name_gets_a_digest_name_and_no_two_ids_share_one():
    from pourparlers.site.model import page_names

    ids = ["vladimir-poutine", "../../etc", "A/B", "Poutine", "poutine", "actor-1"]
    names = page_names(ids, "actor")

    assert names["vladimir-poutine"] == "vladimir-poutine" and names["poutine"] == "poutine"
    assert all(name.startswith("actor-") and len(name) == 22 for key, name in names.items()
               if key in ("../../etc", "A/B", "Poutine"))
    assert len({name.lower() for name in names.values()}) == len(ids)


def test_the_card_links_to_the_published_site_only_when_its_address_is_configured(tmp_path, capsys):
    root = copy_repository(tmp_path / "repo", annotations=True)
    url = "https://my-org.github.io/pourparlers/"
    (root / "pyproject.toml").write_text(f'[tool.pourparlers]\nsite_url = "{url}"\n', encoding="utf-8")
    card = build(Repo(root), "0.1.0", tmp_path / "with").path / "README.md"
    assert f"- **Corpus browser:** [{url}]({url})" in card.read_text(encoding="utf-8")

    (root / "pyproject.toml").write_text("[tool.pourparlers]\n", encoding="utf-8")
    card = build(Repo(root), "0.1.0", tmp_path / "without").path / "README.md"
    assert "- **Corpus browser:** not published online; from a clone of the source repository, `pourparlers\n  site " \
           "--out site/` builds it" in card.read_text(encoding="utf-8")

    (root / "pyproject.toml").write_text('[tool.pourparlers]\nsite_url = "javascript:alert(1)"\n', encoding="utf-8")
    assert main(["--root", str(root), "build", "--out", str(tmp_path / "bad")]) == 1
    err = capsys.readouterr().err
    assert "Error [site-url-invalid]: [tool.pourparlers] site_url 'javascript:alert(1)' in pyproject.toml" in err
    assert not (tmp_path / "bad").exists()
