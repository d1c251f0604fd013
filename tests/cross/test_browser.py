"""A real browser on a task of our generated config, at a laptop's 1280×800: the article shows on
opening, regions and relation arrows are drawn, and a stance's choices sit beside it.

Debian's Chromium, driven by Playwright with `executable_path` (never a downloaded browser; the
`chromium` fixture is in conftest.py, and skips these tests loudly on a machine without one).
The task is the corpus's densest article with its gold annotation. Screenshots are kept for a
human look in `.labelstudio/screenshots/` (git-ignored).
"""

from __future__ import annotations

import re
import shutil

import pytest
from helpers import FIXTURES, REPO, unique_title
from helpers import taxonomy as repo_taxonomy

from pourparlers.convert import convert_exports
from pourparlers.labelstudio.annotate import annotate, find_project
from pourparlers.labelstudio.config import INSTRUCTIONS_TITLE
from pourparlers.labelstudio.results import results_from_tables
from pourparlers.raw import load_articles
from pourparlers.repo import Repo

ARTICLE = "pp-0a488f442605"
WIDTH, HEIGHT = 1280, 800
SCREENSHOTS = REPO / ".labelstudio" / "screenshots"
TAX = repo_taxonomy()
CONTROLS = TAX.controls


@pytest.fixture
def annotated_task(repo_copy, ls_env, ls_client, request):
    """A project of the test's own whose ARTICLE task holds the gold annotation: (task, annotation, results)."""
    title = unique_title(request)
    annotate(Repo(repo_copy), title=title, use_model=False)
    project = find_project(ls_client, title)
    articles, _ = load_articles(Repo(repo_copy))
    fixture = FIXTURES / "repo" / "annotations" / f"{ARTICLE}.json"
    tables = convert_exports(Repo(REPO), {f"annotations/{fixture.name}": fixture}, articles, TAX).tables
    results = results_from_tables(tables, TAX, ARTICLE)
    task = next(t for t in ls_client.tasks.list(project=project.id, fields="all") if t.data["article_id"] == ARTICLE)
    annotation = ls_client.annotations.create(id=task.id, result=results)
    return task, annotation, results


def open_task(chromium, ls_env, task, errors: list[str]):
    """A new page, logged in, on the task with its regions drawn; page errors go to `errors`."""
    page = chromium.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{ls_env.url}/user/login/")
    page.fill("#email", ls_env.credentials.email)
    page.fill("#password", ls_env.credentials.password)
    page.click("button.login-button")
    page.wait_for_load_state("networkidle")
    page.goto(f"{ls_env.url}/projects/{task.project}/data?task={task.id}")
    page.wait_for_selector(".htx-highlight", timeout=60_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return page


@pytest.fixture
def task_page(annotated_task, ls_env, chromium):
    """The annotator's view of the annotated task; fails the test on a page error."""
    task, _, results = annotated_task
    errors: list[str] = []
    page = open_task(chromium, ls_env, task, errors)
    n_regions = len({item["id"] for item in results if item["type"] == "labels"})
    assert page.locator(".htx-highlight[data-label]").count() == n_regions  # one label tag per region
    yield page
    page.close()
    assert not errors


def inside_viewport(box: dict | None) -> bool:
    return bool(box) and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= WIDTH \
        and box["y"] + box["height"] <= HEIGHT


def test_article_shows_on_opening_with_the_instructions_collapsed(task_page, annotated_task):
    page = task_page
    _, _, results = annotated_task
    instructions = page.get_by_text("sélectionnez le passage")
    first_line = page.locator(".lsf-richtext__line").first

    assert inside_viewport(first_line.bounding_box())
    assert page.locator(".htx-highlight").first.is_visible()
    assert not instructions.is_visible()
    assert page.locator(".relations-overlay [class^=relationItem]").count() == sum(
        item["type"] == "relation" for item in results)
    page.screenshot(path=str(SCREENSHOTS / "task-opened.png"))

    page.get_by_text(INSTRUCTIONS_TITLE).click()
    instructions.wait_for(timeout=5_000)
    assert instructions.is_visible()
    page.wait_for_timeout(500)  # the panel's opening animation, for the screenshot only
    page.screenshot(path=str(SCREENSHOTS / "instructions-open.png"))


def test_stance_choices_show_beside_the_last_stance_and_the_target_list_edits_it(task_page, annotated_task,
                                                                                 ls_client):
    page = task_page
    _, annotation, results = annotated_task
    stances = [item for item in results if item.get("from_name") == CONTROLS["stance"]]
    last = max(stances, key=lambda item: item["value"]["start"])  # near the end: the page scrolls to it
    chosen = {item["from_name"]: item["value"]["choices"][0] for item in results
              if item.get("id") == last["id"] and item["type"] == "choices"}
    # A piece of the evidence span with no nested region in it, so the click selects the stance.
    evidence = page.locator(f"[class*='htx-highlight-{last['id']}-']:not(:has(.htx-highlight))").first

    evidence.click()

    checked = page.locator(".lsf-choices:visible label:has(input:checked)")
    checked.first.wait_for(timeout=10_000)
    shown = {text.split("[")[0].strip() for text in checked.all_inner_texts()}
    assert shown == {chosen[CONTROLS["stance_polarity"]], chosen[CONTROLS["stance_attribution"]]}
    target = page.locator(".lsf-choices:visible [data-testid^='select-trigger-']")
    assert target.get_attribute("data-value") == chosen[CONTROLS["stance_target"]]
    # Polarity, attribution and target in view as the region is selected, the column unscrolled,
    # and beside the region (left of the text), not below the article.
    for box in [*(label.bounding_box() for label in checked.all()), target.bounding_box()]:
        assert inside_viewport(box), box
        assert box["x"] + box["width"] < evidence.bounding_box()["x"]
    assert inside_viewport(evidence.bounding_box())
    assert target.evaluate("node => node.closest('[style*=sticky]').scrollTop") == 0
    page.screenshot(path=str(SCREENSHOTS / "stance-selected.png"))

    other = next(t for t in TAX.stance_targets if t != chosen[CONTROLS["stance_target"]])
    target.click()
    page.locator("[data-testid='select-option-label']", has_text=re.compile(f"^{other}$")).click()
    with page.expect_response(lambda response: response.request.method == "PATCH"
                              and f"/api/annotations/{annotation.id}" in response.url):
        page.get_by_test_id("bottombar-update-button").click()

    saved = ls_client.annotations.get(id=annotation.id).result
    targets = [item["value"]["choices"] for item in saved
               if item.get("id") == last["id"] and item.get("from_name") == CONTROLS["stance_target"]]
    assert targets == [[other]]


def test_a_pre_annotated_task_starts_from_the_gazetteer_and_lists_each_source_with_its_score(
        repo_copy, ls_env, ls_client, chromium, request):
    for path in sorted(REPO.glob("annotations/*.json"))[:2]:  # gold for the gazetteer and the scores
        shutil.copy(path, repo_copy / "annotations")
    title = unique_title(request)
    imported = annotate(Repo(repo_copy), title=title).imported
    article = next(row["article_id"] for row in imported if not row["annotations"])
    project = find_project(ls_client, title)
    task = next(t for t in ls_client.tasks.list(project=project.id, fields="all") if t.data["article_id"] == article)
    predictions = {p.model_version: p for p in task.predictions}
    shown = predictions[project.model_version]
    assert project.model_version.startswith("gazetteer@")
    errors: list[str] = []

    page = open_task(chromium, ls_env, task, errors)

    assert page.locator(".htx-highlight[data-label]").count() == sum(item["type"] == "labels" for item in shown.result)
    tabs = page.locator(".lsf-annotation-button")
    assert tabs.count() == 1 + len(predictions)  # the annotator's own, then one per source
    for prediction in predictions.values():
        tab = tabs.filter(has=page.locator(f"[title='Prediction score = {prediction.score}']"))
        assert tab.count() == 1 and f"{prediction.score:.2%}" in tab.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "pre-annotated.png"))
    page.close()
    assert not errors
