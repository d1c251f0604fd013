"""`pourparlers annotate` against a real Label Studio: project, config sync, imports with predictions."""

from __future__ import annotations

import shutil

import orjson
import pytest
import yaml
from helpers import FIXTURES, REPO, unique_title
from helpers import taxonomy as repo_taxonomy

from pourparlers.cli import main
from pourparlers.labelstudio.annotate import OrphanedLabels, annotate, find_project
from pourparlers.labelstudio.config import label_config
from pourparlers.labelstudio.results import results_from_tables
from pourparlers.repo import Repo
from pourparlers.taxonomy import load_taxonomy

ARTICLE = "pp-0a488f442605"


def drop_realis(root, name: str) -> None:
    path = root / "schema" / "taxonomy.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["realis"] = [item for item in data["realis"] if item["name"] != name]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_annotate_creates_the_project_and_imports_each_article_once(repo_copy, ls_env, ls_client, request):
    title = unique_title(request)
    first = annotate(Repo(repo_copy), title=title, use_model=False)

    assert first.config == "created" and first.already == 0
    assert len(first.imported) == len(list((repo_copy / "raw").glob("*.txt")))
    project = find_project(ls_client, title)
    assert project.label_config.strip() == label_config(load_taxonomy(repo_copy / "schema" / "taxonomy.yaml")).strip()
    assert first.project_url == f"{ls_env.url}/projects/{project.id}/data"

    second = annotate(Repo(repo_copy), title=title, use_model=False)

    assert (second.config, second.imported, second.already) == ("unchanged", [], len(first.imported))
    assert len(list(ls_client.tasks.list(project=project.id))) == len(first.imported)


def test_annotate_pre_annotates_from_the_gazetteer_and_the_model(repo_copy, ls_env, ls_client, request):
    shutil.copy(FIXTURES / "repo" / "annotations" / f"{ARTICLE}.json", repo_copy / "annotations")
    title = unique_title(request)

    result = annotate(Repo(repo_copy), title=title)

    rows = {row["article_id"]: row for row in result.imported}
    annotated = rows.pop(ARTICLE)   # loaded with its annotation, not pre-annotated
    gold = orjson.loads((FIXTURES / "repo" / "annotations" / f"{ARTICLE}.json").read_bytes())
    known = {item["value"]["text"][0] for item in gold[0]["annotations"][0]["result"]
             if item.get("from_name") == "canonical_id"}
    assert (annotated["annotations"], annotated["gazetteer"], annotated["spacy"]) == (1, 0, 0)
    assert sum(row["gazetteer"] for row in rows.values()) >= 5 and all(row["spacy"] > 0 for row in rows.values())
    project = find_project(ls_client, title)
    for task in ls_client.tasks.list(project=project.id, fields="all"):
        if task.data["article_id"] == ARTICLE:
            assert not task.predictions and len(task.annotations) == 1
            continue
        text = task.data["text"]
        assert task.predictions and all(prediction.result for prediction in task.predictions)
        for item in (item for prediction in task.predictions for item in prediction.result):
            value = item["value"]
            if item["type"] == "labels":
                assert text[value["start"]:value["end"]] == value["text"]
            else:  # the canonical id the gazetteer knows for that surface form, from the gold
                assert item["from_name"] == "canonical_id" and value["text"][0] in known


def test_annotate_refuses_a_schema_change_that_orphans_used_labels(repo_copy, ls_env, ls_client, request):
    from pourparlers.convert import convert_exports
    from pourparlers.raw import load_articles

    title = unique_title(request)
    annotate(Repo(repo_copy), title=title, use_model=False)
    project = find_project(ls_client, title)
    articles, _ = load_articles(Repo(repo_copy))
    taxonomy = repo_taxonomy()
    fixture = FIXTURES / "repo" / "annotations" / f"{ARTICLE}.json"
    tables = convert_exports(Repo(REPO), {f"annotations/{fixture.name}": fixture}, articles, taxonomy).tables
    task = next(t for t in ls_client.tasks.list(project=project.id, fields="all") if t.data["article_id"] == ARTICLE)
    ls_client.annotations.create(id=task.id, result=results_from_tables(tables, taxonomy, ARTICLE))
    drop_realis(repo_copy, "PLANNED")  # the fixture's prisoner exchange is PLANNED

    with pytest.raises(OrphanedLabels, match="realis value 'PLANNED'") as orphaned:
        annotate(Repo(repo_copy), title=title, use_model=False)
    assert orphaned.value.code == "labels-orphaned"
    assert find_project(ls_client, title).label_config == project.label_config
    assert main(["--root", str(repo_copy), "annotate", "--project", title, "--no-model"]) == 1

    shutil.copy(REPO / "schema" / "taxonomy.yaml", repo_copy / "schema" / "taxonomy.yaml")
    drop_realis(repo_copy, "GENERIC")  # used by no annotation: the change goes through
    assert annotate(Repo(repo_copy), title=title, use_model=False).config == "updated"
    updated = find_project(ls_client, title).label_config
    assert "GENERIC" not in updated and "PLANNED" in updated


def test_annotate_loads_annotations_and_pull_right_after_writes_the_same_bytes(repo_with_annotations, ls_env,
                                                                               ls_client, request):
    """A fresh project shows the corpus annotated, each annotation by its annotator's account; a
    pull then writes every file byte for byte as it was, and both commands change nothing twice."""
    from helpers import snapshot

    from pourparlers.labelstudio.pull import pull
    from pourparlers.people import annotator_of

    root = repo_with_annotations
    before = snapshot(root / "annotations")
    title = unique_title(request)
    loaded = annotate(Repo(root), title=title, use_model=False)

    files = {name.removesuffix(".json"): orjson.loads(content)[0] for name, content in before.items()}
    assert {row["article_id"]: row["annotations"] for row in loaded.imported} == {
        article: len(task["annotations"]) for article, task in files.items()}
    project = find_project(ls_client, title)
    accounts = {user.id: user.email for user in ls_client.users.list()}
    for task in ls_client.tasks.list(project=project.id, fields="all"):
        filed = {a["id"]: a for a in files[task.data["article_id"]]["annotations"]}
        assert not task.predictions
        on_server = {a["import_id"]: a for a in task.annotations}
        assert on_server.keys() == filed.keys()
        for annotation_id, annotation in on_server.items():
            assert annotation["result"] == filed[annotation_id]["result"]
            assert annotation["ground_truth"] == filed[annotation_id]["ground_truth"]
            assert annotator_of(accounts[annotation["completed_by"]]) == filed[annotation_id]["completed_by"]

    pulled = pull(Repo(root), title=title)
    assert {row["state"] for row in pulled.written} == {"unchanged"}
    assert snapshot(root / "annotations") == before

    again = annotate(Repo(root), title=title, use_model=False)
    assert (again.imported, again.accounts, again.already) == ([], [], len(files))
    pull(Repo(root), title=title)
    assert snapshot(root / "annotations") == before
