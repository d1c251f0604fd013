"""`pourparlers pull` against a real Label Studio: round trip, determinism, loss and bad-input refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from helpers import FIXTURES, REPO, snapshot, taxonomy, unique_title

from pourparlers.cli import main
from pourparlers.convert import convert_exports
from pourparlers.corpus import gold, load_corpus
from pourparlers.errors import InvalidData
from pourparlers.labelstudio.annotate import annotate, find_project
from pourparlers.labelstudio.pull import PullRefused, dumps, pull, snapshot_export, split_export
from pourparlers.labelstudio.results import results_from_tables
from pourparlers.raw import load_articles
from pourparlers.repo import Repo

TAX = taxonomy()
ARTICLE = "pp-0a488f442605"
FIXTURE = FIXTURES / "repo" / "annotations" / f"{ARTICLE}.json"
TABLES = ("entities", "events", "event_arguments", "stances")


def comparable(tables: dict) -> dict[str, list[dict]]:
    """Rows without what Label Studio assigns anew (task, annotation, file) or derives from them."""
    dropped = {"source_file", "task_id", "annotation_id", "annotator", "mention_id", "event_id", "stance_id",
               "holder_id"}
    return {name: sorted(({k: v for k, v in row.items() if k not in dropped} for row in tables[name].to_pylist()),
                         key=repr) for name in TABLES}


def fixture_tables() -> dict:
    articles, _ = load_articles(Repo(REPO))
    converted = convert_exports(Repo(REPO), {f"annotations/{FIXTURE.name}": FIXTURE}, articles, TAX)
    assert not converted.problems
    return gold(converted.tables)


def task_of(client, project_id: int, article_id: str):
    return next(t for t in client.tasks.list(project=project_id, fields="all") if t.data["article_id"] == article_id)


@pytest.fixture
def project(repo_copy: Path, ls_env, ls_client, request):
    """A project of its own for each test, with the repository's articles imported."""
    title = unique_title(request)
    annotate(Repo(repo_copy), title=title, use_model=False)
    return find_project(ls_client, title)


def test_round_trip_gold_tables_through_label_studio(repo_copy, project, ls_client):
    tables = fixture_tables()
    results = results_from_tables(tables, TAX, ARTICLE)
    task = task_of(ls_client, project.id, ARTICLE)
    ls_client.predictions.create(task=task.id, result=results, model_version="gold", score=1.0)
    # As an annotator who accepts the prediction and submits: relations and per-region choices included.
    ls_client.annotations.create(id=task.id, result=results, ground_truth=True, lead_time=42.0)

    pulled = pull(Repo(repo_copy), title=project.title)

    assert [(row["article_id"], row["state"]) for row in pulled.written] == [(ARTICLE, "new")]
    corpus = load_corpus(Repo(repo_copy))
    assert not corpus.problems
    assert comparable(gold(corpus.tables)) == comparable(tables)
    exported = orjson.loads((repo_copy / "annotations" / f"{ARTICLE}.json").read_bytes())[0]
    (prediction,) = exported["predictions"]  # expanded, not ids
    assert (prediction["model_version"], prediction["result"]) == ("gold", results)


def test_pull_is_deterministic_and_drops_volatile_fields(repo_copy, project, ls_client):
    task = task_of(ls_client, project.id, ARTICLE)
    ls_client.annotations.create(id=task.id, result=results_from_tables(fixture_tables(), TAX, ARTICLE))
    pull(Repo(repo_copy), title=project.title)
    first = snapshot(repo_copy / "annotations")

    again = pull(Repo(repo_copy), title=project.title)

    assert [row["state"] for row in again.written] == ["unchanged"]
    assert snapshot(repo_copy / "annotations") == first
    content = first[f"{ARTICLE}.json"]
    assert b"created_ago" not in content
    assert content == dumps(orjson.loads(content))


def test_pull_refuses_to_lose_regions_unless_forced(repo_copy, project, ls_client):
    task = task_of(ls_client, project.id, ARTICLE)
    results = results_from_tables(fixture_tables(), TAX, ARTICLE)
    annotation = ls_client.annotations.create(id=task.id, result=results)
    pull(Repo(repo_copy), title=project.title)
    before = snapshot(repo_copy / "annotations")
    kept = [item for item in results if item.get("to_id") != results[0]["id"] and item.get("id") != results[0]["id"]]
    ls_client.annotations.update(annotation.id, result=kept)

    with pytest.raises(PullRefused, match=f"annotations/{ARTICLE}.json: 1 annotation") as refused:
        pull(Repo(repo_copy), title=project.title)
    assert refused.value.code == "pull-refused"
    assert snapshot(repo_copy / "annotations") == before

    forced = pull(Repo(repo_copy), title=project.title, force=True)
    assert [row["result_items"] for row in forced.written] == [len(kept)]


def _bad_region(ls_client, project, repo_copy, item: dict) -> InvalidData:
    task = task_of(ls_client, project.id, ARTICLE)
    ls_client.annotations.create(id=task.id, result=[item])
    before = snapshot(repo_copy / "annotations")
    with pytest.raises(InvalidData) as caught:
        pull(Repo(repo_copy), title=project.title)
    assert snapshot(repo_copy / "annotations") == before
    return caught.value


def test_pull_rejects_a_label_the_schema_does_not_define(repo_copy, project, ls_client):
    # Label Studio accepts it (it does not check results against its config); pull must not.
    error = _bad_region(ls_client, project, repo_copy, {
        "id": "bad_label", "from_name": "entity", "to_name": "text", "type": "labels",
        "value": {"start": 305, "end": 322, "text": "Vladimir Medinsky", "labels": ["PERSON"]}})
    located = [p for p in error.problems if p.region_id == "bad_label"]
    assert located and located[0].article_id == ARTICLE and located[0].file == f"annotations/{ARTICLE}.json"
    assert "PERSON" in located[0].message


def test_pull_rejects_a_region_whose_text_does_not_match_its_offsets(repo_copy, project, ls_client):
    error = _bad_region(ls_client, project, repo_copy, {
        "id": "shifted", "from_name": "entity", "to_name": "text", "type": "labels",
        "value": {"start": 306, "end": 323, "text": "Vladimir Medinsky", "labels": ["PER"]}})
    assert [p.code for p in error.problems if p.region_id == "shifted"] == ["span-text-mismatch"]


def test_pull_rejects_roles_and_fillers_the_event_type_does_not_allow(repo_copy, project, ls_client, capsys):
    """What the label config cannot say (one <Relations> list serves every event type, and any
    span can be linked): Label Studio takes it, pull refuses it and names the trigger region."""
    task = task_of(ls_client, project.id, ARTICLE)
    text = task.data["text"]

    def span(region: str, control: str, surface: str, label: str) -> dict:
        start = text.index(surface)
        return {"id": region, "from_name": control, "to_name": "text", "type": "labels",
                "value": {"start": start, "end": start + len(surface), "text": surface, "labels": [label]}}

    def relation(role: str, to_id: str) -> dict:
        return {"from_id": "ev_meet", "to_id": to_id, "type": "relation", "direction": "right", "labels": [role]}

    meeting = span("ev_meet", "event", "rencontre", "MEETING")
    realis = {**meeting, "from_name": "realis", "type": "choices",
              "value": {**{k: v for k, v in meeting["value"].items() if k != "labels"}, "choices": [TAX.realis[0]]}}
    assert "attacker" not in TAX.roles_of["MEETING"] and TAX.roles_of["MEETING"]["date"] == ("DATE",)
    def actor(region: dict, canonical_id: str) -> dict:   # named fillers carry their actor's id
        value = {k: v for k, v in region["value"].items() if k != "labels"}
        return {**region, "from_name": "canonical_id", "type": "textarea", "value": {**value, "text": [canonical_id]}}

    medinsky = span("e_medinsky", "entity", "Vladimir Medinsky", "PER")
    antalya = span("e_antalya", "entity", "Antalya", "GPE")
    ls_client.annotations.create(id=task.id, result=[
        meeting, realis, medinsky, actor(medinsky, "vladimir-medinsky"), antalya, actor(antalya, "antalya"),
        relation("attacker", "e_antalya"), relation("date", "e_medinsky")])
    before = snapshot(repo_copy / "annotations")

    with pytest.raises(InvalidData) as caught:
        pull(Repo(repo_copy), title=project.title)

    assert snapshot(repo_copy / "annotations") == before
    found = sorted((p.code, p.region_id, p.article_id) for p in caught.value.problems)
    assert found == [("filler-type-not-allowed", "ev_meet", ARTICLE), ("role-not-allowed", "ev_meet", ARTICLE)]
    messages = {p.code: p.message for p in caught.value.problems}
    assert messages["role-not-allowed"].startswith("relation to region e_antalya (attacker):")
    assert '"attacker" is not a role of MEETING' in messages["role-not-allowed"]
    assert messages["filler-type-not-allowed"].startswith("relation to region e_medinsky (date):")
    assert "PER mention" in messages["filler-type-not-allowed"]
    assert main(["--root", str(repo_copy), "pull", "--project", project.title]) == 1
    err = capsys.readouterr().err
    assert "[role-not-allowed]" in err and "[filler-type-not-allowed]" in err and "region ev_meet" in err


def test_pull_cli_names_the_region_and_exits_1(repo_copy, project, ls_client, capsys):
    task = task_of(ls_client, project.id, ARTICLE)
    ls_client.annotations.create(id=task.id, result=[{
        "id": "r_unknown", "from_name": "entity", "to_name": "text", "type": "labels",
        "value": {"start": 305, "end": 322, "text": "Vladimir Medinsky", "labels": ["NOPE"]}}])

    assert main(["--root", str(repo_copy), "pull", "--project", project.title]) == 1

    assert "region r_unknown" in capsys.readouterr().err
    assert not list((repo_copy / "annotations").glob("*.json")) or snapshot(repo_copy / "annotations")


def test_split_export_refuses_tasks_without_a_usable_article_id():
    task = orjson.loads(FIXTURE.read_bytes())[0]
    escaping = {**task, "id": 7, "data": {**task["data"], "article_id": "../../etc/passwd"}}
    missing = {**task, "id": 8, "data": {"text": task["data"]["text"]}}
    duplicate = {**task, "id": 9}

    files, _, problems = split_export(orjson.dumps([task, escaping, missing, duplicate]))

    assert list(files) == [ARTICLE]
    assert [(p.code, p.field) for p in problems] == [
        ("task-article-id", "data.article_id"), ("task-article-id", "data.article_id"),
        ("duplicate-article", "article_id")]


def test_pull_from_a_saved_export_writes_the_same_file(repo_copy, tmp_path):
    saved = tmp_path / "export.json"
    shutil.copy(FIXTURE, saved)

    assert main(["--root", str(repo_copy), "pull", "--export", str(saved)]) == 0

    written = orjson.loads((repo_copy / "annotations" / f"{ARTICLE}.json").read_bytes())
    expected = orjson.loads(FIXTURE.read_bytes())
    expected[0]["annotations"][0]["completed_by"] = expected[0]["annotations"][0]["completed_by"]["id"]
    assert written == expected       # the same, but the expanded annotator is its id


def test_split_export_keeps_user_ids_and_drops_every_person(tmp_path):
    task = orjson.loads(FIXTURE.read_bytes())[0]
    person = {"id": 4, "email": "marie.dupont@example.org", "first_name": "Marie", "last_name": "Dupont",
              "username": "mdupont", "avatar": "/data/avatars/4.png", "initials": "md"}
    task["annotations"][0]["completed_by"] = person
    task["annotations"][0]["created_username"] = "marie.dupont@example.org, 4"
    task["drafts"] = [{"id": 1, "user": "marie.dupont@example.org", "result": [], "completed_by": person}]
    task["comment_authors"] = [person]
    task["updated_by"] = person

    files, _, problems = split_export(orjson.dumps([task]))

    assert problems == []
    content = files[ARTICLE]
    assert b"@" not in content and b"Marie" not in content and b"mdupont" not in content
    written = orjson.loads(content)[0]
    assert written["annotations"][0]["completed_by"] == 4 and written["updated_by"] == 4
    assert written["drafts"] == [] and written["comment_authors"] == [4]   # drafts: unsubmitted work
    assert written["data"] == task["data"]        # the article's own text is never altered


def test_pull_of_a_real_draft_writes_no_email(repo_copy, project, ls_client):
    """A draft saved in Label Studio (the API the UI autosaves through), pulled: its author is a
    user id in the file, never the e-mail the expanded export carries."""
    task = task_of(ls_client, project.id, ARTICLE)
    results = results_from_tables(fixture_tables(), TAX, ARTICLE)
    ls_client.annotations.create(id=task.id, result=results, ground_truth=True)
    wrapper = ls_client._client_wrapper          # the SDK's own HTTP client: it has no drafts call
    response = wrapper.httpx_client.request(f"api/tasks/{task.id}/drafts", method="POST",
                                            json={"result": results[:3], "lead_time": 5.0})
    assert response.status_code in (200, 201), response.text
    export = orjson.loads(snapshot_export(ls_client, project.id))
    assert b"@" in orjson.dumps(export)           # the server does expand users into e-mails
    pull(Repo(repo_copy), title=project.title)
    content = (repo_copy / "annotations" / f"{ARTICLE}.json").read_bytes()
    assert b"@" not in content
    assert load_corpus(Repo(repo_copy)).problems == []
