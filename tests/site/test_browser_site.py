"""The corpus browser in a real browser (Debian's Chromium through Playwright, the `chromium`
fixture of conftest.py), opened from `file://` as a user opens it: every page loads with no
console error and asks for nothing outside the site's folder; each article page highlights
exactly the release's rows; selecting an event outlines exactly its arguments; each side-by-side
page shows exactly the differences `pourparlers agreement --disagreements` lists. Screenshots of
an article, a side-by-side and the corpus page are saved with the test's files and in
`.site-screenshots/` (git-ignored), for a human look.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from pathlib import Path

import datasets
import pytest
from helpers import REPO, copy_repository

from pourparlers.build import build
from pourparlers.build.features import decoded
from pourparlers.cli import main
from pourparlers.repo import Repo
from pourparlers.site import site

WIDTH, HEIGHT = 1280, 900
SCREENSHOTS = REPO / ".site-screenshots"
DENSEST = "pp-0a488f442605"      # the article with the most annotations
INTERACTIVE_SECONDS = 1.0


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    repo = copy_repository(tmp_path_factory.mktemp("browser-site") / "repo", annotations=True)
    return build(Repo(repo), "0.1.0", repo / "dist" / "0.1.0").path


@pytest.fixture(scope="module")
def built(release, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser-site-out") / "site"
    site(Repo(release.parents[1]), out, release=release)
    return out


@pytest.fixture(scope="module")
def rows(release) -> dict[str, list[dict]]:
    out = {}
    for config in ("articles", "entities", "events", "stances"):
        loaded = datasets.load_dataset(str(release), config)
        out[config] = [decoded(part.features, row) for part in loaded.values() for row in part]
    return out


class Visit:
    """A page of the site opened in its own tab: the console errors and page errors it raised,
    and every request it made outside the site folder (refused)."""

    def __init__(self, chromium, built: Path, relative: str) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.inside: list[str] = []
        self.page = chromium.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        root = built.absolute().as_uri() + "/"

        def route(request_route):
            url = request_route.request.url
            if url.startswith(root) or url.startswith("data:"):
                self.inside.append(url)
                request_route.continue_()
            else:
                self.outside.append(url)
                request_route.abort()

        self.page.route("**/*", route)
        self.url = root + relative

    def open(self, fragment: str = ""):
        self.page.goto(self.url + fragment)
        self.page.wait_for_selector("body[data-ready='1']", timeout=10_000)
        return self.page

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def visit(chromium, built):
    opened: list[Visit] = []

    def open_page(relative: str) -> Visit:
        opened.append(Visit(chromium, built, relative))
        return opened[-1]

    yield open_page
    for item in opened:
        item.close()


def save_screenshot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=False)
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copyfile(tmp_path / name, SCREENSHOTS / name)


def test_every_page_loads_offline_with_no_console_error_and_no_request_outside_the_site(built, visit):
    pages = sorted(path.relative_to(built).as_posix() for path in built.rglob("*.html"))
    assert len(pages) == 1 + 5 + 7 + 53
    for relative in pages:
        seen = visit(relative)
        seen.open()
        assert seen.errors == [], relative
        assert seen.outside == [], relative
        assert any(url.endswith("assets/pico.min.css") for url in seen.inside), relative
        seen.close()


def test_each_article_page_highlights_exactly_the_release_s_mentions_triggers_and_stances(visit, rows):
    for article in rows["articles"]:
        page = visit(f"articles/{article['id']}.html").open()
        for layer, config in (("entity", "entities"), ("event", "events"), ("stance", "stances")):
            shown = page.eval_on_selector_all(f"#text .ann[data-layer='{layer}']",
                                              "els => els.map(el => el.dataset.id)")
            assert set(shown) == {row["id"] for row in rows[config] if row["article_id"] == article["id"]}
            assert page.locator(f"#text .ann[data-layer='{layer}'][tabindex='0']").count() == len(set(shown))


def test_selecting_an_event_outlines_exactly_its_arguments_with_their_roles(visit, rows, tmp_path):
    page = visit(f"articles/{DENSEST}.html").open()
    events = [row for row in rows["events"] if row["article_id"] == DENSEST]
    assert sum(1 for event in events if len(event["arguments"]) > 1) >= 5
    for event in events:
        page.locator(f"#text .ann[data-id='{event['id']}'][tabindex='0']").focus()
        page.keyboard.press("Enter")

        outlined = page.eval_on_selector_all("#text .ann.argument",
                                             "els => els.map(el => [el.dataset.id, el.dataset.role])")
        assert Counter(map(tuple, outlined)) == Counter(
            (argument["entity_id"], argument["role"]) for argument in event["arguments"]
            for _ in range(page.locator(f"#text .ann[data-id='{argument['entity_id']}']").count()))
        detail = page.locator(f".detail[data-id='{event['id']}']")
        assert detail.is_visible() and page.locator(".detail:visible").count() == 1
        assert detail.locator("[data-argument]").count() == len(event["arguments"])
        assert event["type"] in detail.inner_text() and (event["realis"] or "–") in detail.inner_text()
    busiest = max(events, key=lambda event: len(event["arguments"]))
    page.locator(f"#text .ann[data-id='{busiest['id']}'][tabindex='0']").focus()
    page.keyboard.press("Enter")
    page.locator(f"#text .ann[data-id='{busiest['id']}']").first.scroll_into_view_if_needed()
    save_screenshot(page, "article-event-selected.png", tmp_path)


def test_selecting_a_stance_shows_holder_target_polarity_and_attribution(visit, rows):
    page = visit(f"articles/{DENSEST}.html").open()
    for stance in (row for row in rows["stances"] if row["article_id"] == DENSEST):
        page.locator(f"#text .ann[data-id='{stance['id']}'][tabindex='0']").focus()
        page.keyboard.press("Enter")

        detail = page.locator(f".detail[data-id='{stance['id']}']").inner_text()
        for value in (stance["target"], stance["polarity"], stance["attribution"]):
            assert value in detail
        holders = page.eval_on_selector_all("#text .ann.holder", "els => [...new Set(els.map(el => el.dataset.id))]")
        assert holders == ([stance["holder_id"]] if stance["holder_id"] else [])


def test_a_layer_or_type_switched_off_is_no_longer_highlighted(visit):
    page = visit(f"articles/{DENSEST}.html").open()
    page.locator(".toggles input[data-layer='entity'][data-type='GPE']").uncheck()
    assert page.locator("#text .ann.entity[data-type='GPE']:not(.off)").count() == 0
    assert page.locator("#text .ann.entity[data-type='PER'].off").count() == 0
    page.locator(".toggles input[data-layer='event']:not([data-type])").uncheck()
    assert page.locator("#text .ann.event:not(.off)").count() == 0
    assert page.locator("#text .ann.event .tag:visible").count() == 0


def test_each_side_by_side_page_shows_the_differences_agreement_lists(built, release, visit, capsys, tmp_path):
    pages = sorted((built / "compare").glob("*.html"))
    assert len(pages) == 7
    for path in pages:
        page = visit(f"compare/{path.name}").open()
        command = page.locator("p code").filter(has_text="pourparlers agreement").inner_text().split()
        a, b, article = command[command.index("--a") + 1], command[command.index("--b") + 1], \
            command[command.index("--article") + 1]
        assert main(["agreement", "--release", str(release), "--a", a, "--b", b, "--article", article,
                     "--format", "json"]) == 0
        listed = json.loads(capsys.readouterr().out)["disagreements"]

        rows = page.eval_on_selector_all("tr.difference", "els => els.map(el => [el.dataset.layer, el.dataset.a, "
                                                          "el.dataset.b, el.dataset.kind])")
        assert Counter((layer, a_id, b_id) for layer, a_id, b_id, _ in rows) == Counter(
            (d["layer"], (d["a"] or {}).get("region_id", ""), (d["b"] or {}).get("region_id", "")) for d in listed)
        assert all(kind for *_, kind in rows)
        for _, a_id, b_id, kind in rows:
            for side, region in (("a", a_id), ("b", b_id)):
                if region:
                    marked = page.locator(f"[data-side='{side}'] .ann[data-id='{region}'][data-diff]")
                    assert marked.count() >= 1, (path.name, side, region)
                    assert all(k in marked.first.get_attribute("data-diff") for k in kind.split()), (region, kind)
        assert page.locator(".ann[data-diff]").count() >= 1 or not rows
    page = visit("compare/pp-caf1c0f94279--alternate-1.html").open()
    page.evaluate("document.getElementById('texts').scrollIntoView()")
    save_screenshot(page, "side-by-side.png", tmp_path)


def test_an_article_page_of_the_corpus_is_interactive_within_a_second(visit, rows):
    seen = visit(f"articles/{DENSEST}.html")
    event = next(row for row in rows["events"] if row["article_id"] == DENSEST and row["arguments"])
    started = time.perf_counter()
    page = seen.open()
    page.locator(f"#text .ann[data-id='{event['id']}'][tabindex='0']").focus()
    page.keyboard.press("Enter")
    page.locator(f".detail[data-id='{event['id']}']").wait_for(state="visible")
    elapsed = time.perf_counter() - started
    assert elapsed < INTERACTIVE_SECONDS, f"{elapsed:.2f} s"


def test_the_corpus_page_shows_its_figures_tables_and_links(built, visit, tmp_path):
    page = visit("index.html").open()
    for figure in ("stance-map", "events-by-date"):
        image = page.locator(f"img[src='plots/{figure}.svg']")
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("#article-list a[href^='articles/']").count() == 5
    assert page.locator("#actor-list a[href^='actors/']").count() == 53
    assert page.locator("a[href^='compare/']").count() >= 7
    save_screenshot(page, "corpus.png", tmp_path)
    page.evaluate("document.getElementById('stance-map').scrollIntoView()")
    save_screenshot(page, "corpus-stance-map.png", tmp_path)


def test_an_actor_page_links_each_stance_to_its_evidence_selected_in_the_article(built, visit, rows, tmp_path):
    held = [row for row in rows["stances"] if row["holder_canonical_id"] == "vladimir-poutine"]
    page = visit("actors/vladimir-poutine.html").open()
    assert page.locator("#stance-evidence tr[data-id]").count() == len(held) > 0
    save_screenshot(page, "actor.png", tmp_path)
    first = page.locator("#stance-evidence tr[data-id]").first
    stance = first.get_attribute("data-id")

    first.locator("a").click()
    page.wait_for_selector("body[data-ready='1'][data-selected]")

    assert page.locator("body").get_attribute("data-selected") == stance
    assert page.locator(f".detail[data-id='{stance}']").is_visible()
    assert page.locator(f"#text .ann.selected[data-id='{stance}']").count() >= 1
