"""`pourparlers pull`: the Label Studio project back into `annotations/`, one file per article.

A full snapshot export (predictions expanded) is split by task, stripped of volatile fields,
of drafts and of every person's e-mail and name, merged into the article's file (an unchanged
annotation is kept as the file has it: `merge`), and written with a fixed layout, so a git diff
shows only real changes. Before anything is written, pull checks that the files hold every
annotation the export had, that no file would lose annotations or regions it had before
(unless forced), and that the new files convert and validate; then each file is replaced
atomically.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from pourparlers import atomic
from pourparlers.corpus import annotation_files, load_corpus
from pourparlers.errors import InvalidData, PourparlersError, Problem, problem
from pourparlers.labelstudio.annotate import find_project
from pourparlers.labelstudio.client import PROJECT_TITLE, connect, server_errors
from pourparlers.labelstudio.merge import by_id, merged_task, previous_tasks
from pourparlers.people import AmbiguousAnnotator, annotator_ids, anonymous, renumbered, user_ids_in, users_in
from pourparlers.raw import check_article_id
from pourparlers.repo import Repo

VOLATILE = frozenset({"created_ago"})
"""Keys whose value changes without any change to the data (a localized "3 minutes")."""
EXPORT_TIMEOUT = 120.0
# Users expanded so that an account's e-mail says which annotator number it stands for; the
# e-mails are dropped before anything is written.
SERIALIZATION = {"predictions": {"only_id": False}, "drafts": {"only_id": False},
                 "annotations__completed_by": {"only_id": False}}


class PullRefused(PourparlersError):
    """Pull would lose annotations or regions, or found the export inconsistent."""

    code = "pull-refused"


@dataclass
class PullResult:
    project_id: int
    written: list[dict] = field(default_factory=list)  # one row per article file
    unannotated: list[str] = field(default_factory=list)


def without_volatile(value):
    if isinstance(value, dict):
        return {key: without_volatile(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(item) for item in value]
    return value


def normalize_task(task: dict, annotators: Mapping[int, int] | None = None) -> dict:
    """A task with volatile fields and every person's e-mail and name dropped, user ids as
    annotator numbers (`people.annotator_ids`), and its lists in id order."""
    task = renumbered(anonymous(without_volatile(task)), annotators or {})
    for key in ("annotations", "predictions", "drafts"):
        if isinstance(task.get(key), list):
            task[key] = by_id(task[key])
    return task


def dumps(tasks: list[dict]) -> bytes:
    """The file layout: indented, but each result item on one line, so a diff line is a region.

    Same data, same bytes: keys keep Label Studio's order, non-ASCII text is kept as is.
    """
    items: list[str] = []

    def mark(value):
        if isinstance(value, dict):
            return {key: ([_keep(items, item) for item in child] if key == "result" and isinstance(child, list)
                          else mark(child)) for key, child in value.items()}
        if isinstance(value, list):
            return [mark(child) for child in value]
        return value

    text = json.dumps(mark(tasks), ensure_ascii=False, indent=1)
    text = _MARK.sub(lambda match: items[int(match.group(1))], text)
    return (text + "\n").encode("utf-8")


_MARK = re.compile(r'"\\u0000(\d+)\\u0000"')


def _keep(items: list[str], item) -> str:
    items.append(json.dumps(item, ensure_ascii=False))
    return f"\x00{len(items) - 1}\x00"


def counts(task: dict) -> tuple[int, int]:
    """(annotations, result items) of a task: what must never shrink silently."""
    annotations = task.get("annotations") or []
    return len(annotations), sum(len(a.get("result") or []) for a in annotations if isinstance(a, dict))


def snapshot_export(client, project_id: int, timeout: float = EXPORT_TIMEOUT) -> bytes:
    """A full JSON snapshot of every task, predictions and drafts expanded."""
    export = client.projects.exports.create(project_id, title="pourparlers pull",
                                            serialization_options=SERIALIZATION)
    deadline = time.monotonic() + timeout
    while True:
        status = client.projects.exports.get(project_id, export.id).status
        if status == "completed":
            break
        if status == "failed" or time.monotonic() > deadline:
            raise PullRefused(f"the Label Studio export {export.id} of project {project_id} ended as {status!r}",
                              "look at the server log (.labelstudio/server.log) and run pull again")
        time.sleep(0.3)
    return b"".join(client.projects.exports.download(project_id, export.id, export_type="JSON"))


def split_export(payload: bytes, previous: Mapping[str, dict] | None = None,
                 users: Mapping[int, str] | None = None,
                 source: str = "export") -> tuple[dict[str, bytes], list[str], list[Problem]]:
    """Export bytes -> {article_id: file bytes}, unannotated article ids, problems.

    `previous` holds the task of each article's file (what `merge` keeps), `users` the server's
    accounts (id -> e-mail; expanded users of the export are read too).
    """
    try:
        tasks = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise PullRefused(f"the Label Studio export is not valid JSON ({error})", "run pull again") from None
    if not isinstance(tasks, list):
        raise PullRefused("the Label Studio export is not a list of tasks", "use the JSON export format")
    previous = previous or {}
    annotators = _annotators({**users_in(tasks), **(users or {})}, tasks)
    files: dict[str, bytes] = {}
    unannotated: list[str] = []
    problems: list[Problem] = []
    for task in tasks:
        data = task.get("data") if isinstance(task, dict) else None
        article_id = data.get("article_id") if isinstance(data, dict) else None
        task_id = task.get("id") if isinstance(task, dict) else None
        try:
            check_article_id(article_id)
        except PourparlersError as error:
            problems.append(problem("task-article-id", f"task {task_id} has no valid data.article_id ({error})",
                                    file=source, expected="an article id like pp-0123456789ab",
                                    field="data.article_id",
                                    hint="import articles with `pourparlers annotate`, not by hand"))
            continue
        if article_id in files:
            problems.append(problem("duplicate-article", f"two tasks hold article {article_id}", file=source,
                                    article_id=article_id, expected="one task per article",
                                    hint="delete the duplicate task in Label Studio (keep the annotated one)"))
            continue
        if not task.get("annotations") and article_id not in previous:
            unannotated.append(article_id)
            continue
        merged = merged_task(normalize_task(task, annotators), previous.get(article_id))
        content = dumps([merged])
        if orjson.loads(content) != [merged] or counts(merged)[0] != counts(task)[0]:
            raise PullRefused(f"task {task_id} (article {article_id}) changed while being formatted",
                              "this is a bug in pourparlers: report it")
        files[article_id] = content
    return files, sorted(unannotated), problems


def _annotators(users: Mapping[int, str], tasks: list) -> dict[int, int]:
    """Annotator numbers of the accounts the export refers to (`people.annotator_ids`)."""
    referred = user_ids_in(anonymous(tasks))
    try:
        return annotator_ids({user: email for user, email in users.items() if user in referred})
    except AmbiguousAnnotator as error:
        raise PullRefused(f"{error}: annotations/ cannot tell them apart",
                          "in Label Studio, give the account that is not the pseudonymous one another "
                          "id: create a new account for that person and reassign its annotations") from None


def check_files(repo: Repo, files: dict[str, bytes]) -> list[Problem]:
    """Convert and validate the new files as they would sit in annotations/: the problems of
    the pulled articles and of their files (raw/ problems of other articles are validate's)."""
    with tempfile.TemporaryDirectory() as staging:
        exports = {}
        for article_id, content in files.items():
            path = Path(staging) / f"{article_id}.json"
            path.write_bytes(content)
            exports[repo.relative(repo.annotations / path.name)] = path
        report = load_corpus(repo, exports).report
    return [p for p in report.problems if p.article_id in files or p.file in exports]


def losses(repo: Repo, files: dict[str, bytes]) -> list[str]:
    """Files that would end with fewer annotations or regions than they have now."""
    shrinking = []
    for article_id, content in files.items():
        path = repo.annotations / f"{article_id}.json"
        if not path.exists():
            continue
        try:
            before = [counts(task) for task in orjson.loads(path.read_bytes())]
        except (orjson.JSONDecodeError, AttributeError, TypeError):
            continue  # an unreadable file is what validate reports; the pull repairs it
        after = counts(orjson.loads(content)[0])
        had = tuple(map(sum, zip(*before, strict=True))) if before else (0, 0)
        if after[0] < had[0] or after[1] < had[1]:
            shrinking.append(f"{repo.relative(path)}: {had[0]} annotation(s) with "
                             f"{had[1]} result item(s) now, {after[0]} with {after[1]} in Label Studio")
    return shrinking


def pull(repo: Repo, url: str | None = None, force: bool = False, payload: bytes | None = None,
         title: str = PROJECT_TITLE) -> PullResult:
    """Export the project and write one checked file per annotated article, atomically.

    `payload` replaces the download (an export saved earlier); everything else is the same.
    """
    project_id, users = 0, {}
    if payload is None:
        client, base = connect(repo, url)
        with server_errors(base):
            project = find_project(client, title)
            if project is None:
                raise PourparlersError(f"no project {title!r} on the server", "run `pourparlers annotate` first",
                                       code="labelstudio-error")
            project_id = project.id
            payload = snapshot_export(client, project_id)
            users = {user.id: user.email for user in client.users.list()}
    files, unannotated, problems = split_export(payload, previous_tasks(repo), users)
    problems += check_files(repo, files)
    if problems:
        raise InvalidData(problems, "fix the regions in Label Studio and pull again; annotations/ is unchanged")
    shrinking = losses(repo, files)
    if shrinking and not force:
        raise PullRefused("pull would replace files by versions with fewer annotations or regions: "
                          + "; ".join(shrinking),
                          "check the Label Studio project (was it re-created?); pass --force to accept the loss")
    result = PullResult(project_id=project_id, unannotated=unannotated)
    existing = {path.stem for path in annotation_files(repo).values()}
    for article_id, content in sorted(files.items()):
        path = repo.annotations / f"{article_id}.json"
        state = "new" if article_id not in existing else (
            "unchanged" if path.read_bytes() == content else "updated")
        if state != "unchanged":
            atomic.write_bytes(path, content)
        n_annotations, n_items = counts(orjson.loads(content)[0])
        result.written.append({"article_id": article_id, "state": state, "annotations": n_annotations,
                               "result_items": n_items})
    return result
