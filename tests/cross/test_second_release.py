"""The second release, as a new maintainer makes it, end to end against a real Label Studio and
the Hub stand-in: 0.1.0 cut and published; a fresh project shows the corpus annotated; one
region corrected and one new article annotated through the SDK; pull, validate, release --minor
gives 0.2.0 whose changelog lists exactly that; both versions load by tag with
`datasets.load_dataset`, and every annotation that did not change keeps its id.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import orjson
from helpers import SEEDS, copy_repository, hub_env, unique_title

from pourparlers.corpus import load_corpus
from pourparlers.ingest import ingest
from pourparlers.labelstudio.annotate import annotate, find_project
from pourparlers.labelstudio.pull import pull
from pourparlers.release import cut_release
from pourparlers.repo import Repo

REPO_ID = "acme/pourparlers"
TOKEN = "hf_standin_secret_token"
ARTICLE = "pp-b600cefc42ed"
DATE = "2026-12-06"

# Prints {revision: {entity id: row}} of the `entities` config loaded from the Hub by tag.
LOAD = r"""
import json, sys
import datasets
rows = {}
for revision in sys.argv[2:]:
    loaded = datasets.load_dataset(sys.argv[1], "entities", revision=revision)
    rows[revision] = {row["id"]: row for split in loaded.values() for row in split.to_list()}
print(json.dumps(rows, ensure_ascii=False))
"""


def publish(root, env) -> None:
    done = subprocess.run([sys.executable, "-m", "pourparlers", "--root", str(root), "publish"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def lone_entity(result: list[dict], types: set[str]) -> dict:
    """An entity region of one of `types` that no relation, choice or text box refers to."""
    referred = Counter(item.get("id") for item in result if item.get("id"))
    linked = {item.get(end) for item in result if item["type"] == "relation" for end in ("from_id", "to_id")}
    return next(item for item in result if item.get("from_name") == "entity" and item["value"]["labels"][0] in types
                and referred[item["id"]] == 1 and item["id"] not in linked)


def test_the_second_release_round_trips_through_a_fresh_server(tmp_path, hub, ls_env, ls_client, request):
    root = copy_repository(tmp_path / "repo", annotations=True)
    (root / "pyproject.toml").write_text(f'[tool.pourparlers]\nrepo_id = "{REPO_ID}"\n', encoding="utf-8")
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## [0.1.0] - unreleased\n\nThe five seed articles.\n",
                                       encoding="utf-8")
    repo = Repo(root)
    env = hub_env(hub, tmp_path / "hf-home", TOKEN)
    first = cut_release(repo, version="0.1.0", date=DATE)
    assert first.manifest["repo_id"] == REPO_ID
    publish(root, env)

    # A fresh project: the corpus appears annotated.
    title = unique_title(request)
    annotate(repo, title=title, use_model=False)
    project = find_project(ls_client, title)
    tasks = {task.data["article_id"]: task for task in ls_client.tasks.list(project=project.id, fields="all")}
    # Correct one region: a date that was typed as a quantity, or the other way round.
    gold = next(a for a in tasks[ARTICLE].annotations if a["ground_truth"])
    region = lone_entity(gold["result"], {"DATE", "QUANTITY"})
    corrected = {"DATE": "QUANTITY", "QUANTITY": "DATE"}[region["value"]["labels"][0]]
    region["value"]["labels"] = [corrected]
    ls_client.annotations.update(gold["id"], result=gold["result"])
    # Annotate one new article.
    (new,) = ingest([next(SEEDS.glob("001_*.txt"))], repo)
    annotate(repo, title=title, use_model=False)
    task = next(t for t in ls_client.tasks.list(project=project.id, fields="all")
                if t.data["article_id"] == new["article_id"])
    text = task.data["text"]
    regions = [{"id": f"n{index}", "from_name": "entity", "to_name": "text", "type": "labels",
                "value": {"start": text.index(word), "end": text.index(word) + len(word), "text": word,
                          "labels": ["GPE"]}}
               for index, word in enumerate(("Istanbul", "Kiev"))]
    ls_client.annotations.create(id=task.id, result=regions, ground_truth=True)

    pulled = pull(repo, title=title)
    states = {row["article_id"]: row["state"] for row in pulled.written}
    assert states.pop(ARTICLE) == "updated" and states.pop(new["article_id"]) == "new"
    assert set(states.values()) == {"unchanged"}
    assert load_corpus(repo).problems == []

    second = cut_release(repo, bump="minor", date=DATE)
    assert (second.version, second.previous) == ("0.2.0", "0.1.0")
    assert second.diff.articles_added == [new["article_id"]]
    assert not second.diff.articles_removed and not second.diff.articles_changed and not second.diff.schema
    assert second.diff.annotations == {"entities": {"GPE": Counter(added=2), corrected: Counter(changed=1)},
                                       "events": {}, "stances": {}}
    section = (root / "CHANGELOG.md").read_text(encoding="utf-8").split("## [0.2.0]")[1].split("## [0.1.0]")[0]
    assert "- Articles: 1 added, 0 removed, 0 with a changed text." in section
    assert f"| entities | {corrected} | 0 | 0 | 1 |" in section and "| entities | GPE | 2 | 0 | 0 |" in section
    publish(root, env)

    loaded = subprocess.run([sys.executable, "-c", LOAD, REPO_ID, "v0.1.0", "v0.2.0"], env=env,
                            capture_output=True, text=True, timeout=600)
    assert loaded.returncode == 0, loaded.stderr
    rows = json.loads(loaded.stdout)
    before, after = rows["v0.1.0"], rows["v0.2.0"]
    changed = f"{ARTICLE}:{region['id']}"
    assert changed in before and before[changed]["type"] != after[changed]["type"]   # corrected, same id
    assert {key: row for key, row in before.items() if key != changed} == {
        key: row for key, row in after.items() if key != changed and not key.startswith(new["article_id"])}
    assert sorted(key for key in after if key.startswith(new["article_id"])) == [
        f"{new['article_id']}:n0", f"{new['article_id']}:n1"]
    written = orjson.loads((root / "annotations" / f"{new['article_id']}.json").read_bytes())[0]
    assert [a["ground_truth"] for a in written["annotations"]] == [True]
