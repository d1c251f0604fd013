"""`pourparlers verify`: a release checked as users download it. A good build and a cut release
verify; each bad case is a small edit of a built release's Parquet file (or of its folder) and
gives the code validate uses (or verify's own, for what crosses configs), at the file, article
and row that hold it. The Hub path runs the unmodified `huggingface_hub` against the loopback
stand-in `tests/hubstandin.py`. `labels.parquet` and `croissant.json` are in
test_verify_root_files.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from helpers import REPO, copy_repository, edit_parquet, hub_env, snapshot

from pourparlers import build as build_module
from pourparlers.build.features import release_features
from pourparlers.cli import main
from pourparlers.release import cut_release
from pourparlers.release.diff import flat_features
from pourparlers.release.root_files import CROISSANT_CHECK, LABEL_TABLE_CHECK
from pourparlers.release.verify import FEATURES_CHECK, MANIFEST_CHECK, READ_CHECK, verify_release
from pourparlers.repo import Repo
from pourparlers.validate.checks import ONE_GOLD
from pourparlers.validate.released import RELEASE_CHECKS

DATE = "2026-11-23"
REPO_ID = "acme/pourparlers"
ENTITIES = "entities/train-00000-of-00001.parquet"
EVENTS = "events/train-00000-of-00001.parquet"
STANCES = "stances/train-00000-of-00001.parquet"
ARTICLES = "articles/train-00000-of-00001.parquet"
DOCUMENTS = "documents/train-00000-of-00001.parquet"
NER = "ner/train-00000-of-00001.parquet"
NER_SENTENCES = "ner_sentences/train-00000-of-00001.parquet"
ANNOTATIONS = "annotations/train-00000-of-00001.parquet"
ACTORS = "actors/train-00000-of-00001.parquet"
CHECKLIST = [FEATURES_CHECK.title, LABEL_TABLE_CHECK.title, CROISSANT_CHECK.title,
             *(check.title for check in RELEASE_CHECKS), READ_CHECK.title]
"""The checklist of a build; a release's starts with the manifest check."""


@pytest.fixture(scope="module")
def text_free(root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("text-free") / "0.1.0"
    build_module.build(Repo(root), "0.1.0", out, text=False)
    return out


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> tuple[Path, Path]:
    """A cut release (with manifest.json) of its own copy: the repository and the release."""
    repo = copy_repository(tmp_path_factory.mktemp("released") / "repo", annotations=True)
    result = cut_release(Repo(repo), bump="minor", date=DATE, repo_id=REPO_ID)
    return repo, result.path


def copy_of(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def found(report) -> list[tuple[str, str, str, str]]:
    return sorted((p.code, p.file, p.article_id, p.region_id) for p in report.problems)


CROISSANT_SAYS_CHANGED = ("croissant-mismatch", "croissant.json", "", "")
"""A build has no manifest: croissant.json, which gives the SHA-256 of every Parquet file, is what
tells that one was edited."""


def croissant_fields(report) -> list[str]:
    return [p.field for p in report.problems if p.code == "croissant-mismatch"]


def first(folder: Path, path: str) -> dict:
    return pq.read_table(folder / path).slice(0, 1).to_pylist()[0]


def taxonomy(root: Path):
    return Repo(root).taxonomy()


# -- releases that verify -------------------------------------------------------------------------


def test_a_fresh_build_verifies_and_says_it_has_no_manifest_to_check(root, built):
    report = verify_release(built, taxonomy(root))
    assert report.problems == [] and report.ok
    assert report.command == "verify"
    assert ("files match manifest.json (SHA-256 of every file, hidden ones too)",
            "a build, not a release: it has no manifest.json") in report.skipped
    assert [title for title, _, _ in report.checks] == CHECKLIST
    assert ONE_GOLD.title in CHECKLIST   # the annotations config holds every layer: it can fail


def test_a_cut_release_verifies_its_files_against_its_manifest(released):
    repo, folder = released
    report = verify_release(folder, taxonomy(repo))
    assert report.problems == [] and report.ok and report.skipped == []
    assert report.checks == [(title, True, 0) for title in [MANIFEST_CHECK.title, *CHECKLIST]]


def test_a_text_free_build_verifies_and_says_what_it_could_not_check(root, text_free):
    report = verify_release(text_free, taxonomy(root))
    assert report.problems == [] and report.ok
    reason = "a text-free release, whose texts are null; offsets were checked against n_chars"
    assert ("span text equals text[start:end]", reason) in report.skipped
    assert ("article text matches its SHA-256 and length", reason) in report.skipped
    assert "offsets are ordered and inside the article text" in [title for title, _, _ in report.checks]


def test_a_text_free_span_past_the_recorded_length_is_out_of_range(root, text_free, tmp_path):
    folder = copy_of(text_free, tmp_path)
    entity, length = first(folder, ENTITIES), None
    for split in ("train", "test"):
        for article in pq.read_table(folder / f"articles/{split}-00000-of-00001.parquet").to_pylist():
            if article["id"] == entity["article_id"]:
                length = article["n_chars"]

    def past_the_end(rows):
        rows[0]["end"] = length + 1

    edit_parquet(folder / ENTITIES, past_the_end)
    report = verify_release(folder, taxonomy(root))
    assert found(report) == [CROISSANT_SAYS_CHANGED, ("offset-range", ENTITIES, entity["article_id"], entity["id"])]
    [problem] = [p for p in report.problems if p.code == "offset-range"]
    assert f"ends after the article text ({length} characters)" in problem.message


# -- bad cases: one small edit of a built release each ---------------------------------------------


def shift_entity_start(folder: Path) -> list[tuple]:
    entity = first(folder, ENTITIES)

    def shift(rows):
        rows[0]["start"] += 1

    edit_parquet(folder / ENTITIES, shift)
    return [("span-text-mismatch", ENTITIES, entity["article_id"], entity["id"])]


def shift_entity_start_in_documents(folder: Path) -> list[tuple]:
    document = first(folder, DOCUMENTS)

    def shift(rows):
        rows[0]["entities"][0]["start"] += 1

    edit_parquet(folder / DOCUMENTS, shift)
    return [("span-text-mismatch", DOCUMENTS, document["id"], document["entities"][0]["id"])]


def duplicate_a_stance_id(folder: Path) -> list[tuple]:
    stance = first(folder, STANCES)

    def duplicate(rows):
        assert rows[1]["article_id"] == rows[0]["article_id"]
        rows[1]["id"] = rows[0]["id"]

    edit_parquet(folder / STANCES, duplicate)
    return [("duplicate-id", STANCES, stance["article_id"], stance["id"])] * 2


def holder_pointing_nowhere(folder: Path) -> list[tuple]:
    stance = first(folder, STANCES)
    assert stance["holder_id"] is not None

    def nowhere(rows):
        rows[0]["holder_id"] = f"{rows[0]['article_id']}:nowhere"

    edit_parquet(folder / STANCES, nowhere)
    return [("dangling-reference", STANCES, stance["article_id"], stance["id"])]


def entity_type_out_of_range(folder: Path) -> list[tuple]:
    entity = first(folder, ENTITIES)

    def out_of_range(rows):
        rows[0]["type"] = 99

    edit_parquet(folder / ENTITIES, out_of_range)
    return [("unknown-label", ENTITIES, entity["article_id"], entity["id"])]


def ner_tag_out_of_range(folder: Path) -> list[tuple]:
    row = first(folder, NER)

    def out_of_range(rows):
        rows[0]["ner_tags"][3] = -1

    edit_parquet(folder / NER, out_of_range)
    return [("unknown-label", NER, row["article_id"], row["id"])]


def argument_text_changed(folder: Path) -> list[tuple]:
    events = pq.read_table(folder / EVENTS).to_pylist()
    index = next(i for i, event in enumerate(events) if event["arguments"])

    def changed(rows):
        rows[index]["arguments"][0]["text"] += "x"

    edit_parquet(folder / EVENTS, changed)
    return [("span-text-mismatch", EVENTS, events[index]["article_id"], events[index]["id"])]


def holder_text_changed(folder: Path) -> list[tuple]:
    stance = first(folder, STANCES)

    def changed(rows):
        rows[0]["holder_text"] = rows[0]["holder_text"].upper()

    edit_parquet(folder / STANCES, changed)
    return [("span-text-mismatch", STANCES, stance["article_id"], stance["id"])]


def event_of_no_article(folder: Path) -> list[tuple]:
    event = first(folder, EVENTS)

    def elsewhere(rows):
        rows[0]["article_id"] = "pp-000000000000"

    edit_parquet(folder / EVENTS, elsewhere)
    # the event and each of its arguments (a row of validate's event_arguments) name no article,
    # and its arguments name entities of its real article, which is no longer its own
    assert event["arguments"]
    return ([("unknown-article", EVENTS, "pp-000000000000", event["id"])] * (1 + len(event["arguments"]))
            + [("dangling-reference", EVENTS, "pp-000000000000", event["id"])] * len(event["arguments"]))


def token_reversed(folder: Path) -> list[tuple]:
    row = first(folder, NER)

    def reversed_(rows):
        rows[0]["token_ends"][5] = rows[0]["token_starts"][5]

    edit_parquet(folder / NER, reversed_)
    return [("offset-order", NER, row["article_id"], "token 5")]


def entity_start_typed_int64(folder: Path) -> list[tuple]:
    table = pq.read_table(folder / ENTITIES)
    index = table.schema.get_field_index("start")
    table = table.set_column(index, pa.field("start", pa.int64()), pc.cast(table["start"], pa.int64()))
    pq.write_table(table, folder / ENTITIES)
    return [("wrong-dtype", ENTITIES, "", "")]


def holder_canonical_id_changed(folder: Path) -> list[tuple]:
    stances = pq.read_table(folder / STANCES).to_pylist()
    index = next(i for i, stance in enumerate(stances) if stance["holder_canonical_id"])

    def changed(rows):
        rows[index]["holder_canonical_id"] = "afp" if rows[index]["holder_canonical_id"] != "afp" else "albanie"

    edit_parquet(folder / STANCES, changed)
    return [("canonical-id-mismatch", STANCES, stances[index]["article_id"], stances[index]["id"])]


def holder_canonical_id_without_holder(folder: Path) -> list[tuple]:
    stances = pq.read_table(folder / STANCES).to_pylist()
    index = next(i for i, stance in enumerate(stances) if stance["holder_id"] is None)

    def given(rows):
        rows[index]["holder_canonical_id"] = "afp"

    edit_parquet(folder / STANCES, given)
    return [("canonical-id-mismatch", STANCES, stances[index]["article_id"], stances[index]["id"])]


def argument_canonical_id_changed(folder: Path) -> list[tuple]:
    events = pq.read_table(folder / EVENTS).to_pylist()
    index = next(i for i, event in enumerate(events) if event["arguments"])

    def changed(rows):
        argument = rows[index]["arguments"][0]
        argument["canonical_id"] = "afp" if argument["canonical_id"] != "afp" else "albanie"

    edit_parquet(folder / EVENTS, changed)
    return [("canonical-id-mismatch", EVENTS, events[index]["article_id"], events[index]["id"])]


def unreferenced(document: dict) -> int:
    """The index of an entity of `document` that no argument or stance names."""
    named = {a["entity_id"] for event in document["events"] for a in event["arguments"]}
    named |= {stance["holder_id"] for stance in document["stances"]}
    return next(i for i, entity in enumerate(document["entities"]) if entity["id"] not in named)


def entity_type_changed_in_documents(folder: Path) -> list[tuple]:
    document = first(folder, DOCUMENTS)
    index = unreferenced(document)

    def retyped(rows):
        entity = rows[0]["entities"][index]
        entity["type"] = (entity["type"] + 1) % len(taxonomy(REPO).entity_types)   # another valid type

    edit_parquet(folder / DOCUMENTS, retyped)
    return [("configs-disagree", DOCUMENTS, document["id"], document["entities"][index]["id"])]


def entity_dropped_from_documents(folder: Path) -> list[tuple]:
    document = first(folder, DOCUMENTS)
    index = unreferenced(document)

    def dropped(rows):
        del rows[0]["entities"][index]

    edit_parquet(folder / DOCUMENTS, dropped)
    # the row the entities config has and documents lacks is named where it is (the same split)
    return [("configs-disagree", ENTITIES, document["id"], document["entities"][index]["id"])]


def gold_polarity_changed_in_annotations(folder: Path) -> list[tuple]:
    annotation = first(folder, ANNOTATIONS)
    assert annotation["layer"] == 0 and annotation["stances"]   # gold

    def changed(rows):
        stance = rows[0]["stances"][0]
        stance["polarity"] = (stance["polarity"] + 1) % len(taxonomy(REPO).polarities)

    edit_parquet(folder / ANNOTATIONS, changed)
    return [("configs-disagree", ANNOTATIONS, annotation["article_id"], annotation["stances"][0]["id"])]


def annotation_id_repeated(folder: Path) -> list[tuple]:
    annotations = pq.read_table(folder / ANNOTATIONS).to_pylist()
    assert annotations[1]["article_id"] == annotations[2]["article_id"]

    def repeated(rows):
        rows[2]["id"] = rows[1]["id"]

    edit_parquet(folder / ANNOTATIONS, repeated)
    return [("duplicate-id", ANNOTATIONS, annotations[1]["article_id"], annotations[1]["id"])] * 2


def sentence_text_changed(folder: Path) -> list[tuple]:
    sentence = first(folder, NER_SENTENCES)

    def changed(rows):
        rows[0]["text"] = rows[0]["text"][1:] + " "

    edit_parquet(folder / NER_SENTENCES, changed)
    return [("span-text-mismatch", NER_SENTENCES, sentence["article_id"], sentence["id"])]


def sentence_token_reversed(folder: Path) -> list[tuple]:
    sentence = first(folder, NER_SENTENCES)

    def reversed_(rows):
        rows[0]["token_ends"][5] = rows[0]["token_starts"][5]

    edit_parquet(folder / NER_SENTENCES, reversed_)
    return [("offset-order", NER_SENTENCES, sentence["article_id"], f"{sentence['id']} token 5")]


BAD = {
    "an entity's start shifted by one": shift_entity_start,
    "an entity's start shifted in documents": shift_entity_start_in_documents,
    "a stance id given to two stances": duplicate_a_stance_id,
    "a holder_id pointing nowhere": holder_pointing_nowhere,
    "an entity type id out of its ClassLabel": entity_type_out_of_range,
    "a ner tag id out of its ClassLabel": ner_tag_out_of_range,
    "an argument text that is not its entity's": argument_text_changed,
    "a holder text that is not its holder's": holder_text_changed,
    "an event naming an article the release lacks": event_of_no_article,
    "a token that ends where it starts": token_reversed,
    "an entity start stored as int64": entity_start_typed_int64,
    "a holder_canonical_id that is not its holder's": holder_canonical_id_changed,
    "a holder_canonical_id on a stance without holder": holder_canonical_id_without_holder,
    "an argument canonical_id that is not its mention's": argument_canonical_id_changed,
    "an entity retyped in documents only": entity_type_changed_in_documents,
    "an entity dropped from documents only": entity_dropped_from_documents,
    "a gold stance's polarity changed in annotations only": gold_polarity_changed_in_annotations,
    "an annotation id given to two annotations": annotation_id_repeated,
    "a sentence text that is not its span": sentence_text_changed,
    "a sentence token that ends where it starts": sentence_token_reversed,
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_release_is_caught_where_it_is(root, built, tmp_path, case):
    folder = copy_of(built, tmp_path)
    before = snapshot(folder)
    expected = BAD[case](folder)
    [edited] = [name for name, data in snapshot(folder).items() if before[name] != data]
    report = verify_release(folder, taxonomy(root))
    assert found(report) == sorted([*expected, CROISSANT_SAYS_CHANGED])
    assert croissant_fields(report) == [f"distribution[{edited}]"]
    assert not report.ok


def test_a_problem_of_a_non_gold_annotation_names_its_released_annotation(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    annotation = pq.read_table(folder / ANNOTATIONS).to_pylist()[1]
    assert annotation["layer"] == 1 and annotation["id"].endswith(":alternate:1")

    def shifted(rows):
        rows[1]["entities"][0]["start"] += 1

    edit_parquet(folder / ANNOTATIONS, shifted)
    [problem] = [p for p in verify_release(folder, taxonomy(root)).problems if p.file == ANNOTATIONS]
    assert (problem.code, problem.article_id, problem.annotation_id, problem.region_id) == (
        "span-text-mismatch", annotation["article_id"], annotation["id"], annotation["entities"][0]["id"])


def test_two_gold_annotations_of_an_article_are_named_by_their_released_ids(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    annotations = pq.read_table(folder / ANNOTATIONS).to_pylist()
    gold, other = annotations[0], annotations[1]
    assert gold["article_id"] == other["article_id"] and (gold["layer"], other["layer"]) == (0, 1)

    def both_gold(rows):
        rows[1]["layer"] = 0

    edit_parquet(folder / ANNOTATIONS, both_gold)
    report = verify_release(folder, taxonomy(root))
    [conflict] = [p for p in report.problems if p.code == "gold-conflict"]
    assert (conflict.file, conflict.article_id) == (ANNOTATIONS, gold["article_id"])
    assert conflict.message == f"article has 2 gold annotations ({other['id']}, {gold['id']})"
    assert (ONE_GOLD.title, False, 1) in report.checks
    # the article's fault is reported where it is, not again as gold rows the gold configs lack
    assert not [p for p in report.problems if p.code == "configs-disagree"]


def test_the_actors_config_is_the_table_of_schema_actors_yaml(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    actors = pq.read_table(folder / ACTORS).to_pylist()
    renamed, dropped, recounted = actors[0], actors[1], actors[2]

    def edited(rows):
        rows[0]["name"] = rows[0]["name"] + " (bis)"
        rows[2]["mentions"] += 1
        rows.append({**rows[1], "canonical_id": "nobody-declared"})
        del rows[1]

    edit_parquet(folder / ACTORS, edited)
    report = verify_release(folder, taxonomy(root))
    said = {p.region_id: p.message for p in report.problems if p.code == "actor-mismatch"}
    assert found(report) == sorted([CROISSANT_SAYS_CHANGED, *(("actor-mismatch", ACTORS, "", key) for key in (
        renamed["canonical_id"], dropped["canonical_id"], recounted["canonical_id"], "nobody-declared"))])
    assert said[renamed["canonical_id"]] == (f'actor "{renamed["canonical_id"]}" has name "{renamed["name"]} (bis)"; '
                                             f'the schema/actors.yaml: "{renamed["name"]}"')
    assert said[recounted["canonical_id"]] == (
        f'actor "{recounted["canonical_id"]}" has mentions {recounted["mentions"] + 1}; the gold entity mentions '
        f'with this canonical id: {recounted["mentions"]}')
    assert said[dropped["canonical_id"]].startswith(f'schema/actors.yaml declares actor "{dropped["canonical_id"]}"')
    assert said["nobody-declared"] == 'actor "nobody-declared" is not declared in schema/actors.yaml'
    shutil.rmtree(folder / "actors")
    report = verify_release(folder, taxonomy(root))
    [problem] = [p for p in report.problems if p.code == "actor-mismatch"]
    assert problem.message == (f"the release has no actors config, and schema/actors.yaml declares "
                               f"{len(taxonomy(root).actors.ids)} actors")
    assert "recordSet[actors]" in croissant_fields(report)   # croissant.json describes it still


def test_a_feature_type_change_names_config_feature_and_both_types(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    entity_start_typed_int64(folder)
    [problem] = [p for p in verify_release(folder, taxonomy(root)).problems if p.code == "wrong-dtype"]
    assert problem.field == "entities.start"
    assert problem.message == "entities.start is Value(int64) in this Parquet file"
    assert problem.expected == "Value(int32)"


def test_a_card_with_other_labels_names_the_labels_added_and_removed(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    card = (folder / "README.md").read_text(encoding="utf-8")
    entity_types = [(config, path) for config, features in release_features(taxonomy(root)).items()
                    for path, feature in flat_features(features.to_dict()).items()
                    if feature == ("labels", taxonomy(root).entity_types)]
    assert card.count("'0': PER\n") == len(entity_types) > 1   # the first is actors' (configs by name)
    (folder / "README.md").write_text(card.replace("'0': PER\n", "'0': PERSON\n", 1), encoding="utf-8")
    problems = verify_release(folder, taxonomy(root)).problems
    assert [(p.code, p.file, p.field) for p in problems] == [("wrong-dtype", "README.md", "actors.type")]
    assert problems[0].message == ("actors.type in the card's dataset_info is not the taxonomy's "
                                   "ClassLabel: labels removed: PER; labels added: PERSON")


def test_a_changed_text_with_its_old_hash_is_a_hash_mismatch(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    article = first(folder, ARTICLES)

    def edited(rows):
        rows[0]["text"] = rows[0]["text"].replace("e", "é", 1)   # same length: offsets still inside

    edit_parquet(folder / ARTICLES, edited)
    report = verify_release(folder, taxonomy(root))
    assert ("hash-mismatch", ARTICLES, article["id"], "") in found(report)
    # the spans of the flat configs that cover the edited character no longer match, in that article only
    assert {(p.code, p.article_id) for p in report.problems} == {
        ("hash-mismatch", article["id"]), ("span-text-mismatch", article["id"]), ("croissant-mismatch", "")}
    assert not any(p.file.startswith("documents/") for p in report.problems)


# -- the files: manifest, Parquet files the taxonomy does not know, unreadable files ----------------


@pytest.mark.parametrize("extra", ["notes.txt", ".hidden/x.bin"])
def test_a_file_the_manifest_does_not_list_is_a_release_mismatch(released, tmp_path, extra):
    repo, release = released
    folder = copy_of(release, tmp_path)
    (folder / extra).parent.mkdir(parents=True, exist_ok=True)
    (folder / extra).write_bytes(b"not vouched for")
    report = verify_release(folder, taxonomy(repo))
    assert found(report) == [("release-mismatch", extra, "", "")]
    assert report.problems[0].message == f"{extra} is not in manifest.json: a file the release does not vouch for"


def test_an_edited_release_fails_its_manifest_and_its_tables(released, tmp_path):
    repo, release = released
    folder = copy_of(release, tmp_path)
    expected = shift_entity_start(folder)
    (folder / "CITATION.cff").unlink()
    report = verify_release(folder, taxonomy(repo))
    assert found(report) == sorted([*expected, ("release-mismatch", "CITATION.cff", "", ""),
                                    ("release-mismatch", ENTITIES, "", "")])
    said = {p.file: p.message for p in report.problems if p.code == "release-mismatch"}
    assert said["CITATION.cff"] == "CITATION.cff is listed in manifest.json but missing from the release"
    assert said[ENTITIES].startswith(f"{ENTITIES} changed since the release was cut")


def test_parquet_files_outside_the_declared_configs_are_left_to_the_manifest(root, built, released, tmp_path):
    extra = "extra/entities.parquet"
    folder = copy_of(built, tmp_path / "build")
    (folder / "extra").mkdir()
    shutil.copy2(folder / ENTITIES, folder / extra)
    report = verify_release(folder, taxonomy(root))
    assert report.problems == []
    assert ("Parquet files outside the configs of schema/taxonomy.yaml",
            f"{extra}: not checked (no manifest)") in report.skipped
    repo, release = released
    folder = copy_of(release, tmp_path / "release")
    (folder / "extra").mkdir()
    shutil.copy2(folder / ENTITIES, folder / extra)
    report = verify_release(folder, taxonomy(repo))
    assert found(report) == [("release-mismatch", extra, "", "")]
    assert ("Parquet files outside the configs of schema/taxonomy.yaml",
            f"{extra}: covered by the manifest only") in report.skipped


def test_a_config_declared_later_is_checked_without_a_change(root, built, tmp_path, monkeypatch):
    """A config the taxonomy's release features declare (here one added by the test) gets its
    features, ids, articles and label ids checked, though verify knows nothing of it."""
    from datasets import ClassLabel, Features, Value

    from pourparlers.build import features as features_module

    declared = features_module.release_features

    def with_relations(taxonomy):
        return {**declared(taxonomy), "relations": Features(
            {"id": Value("string"), "article_id": Value("string"), "kind": ClassLabel(names=["person", "body"])})}

    monkeypatch.setattr(features_module, "release_features", with_relations)
    folder = copy_of(built, tmp_path)
    article = first(folder, ARTICLES)["id"]
    (folder / "relations").mkdir()
    path = "relations/train-00000-of-00001.parquet"
    schema = with_relations(taxonomy(root))["relations"].arrow_schema
    pq.write_table(pa.Table.from_pylist([
        {"id": "a1", "article_id": article, "kind": 0},
        {"id": "a1", "article_id": article, "kind": 1},
        {"id": "a2", "article_id": "pp-000000000000", "kind": 1},
        {"id": "a3", "article_id": article, "kind": 2},
    ], schema=schema), folder / path)
    report = verify_release(folder, taxonomy(root))
    assert found(report) == sorted([
        ("duplicate-id", path, article, "a1"), ("duplicate-id", path, article, "a1"),
        ("unknown-article", path, "pp-000000000000", "a2"), ("unknown-label", path, article, "a3"),
        ("missing-table", "README.md", "", ""), CROISSANT_SAYS_CHANGED])
    assert croissant_fields(report) == [f"distribution[{path}]"]   # a file croissant.json lacks


def test_a_file_that_is_not_parquet_is_unreadable_and_its_tables_not_checked(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    (folder / ENTITIES).write_bytes(b"PAR1 but not Parquet")
    report = verify_release(folder, taxonomy(root))
    assert found(report) == [CROISSANT_SAYS_CHANGED, ("release-unreadable", ENTITIES, "", "")]
    assert ("ids are unique", False, 0) in report.checks            # not run: never shown as passed
    assert (READ_CHECK.title, False, 1) in report.checks


def test_a_parquet_file_with_damaged_pages_is_unreadable_and_its_tables_not_checked(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    data = bytearray((folder / ENTITIES).read_bytes())
    data[8:2000] = bytes(1992)                     # the pages; the footer (schema) stays readable
    (folder / ENTITIES).write_bytes(bytes(data))
    report = verify_release(folder, taxonomy(root))
    assert found(report) == [CROISSANT_SAYS_CHANGED, ("release-unreadable", ENTITIES, "", "")]
    assert report.problems[1].message.startswith("its rows cannot be read: ")
    assert ("span text equals text[start:end]", False, 0) in report.checks


def test_a_card_whose_yaml_cannot_be_read_is_unreadable(root, built, tmp_path):
    folder = copy_of(built, tmp_path)
    card = (folder / "README.md").read_text(encoding="utf-8")
    (folder / "README.md").write_text(card.replace("dataset_info:\n", "dataset_info: [\n", 1), encoding="utf-8")
    report = verify_release(folder, taxonomy(root))
    assert found(report) == [("release-unreadable", "README.md", "", "")]


# -- the command --------------------------------------------------------------------------------


def test_verify_prints_the_checklist_and_every_problem_and_exits_1(root, built, tmp_path, capsys):
    assert main(["--root", str(root), "verify", str(built)]) == 0
    assert capsys.readouterr().out.startswith(f"verify: all {len(CHECKLIST)} checks passed\n")
    folder = copy_of(built, tmp_path)
    [(code, file, article, region)] = holder_pointing_nowhere(folder)
    assert main(["--root", str(root), "verify", str(folder)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"verify: 2 of {len(CHECKLIST)} checks failed, 2 problems\n")   # and croissant.json
    assert "  ✗ references resolve within their annotation: 1 problem\n" in out
    assert f"  ✗ {CROISSANT_CHECK.title}: 1 problem\n" in out
    assert (f"  {file}, article {article}, region {region}: [{code}] holder_id \"{article}:nowhere\" should "
            "name an entity mention of the same annotation but does not exist") in out
    assert main(["--root", str(root), "verify", str(folder), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and [p["code"] for p in data["problems"]] == ["croissant-mismatch", code]
    assert data["skipped"][0]["reason"] == "a build, not a release: it has no manifest.json"
    assert main(["--root", str(root), "verify", str(folder), "--format", "github"]) == 1
    assert f"::error file={file},title=pourparlers verify%3A {code}::" in capsys.readouterr().out


def test_verify_refuses_what_is_neither_a_release_folder_nor_a_repo_id(root, built, capsys):
    assert main(["--root", str(root), "verify", str(built / "README.md")]) == 1
    assert f"Error [verify-refused]: {built / 'README.md'} is a file, not a release folder" in capsys.readouterr().err
    assert main(["--root", str(root), "verify", str(built), "--revision", "v0.1.0"]) == 1
    assert "Error [verify-refused]: --revision v0.1.0 names a revision of a Hub repo" in capsys.readouterr().err
    missing = str(built.parent / "no" / "such" / "release")
    assert main(["--root", str(root), "verify", missing]) == 1
    said = capsys.readouterr().err
    assert f"Error [repo-id-invalid]: {missing} is no folder here, and not a Hub repo id either" in said


# -- the Hub --------------------------------------------------------------------------------------


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pourparlers", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_published_release_verifies_from_the_hub_at_its_tag(released, hub, tmp_path):
    repo, _ = released
    env = hub_env(hub, tmp_path / "hf-home", "hf_standin_secret_token")
    published = run(["--root", str(repo), "publish"], env)
    assert published.returncode == 0, published.stderr
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    done = run(["--root", str(repo), "verify", REPO_ID, "--revision", "v0.1.0"], {**env, "TMPDIR": str(temporary)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"verify: all {len(CHECKLIST) + 1} checks passed\n")   # the manifest's too
    assert "  ✓ files match manifest.json (SHA-256 of every file, hidden ones too)\n" in done.stdout
    assert "not checked" not in done.stdout     # .gitattributes and the download cache are the Hub's
    assert not list(temporary.glob("pourparlers-verify-*"))   # the download was removed
    assert hub.repos[REPO_ID].tags["v0.1.0"]

    unknown = run(["--root", str(repo), "verify", REPO_ID, "--revision", "v9.9.9"], env)
    assert unknown.returncode == 1
    assert f"Error [verify-refused]: the dataset repo {REPO_ID} on {hub.endpoint} has no revision 'v9.9.9'" \
        in unknown.stderr
    nowhere = run(["--root", str(repo), "verify", "acme/nothing-here"], env)
    assert nowhere.returncode == 1
    assert f"Error [verify-refused]: acme/nothing-here is no folder here, and {hub.endpoint} has no dataset repo" \
        in nowhere.stderr
    assert hub.unhandled == []
