"""A real browser on a task of our generated config: regions, relation arrows, per-region choices.

Debian's Chromium, driven by Playwright with `executable_path` (never a downloaded browser);
`scripts/test` installs Chromium when it is missing. The screenshot is kept for a human look
in `.labelstudio/screenshots/` (git-ignored).
"""

from __future__ import annotations

import shutil

import pytest
from helpers import FIXTURES, REPO, unique_title
from helpers import taxonomy as repo_taxonomy

from pourparlers.convert import convert_exports
from pourparlers.labelstudio.annotate import annotate, find_project
from pourparlers.labelstudio.results import results_from_tables
from pourparlers.raw import load_articles
from pourparlers.repo import Repo

ARTICLE = "pp-0a488f442605"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium")
    assert path, "Debian's chromium is needed: apt-get install chromium (scripts/test does it as root)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_annotator_sees_regions_relations_and_choices_beside_the_region(repo_copy, ls_env, ls_client,
                                                                         chromium, request):
    taxonomy = repo_taxonomy()
    title = unique_title(request)
    annotate(Repo(repo_copy), title=title, use_model=False)
    project = find_project(ls_client, title)
    articles, _ = load_articles(Repo(repo_copy))
    fixture = FIXTURES / "repo" / "annotations" / f"{ARTICLE}.json"
    tables = convert_exports(Repo(REPO), {f"annotations/{fixture.name}": fixture}, articles, taxonomy).tables
    results = results_from_tables(tables, taxonomy, ARTICLE)
    task = next(t for t in ls_client.tasks.list(project=project.id, fields="all") if t.data["article_id"] == ARTICLE)
    ls_client.annotations.create(id=task.id, result=results)
    n_regions = len({item["id"] for item in results if item["type"] == "labels"})
    n_relations = sum(item["type"] == "relation" for item in results)
    stance = tables["stances"].to_pylist()[0]

    page = chromium.new_page(viewport={"width": 1600, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{ls_env.url}/user/login/")
    page.fill("#email", ls_env.credentials.email)
    page.fill("#password", ls_env.credentials.password)
    page.click("button.login-button")
    page.wait_for_load_state("networkidle")
    page.goto(f"{ls_env.url}/projects/{project.id}/data?task={task.id}")
    page.wait_for_selector(".htx-highlight", timeout=60_000)

    assert page.locator(".htx-highlight").count() == n_regions
    assert page.locator(".relations-overlay [class^=relationItem]").count() == n_relations

    evidence = page.locator(".htx-highlight", has_text=stance["text"]).first
    evidence.click()
    checked = page.locator(".lsf-choices:visible label:has(input:checked)")
    checked.first.wait_for(timeout=10_000)
    shown = {text.split("[")[0].strip() for text in checked.all_inner_texts()}
    assert shown == {stance["target"], stance["polarity"], stance["attribution"]}
    # Beside the region, not below the article: left of the text and inside the viewport.
    choice_box = checked.first.bounding_box()
    region_box = evidence.bounding_box()
    assert choice_box["x"] + choice_box["width"] < region_box["x"]
    assert 0 <= choice_box["y"] <= 1000

    screenshots = REPO / ".labelstudio" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "stance-selected.png"))
    assert not errors
