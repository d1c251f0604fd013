"""Tables back into Label Studio results: the inverse of convert."""

from __future__ import annotations

from pathlib import Path

import orjson
from helpers import FIXTURES, REPO, taxonomy

from pourparlers.convert import convert_exports
from pourparlers.labelstudio.results import results_from_tables
from pourparlers.raw import load_articles
from pourparlers.repo import Repo

TAX = taxonomy()
EXPORT = FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json"


def _comparable(tables: dict) -> dict[str, list[dict]]:
    dropped = {"source_file", "task_id", "annotation_id", "annotator"}
    return {name: sorted(({k: v for k, v in row.items() if k not in dropped} for row in tables[name].to_pylist()),
                         key=repr)
            for name in ("entities", "events", "event_arguments", "stances")}


def test_results_from_tables_is_the_inverse_of_convert(tmp_path: Path):
    articles, _ = load_articles(Repo(REPO))
    name = f"annotations/{EXPORT.name}"
    first = convert_exports(Repo(REPO), {name: EXPORT}, articles, TAX)
    assert not first.problems
    assert all(first.tables[table].num_rows for table in ("entities", "events", "event_arguments", "stances"))

    task = orjson.loads(EXPORT.read_bytes())[0]
    task["annotations"] = [{**task["annotations"][0],
                            "result": results_from_tables(first.tables, TAX, "pp-0a488f442605")}]
    again = tmp_path / EXPORT.name
    again.write_bytes(orjson.dumps([task]))
    second = convert_exports(Repo(REPO), {name: again}, articles, TAX)
    assert not second.problems
    assert _comparable(second.tables) == _comparable(first.tables)
