"""`pourparlers annotate`: bring the Label Studio project in line with the repository.

It makes sure the project exists with the label config generated from `schema/`, refuses a
config change that would orphan values annotators have already used, and imports every
article of `raw/` the project does not have yet: with the annotations of its file in
annotations/ (gold and alternates, each by the pseudonymous account of its annotator, so a
maintainer can review and correct them), else with pre-annotations as predictions. Articles
the project has are left as they are, so a second run changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from pourparlers.corpus import gold, load_corpus
from pourparlers.errors import PourparlersError
from pourparlers.labelstudio import preannotate
from pourparlers.labelstudio.client import PROJECT_TITLE, connect, server_errors
from pourparlers.labelstudio.config import TEXT_DATA_KEY, label_config, orphaned, values_used
from pourparlers.labelstudio.merge import previous_tasks
from pourparlers.people import pseudonym
from pourparlers.repo import Repo
from pourparlers.taxonomy import Taxonomy

DESCRIPTION = ("Entités, événements et positions dans la presse francophone sur les négociations "
               "russo-ukrainiennes de 2025. Projet géré par `pourparlers annotate` : ne modifiez pas "
               "la configuration ici, modifiez schema/taxonomy.yaml.")


class OrphanedLabels(PourparlersError):
    """The new label config would no longer define values that annotations already use."""

    code = "labels-orphaned"


@dataclass
class AnnotateResult:
    url: str
    project_id: int
    project_url: str
    config: str  # "created", "updated" or "unchanged"
    imported: list[dict] = field(default_factory=list)  # one row per imported article
    already: int = 0
    accounts: list[str] = field(default_factory=list)  # pseudonymous annotator accounts created


def find_project(client, title: str = PROJECT_TITLE):
    for project in client.projects.list(title=title):
        if project.title == title:
            return project
    return None


def project_tasks(client, project_id: int) -> list:
    """Every task of the project with its data and annotations (drafts included)."""
    return list(client.tasks.list(project=project_id, fields="all"))


def used_values(tasks: list) -> Counter:
    """(control, value) -> how many result items use it, over annotations and drafts."""
    used: Counter = Counter()
    for task in tasks:
        for annotation in [*(task.annotations or []), *(task.drafts or [])]:
            result = annotation.get("result") if isinstance(annotation, dict) else getattr(annotation, "result", None)
            for item in result or []:
                used.update(values_used([item]))
    return used


def ensure_project(client, taxonomy: Taxonomy, title: str = PROJECT_TITLE) -> tuple[object, str]:
    """The project with the generated config; refuses a change that orphans used values."""
    xml = label_config(taxonomy)
    project = find_project(client, title)
    if project is None:
        project = client.projects.create(title=title, description=DESCRIPTION, label_config=xml,
                                         show_collab_predictions=True)
        return project, "created"
    if (project.label_config or "").strip() == xml.strip():  # the server drops the final newline
        return project, "unchanged"
    lost = orphaned(used_values(project_tasks(client, project.id)), xml)
    if lost:
        raise OrphanedLabels(
            f"the label config generated from schema/ would orphan annotations in project {project.id}: "
            + "; ".join(lost),
            "keep these values in schema/taxonomy.yaml, or relabel the regions in Label Studio first "
            "(a removed value is a MAJOR schema change)")
    client.projects.update(project.id, label_config=xml)
    return client.projects.get(project.id), "updated"


def _task_article_id(task) -> str | None:
    data = task.data if isinstance(task.data, dict) else {}
    return data.get("article_id")


def loaded_annotation(annotation: dict) -> dict:
    """An annotation of annotations/ as Label Studio imports it: its work, its file id (which
    the server keeps as `import_id`, so `pull` gives it back) and its annotator's account."""
    loaded = {"id": annotation.get("id"), "result": annotation.get("result") or [],
              "was_cancelled": bool(annotation.get("was_cancelled")),
              "ground_truth": bool(annotation.get("ground_truth")), "lead_time": annotation.get("lead_time")}
    annotator = annotation.get("completed_by")
    if isinstance(annotator, int) and not isinstance(annotator, bool):
        loaded["completed_by"] = {"email": pseudonym(annotator)}
    return loaded


def ensure_accounts(client, emails: set[str]) -> list[str]:
    """The pseudonymous annotator accounts `emails` on the server (created when missing)."""
    have = {user.email for user in client.users.list()}
    made = []
    for email in sorted(emails):
        if email not in have:
            client.users.create(username=email.split("@")[0], email=email, first_name="Annotator",
                                last_name=email.split("@")[0].removeprefix("annotator-"))
            made.append(email)
    return made


def annotate(repo: Repo, url: str | None = None, use_model: bool = True,
             title: str = PROJECT_TITLE) -> AnnotateResult:
    """Bring the project to the repository's state: create or update it, then import every
    article it lacks, with the annotations of its file in annotations/ (else pre-annotated)."""
    corpus = load_corpus(repo)
    recorded = previous_tasks(repo)
    client, base = connect(repo, url)
    with server_errors(base):
        return _annotate(client, base, corpus, recorded, use_model, title)


def _annotate(client, base: str, corpus, recorded: dict[str, dict], use_model: bool,
              title: str) -> AnnotateResult:
    project, config_state = ensure_project(client, corpus.taxonomy, title)
    have = {_task_article_id(task) for task in project_tasks(client, project.id)}
    articles: pa.Table = corpus.tables["articles"]
    texts = dict(zip(articles["article_id"].to_pylist(), articles["text"].to_pylist(), strict=True))
    sources = []  # built on first use: spaCy's score runs the model over the gold articles
    tasks, rows, annotators = [], [], set()
    for article in articles.to_pylist():
        article_id = article["article_id"]
        if article_id in have:
            continue
        text = article["text"]
        data = {TEXT_DATA_KEY: text, "article_id": article_id, "title": article["title"],
                "source": article["source"], "published": article["published"]}
        filed = [a for a in (recorded.get(article_id) or {}).get("annotations") or [] if isinstance(a, dict)]
        if filed:
            loaded = [loaded_annotation(a) for a in filed]
            annotators |= {a["completed_by"]["email"] for a in loaded if "completed_by" in a}
            tasks.append({"data": data, "annotations": loaded})
            rows.append({"article_id": article_id, "chars": len(text), "annotations": len(loaded),
                         "gazetteer": 0, "spacy": 0})
            continue
        sources = sources or preannotate.sources(gold(corpus.tables).get("entities"), texts, corpus.taxonomy,
                                                 use_model)
        found = {source: source.find(text) for source in sources}
        predictions = [preannotate.prediction(text, f, source, corpus.taxonomy) for source, f in found.items() if f]
        tasks.append({"data": data, "predictions": predictions})
        counts = Counter({source.name: len(f) for source, f in found.items()})
        rows.append({"article_id": article_id, "chars": len(text), "annotations": 0,
                     "gazetteer": counts[preannotate.GAZETTEER], "spacy": counts[preannotate.SPACY]})
    accounts = ensure_accounts(client, annotators) if annotators else []
    if tasks:
        client.projects.import_tasks(id=project.id, request=tasks, return_task_ids=True)
    # The annotator's first annotation starts from the prediction of the project's model version:
    # the first source (the gazetteer, in the corpus's conventions) that suggested anything.
    made = {prediction["model_version"] for task in tasks for prediction in task.get("predictions") or []}
    shown = next((source.model_version for source in sources if source.model_version in made), None)
    if shown:
        client.projects.update(project.id, model_version=shown)
    return AnnotateResult(url=base, project_id=project.id, project_url=f"{base}/projects/{project.id}/data",
                          config=config_state, imported=rows, already=len(have - {None}),
                          accounts=accounts)
