"""The taxonomy: parsed and checked from schema/taxonomy.yaml, with the counts DESIGN.md promises;
a broken file is a `TaxonomyError` naming the YAML path, never a traceback."""

from __future__ import annotations

import pytest
import yaml
from helpers import REPO, taxonomy

from pourparlers.cli import main
from pourparlers.guidelines import WINDOW, article_texts, leaks
from pourparlers.repo import Repo
from pourparlers.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy

RAW = yaml.safe_load((REPO / "schema" / "taxonomy.yaml").read_text(encoding="utf-8"))
ARTICLES = article_texts(Repo(REPO))


def test_taxonomy_v1_has_the_designed_inventory():
    found = taxonomy()
    assert len(found.entity_types) == 11
    assert len(found.event_types) == 13
    assert found.realis == ("ACTUAL", "PLANNED", "HYPOTHETICAL", "NEGATED", "GENERIC")
    assert found.polarities == ("FAVOR", "AGAINST", "CONDITIONAL", "NEUTRAL")
    assert found.polarity_signs == {"FAVOR": "+", "AGAINST": "−", "CONDITIONAL": "±", "NEUTRAL": "="}
    assert found.attributions == ("DIRECT_QUOTE", "INDIRECT_SPEECH", "THIRD_PARTY", "AUTHORIAL")
    assert found.holderless_attribution == "AUTHORIAL"
    assert set(found.coarse_of.values()) <= {"PER", "ORG", "LOC", "MISC", "O"}
    assert found.roles_of["MEETING"]["participant"] == ("PER", "ORG", "GPE", "NORP")
    assert found.ner_tags[:3] == ("O", "B-PER", "I-PER")
    assert found.spacy_types == {"PER": "PER", "ORG": "ORG", "LOC": "GPE"}


def test_realis_and_roles_map_onto_plover_modes_and_slots():
    found = taxonomy()
    assert found.plover_mode_of == {"ACTUAL": None, "PLANNED": "future", "HYPOTHETICAL": "hypothetical",
                                    "NEGATED": "negation", "GENERIC": None}
    slot = found.plover_slot_of
    assert (slot["speaker"], slot["addressee"], slot["location"]) == ("actor", "recipient", "location")
    assert "mediator" not in slot and "date" not in slot
    # every role that only actors fill and that initiates its event is PLOVER's actor
    assert {role for event in found.event_types for role in found.roles_of[event]} >= set(slot)


def test_every_label_has_french_and_english_definitions():
    spec = taxonomy().spec
    items = [*spec.entity_types, *spec.event_types, *spec.realis, *spec.stance.targets,
             *spec.stance.polarities, *spec.stance.attributions]
    assert [item.name for item in items if not item.fr.strip() or not item.en.strip()] == []


def _strings(node: object, where: str = "") -> list[tuple[str, str]]:
    """Every string of the YAML with its path (`stance.targets[root_causes].fr`): definitions,
    examples and any text a later field adds, label names included (they cannot quote)."""
    if isinstance(node, dict):
        return [found for key, value in node.items()
                for found in _strings(value, f"{where}.{key}" if where else str(key))]
    if isinstance(node, list):
        return [found for index, value in enumerate(node) for found in _strings(
            value, f"{where}[{value.get('name', index) if isinstance(value, dict) else index}]")]
    return [(where, node)] if isinstance(node, str) else []


def _quotations(spec: dict) -> list[str]:
    """Each string of `spec` that shares a `WINDOW`-character stretch with an article of raw/,
    literally or folded, as `path (article): stretch`. A string is padded with a space each
    side, as a table cell or a Label Studio hint shows it, so a stretch that only reaches the
    window with the space after it counts too."""
    return [f"{where} ({article}): {leak.text.strip()!r}" for where, text in _strings(spec)
            for article, article_text in ARTICLES.items() for leak in leaks(f" {text} ", article_text)]


def test_no_string_of_the_taxonomy_quotes_an_article():
    """The taxonomy goes to a blind annotator whole (label tables, Label Studio hints): a
    definition or example written from a seed would tell them how their own article was read."""
    assert len(ARTICLES) >= 5
    assert _quotations(RAW) == []


def test_a_definition_or_example_quoting_an_article_is_named_with_its_field_and_article():
    article, text = next(iter(ARTICLES.items()))
    start = next(i for i in range(200, len(text))   # a word of the article, a space 19 characters on
                 if text[i - 1] == text[i + WINDOW - 1] == " " and text[i] != " ")
    short, quote = text[start:start + WINDOW - 1], text[start:start + WINDOW + 10]
    spec = yaml.safe_load(yaml.safe_dump(RAW, allow_unicode=True))
    spec["stance"]["targets"][1]["fr"] = f"négociations ({quote.upper()})"   # case does not hide it
    spec["entity_types"][4]["example"] = short     # 19 characters: the spaces around it complete it
    found = _quotations(spec)
    assert {line.split(" (")[0] for line in found} == {"entity_types[FAC].example",
                                                       "stance.targets[direct_talks].fr"}
    assert f"entity_types[FAC].example ({article}): {short!r}" in found
    assert f"stance.targets[direct_talks].fr ({article}): {quote.upper().strip()!r}" in found


def _broken(edit) -> dict:
    data = yaml.safe_load(yaml.safe_dump(RAW, allow_unicode=True))
    edit(data)
    return data


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["event_types"][0]["roles"].update(participant=["PER", "PERSON"]),
     r"event_types\[MEETING\]\.roles\.participant: unknown 'PERSON'"),
    (lambda d: d["event_types"][0]["roles"].update(participant="ACTORS"),
     r"event_types\[MEETING\]\.roles\.participant: 'ACTORS' is neither a filler group"),
    (lambda d: d["stance"].update(holderless_attribution="VOICE"),
     r"stance\.holderless_attribution: unknown 'VOICE'"),
    (lambda d: d["stance"].pop("holderless_attribution"), r"stance\.holderless_attribution: Field required"),
    (lambda d: d["entity_types"][0].update(name="PER, ORG"), r"entity_types\.0\.name: String should match"),
    (lambda d: d["entity_types"][1].update(name="PER"), r"entity_types: PER declared twice"),
    (lambda d: d["entity_types"][0].update(coarse="PERSON"), r"entity_types\.0: .*coarse type 'PERSON'"),
    (lambda d: d.update(schema_version="1.0"), r"schema_version: String should match"),
    (lambda d: d["controls"].pop("stance_label"), r"controls\.stance_label: Field required"),
    (lambda d: d.update(colours={"PER": "red"}), r"colours: Extra inputs are not permitted"),
    (lambda d: d["preannotation"]["spacy_types"].update(MISC="MISCELLANEOUS"),
     r"preannotation\.spacy_types: unknown 'MISCELLANEOUS'"),
    (lambda d: d["controls"].update(holder_relation="participant"),
     r"controls\.holder_relation 'participant' is also an event role"),
    (lambda d: d["plover_slots"]["actor"].append("speakr"), r"plover_slots: unknown 'speakr'"),
    (lambda d: d["plover_slots"]["recipient"].append("speaker"),
     r"plover_slots: speaker in more than one slot"),
    (lambda d: d.pop("plover_slots"), r"plover_slots: Field required"),
    (lambda d: d["stance"]["polarities"][3].update(sign="+"), r"stance\.polarities: signs \+, −, ±, \+ are not"),
    (lambda d: d["stance"]["polarities"][0].pop("sign"), r"stance\.polarities\.0\.sign: Field required"),
])
def test_a_broken_declaration_is_refused_with_its_yaml_path(edit, message):
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(_broken(edit))


def test_a_file_that_is_not_yaml_names_its_line(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("schema_version: '1.0.0'\ncontrols: [unclosed\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"not valid YAML at line 3, column 1"):
        load_taxonomy(path, "schema/taxonomy.yaml")


def test_a_yaml_list_instead_of_a_mapping_is_refused():
    with pytest.raises(TaxonomyError, match=r"\(top level\): Input should be a valid dictionary"):
        parse_taxonomy(["entity_types"])


@pytest.mark.parametrize("content", [b"controls: [unclosed\n", b"- a list\n", b"\xff\xfe not utf-8",
                                     b"schema_version: '1.0.0'\n"])
def test_every_command_reports_a_broken_taxonomy_without_traceback(repo_copy, capsys, content):
    (repo_copy / "schema" / "taxonomy.yaml").write_bytes(content)
    for verb in (["validate"], ["schema", "--check"], ["build", "--out", str(repo_copy / "out")]):
        assert main(["--root", str(repo_copy), *verb]) == 1
        err = capsys.readouterr().err
        assert "Error [taxonomy-invalid]: schema/taxonomy.yaml" in err
        assert "Traceback" not in err
    assert not (repo_copy / "out").exists()
