"""The corpus's actors (schema/actors.yaml): declared once, checked as read, every canonical id of
annotations/ among them; a broken file is an `ActorsError` (`actors-invalid`) naming the YAML path."""

from __future__ import annotations

import pytest
import yaml
from helpers import REPO, taxonomy

from pourparlers.actors import ActorsError, parse_actors
from pourparlers.cli import main
from pourparlers.corpus import load_corpus
from pourparlers.repo import Repo

RAW = yaml.safe_load((REPO / "schema" / "actors.yaml").read_text(encoding="utf-8"))


def test_every_canonical_id_of_the_annotations_is_declared_once_with_its_mentions_type():
    actors = taxonomy().actors
    entities = load_corpus(Repo(REPO)).tables["entities"].to_pylist()
    used = {row["canonical_id"]: row["type"] for row in entities if row["canonical_id"]}
    assert set(used) == set(actors.ids)
    declared = {row["canonical_id"]: row["type"] for row in actors.rows()}
    assert {key: (declared[key], kind) for key, kind in used.items() if declared[key] != kind} == {}


def test_no_external_id_is_claimed_without_verification():
    assert [row for row in taxonomy().actors.rows() if row["external_ids"]] == []


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["actors"]["russie"].update(type="COUNTRY"), r"actors\.russie\.type: 'COUNTRY' is not an entity type"),
    (lambda d: d["actors"]["russie"].pop("name"), r"actors\.russie\.name: Field required"),
    (lambda d: d["actors"]["russie"].update(wikidata="Q159"), r"actors\.russie\.wikidata: Extra inputs"),
    (lambda d: d["actors"].update({"vladimir poutine": {"name": "x", "type": "PER"}}),
     r"actors\.vladimir poutine\.\[key\]: String should match"),
])
def test_a_broken_actors_table_is_refused_with_its_yaml_path(edit, message):
    data = yaml.safe_load(yaml.safe_dump(RAW, allow_unicode=True))
    edit(data)
    with pytest.raises(ActorsError, match=message):
        parse_actors(data, taxonomy().entity_types)


def test_a_command_reports_a_broken_actors_file_without_traceback(repo_copy, capsys):
    (repo_copy / "schema" / "actors.yaml").write_text("actors: [unclosed\n", encoding="utf-8")
    assert main(["--root", str(repo_copy), "validate"]) == 1
    err = capsys.readouterr().err
    assert "Error [actors-invalid]: schema/actors.yaml: not valid YAML at line 2" in err
    assert "Traceback" not in err
