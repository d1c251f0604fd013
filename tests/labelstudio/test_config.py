"""The Label Studio config generated from the taxonomy: every label, choice and relation of the
taxonomy and nothing else, in the layout annotators need."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import yaml
from helpers import REPO, taxonomy

from pourparlers.labelstudio.config import label_config
from pourparlers.taxonomy import Taxonomy, parse_taxonomy

TAX = taxonomy()
CONTROLS = TAX.controls
LABEL_CONFIG = REPO / "schema" / "label_config.xml"


@pytest.fixture(scope="module")
def root() -> ET.Element:
    return ET.fromstring(label_config(TAX))


def control(root: ET.Element, tag: str, name: str) -> ET.Element:
    found = root.findall(f".//{tag}[@name='{name}']")
    assert len(found) == 1, f"expected one <{tag} name={name!r}>, found {len(found)}"
    return found[0]


def values(node: ET.Element, child: str) -> list[str]:
    return [item.get("value") for item in node.findall(child)]


def with_raw(edit) -> Taxonomy:
    raw = yaml.safe_load((REPO / "schema" / "taxonomy.yaml").read_text(encoding="utf-8"))
    edit(raw)
    return parse_taxonomy(raw)


def test_checked_in_config_is_up_to_date():
    checked_in = LABEL_CONFIG.read_text(encoding="utf-8")
    assert checked_in == label_config(TAX), (
        "schema/label_config.xml is stale: run `pourparlers schema` and commit the result")


def test_span_labels_match_the_taxonomy_exactly(root):
    assert values(control(root, "Labels", CONTROLS["entity"]), "Label") == list(TAX.entity_types)
    assert values(control(root, "Labels", CONTROLS["event"]), "Label") == list(TAX.event_types)
    assert values(control(root, "Labels", CONTROLS["stance"]), "Label") == [
        CONTROLS["stance_label"]
    ]
    assert len(root.findall(".//Labels")) == 3
    assert len(root.findall(".//Label")) == len(TAX.entity_types) + len(TAX.event_types) + 1


def test_choices_match_the_taxonomy_exactly(root):
    expected = {
        CONTROLS["realis"]: TAX.realis,
        CONTROLS["stance_target"]: TAX.stance_targets,
        CONTROLS["stance_polarity"]: TAX.polarities,
        CONTROLS["stance_attribution"]: TAX.attributions,
    }
    found = {node.get("name"): values(node, "Choice") for node in root.iter("Choices")}
    assert found == {name: list(labels) for name, labels in expected.items()}
    assert len(list(root.iter("Choice"))) == sum(len(labels) for labels in expected.values())


def test_relations_match_the_taxonomy_exactly(root):
    relations = root.findall(".//Relations")
    assert len(relations) == 1
    assert values(relations[0], "Relation") == list(TAX.relation_labels)
    assert CONTROLS["holder_relation"] in TAX.relation_labels
    assert len(list(root.iter("Relation"))) == len(TAX.relation_labels)


def test_every_control_points_at_the_one_text(root):
    texts = list(root.iter("Text"))
    assert [(t.get("name"), t.get("value")) for t in texts] == [(CONTROLS["text"], "$text")]
    named = [node for node in root.iter() if node.get("toName") is not None]
    assert {node.get("toName") for node in named} == {CONTROLS["text"]}
    names = [node.get("name") for node in named]
    assert len(names) == len(set(names))
    span_and_region = {
        key: CONTROLS[key]
        for key in ("entity", "event", "stance", "realis", "stance_target", "stance_polarity",
                    "stance_attribution", "canonical_id")
    }
    assert set(names) == set(span_and_region.values())


def test_text_keeps_default_granularity(root):
    """Word granularity swallows French elisions: selecting « échange » gave « l’échange »."""
    xml = label_config(TAX)
    assert 'granularity="word"' not in xml
    assert all(node.get("granularity") in (None, "symbol") for node in root.iter())


def test_labels_have_hints_and_distinct_colours(root):
    labels = list(root.iter("Label"))
    colours = [label.get("background") for label in labels]
    assert all(c and c.startswith("#") and len(c) == 7 for c in colours)
    assert len(set(colours)) == len(colours)
    by_value = {label.get("value"): label.get("hint") for label in labels}
    for item in [*TAX.spec.entity_types, *TAX.spec.event_types]:
        assert item.en in by_value[item.name]
        assert item.fr in by_value[item.name]
    assert "participant (PER/ORG/GPE/NORP)" in by_value["MEETING"]
    assert all(choice.get("hint") for choice in root.iter("Choice"))


def test_colours_stay_put_when_a_label_is_appended():
    before = ET.fromstring(label_config(TAX))
    extra = {"name": "ZZZ", "coarse": "MISC", "fr": "Essai.", "en": "Test.", "example": "x"}
    after = ET.fromstring(label_config(with_raw(lambda raw: raw["entity_types"].append(extra))))
    old = {node.get("value"): node.get("background") for node in before.iter("Label")}
    new = {node.get("value"): node.get("background") for node in after.iter("Label")}
    assert {key: new[key] for key in old} == old
    assert new["ZZZ"] not in old.values()


def test_per_region_views_sit_before_the_text_in_a_side_column(root):
    order = list(root.iter())
    text = control(root, "Text", CONTROLS["text"])
    conditional = [node for node in order if node.get("visibleWhen") == "region-selected"]
    assert conditional
    assert all(order.index(node) < order.index(text) for node in conditional)
    columns = next(node for node in root.iter("View") if "display: flex" in node.get("style", ""))
    side, main = list(columns)
    assert "sticky" in side.get("style")
    assert text in list(main.iter())
    assert {n.get("name") for n in side.iter() if n.get("perRegion") == "true"} == {
        CONTROLS[key]
        for key in ("realis", "stance_target", "stance_polarity", "stance_attribution",
                    "canonical_id")
    }


def test_per_region_views_show_for_the_right_labels(root):
    def shown_for(name: str) -> tuple[str, set[str]]:
        view = next(v for v in root.iter("View") if v.find(f"*[@name='{name}']") is not None)
        assert view.get("visibleWhen") == "region-selected"
        return view.get("whenTagName"), set(view.get("whenLabelValue").split(","))

    assert shown_for(CONTROLS["realis"]) == (CONTROLS["event"], set(TAX.event_types))
    for key in ("stance_target", "stance_polarity", "stance_attribution"):
        assert shown_for(CONTROLS[key]) == (CONTROLS["stance"], {CONTROLS["stance_label"]})
    assert shown_for(CONTROLS["canonical_id"]) == (CONTROLS["entity"], set(TAX.entity_types))


def test_required_choices_carry_their_own_condition(root):
    """Label Studio's required check skips a region only on the control's own whenLabelValue:
    on the View alone, every entity region would have to get a realis before submit."""
    for choices in root.iter("Choices"):
        assert choices.get("perRegion") == "true"
        assert choices.get("required") == "true"
        assert choices.get("visibleWhen") == "region-selected"
        assert choices.get("whenTagName")
        assert choices.get("whenLabelValue")


def test_canonical_id_textarea(root):
    area = control(root, "TextArea", CONTROLS["canonical_id"])
    assert area.attrib == {
        "name": CONTROLS["canonical_id"],
        "toName": CONTROLS["text"],
        "perRegion": "true",
        "maxSubmissions": "1",
        "editable": "true",
        "placeholder": "identifiant du corpus, ex. vladimir-poutine",
    }
    assert area.get("required") is None


def test_instructions_sit_in_a_panel_that_starts_collapsed(root):
    """The article, not the instructions, is what an annotator sees on opening a task."""
    (collapse,) = root.findall("Collapse")
    (panel,) = collapse.findall("Panel")
    assert collapse.get("open") in (None, "false") and panel.get("open") in (None, "false")
    instructions = "".join(node.text or "" for node in panel.iter("Markdown"))
    assert "sélectionnez le passage" in instructions
    assert CONTROLS["stance_label"] in instructions and TAX.holderless_attribution in instructions
    outside = [node for node in root.iter() if node not in set(panel.iter())]
    assert all(len(node.get("value") or "") <= 60 for node in outside if node.tag == "Header")
    assert all(len(node.text or "") <= 80 for node in outside if node.tag == "Markdown")


def test_stance_polarity_and_attribution_come_before_a_compact_target_list(root):
    stance_view = next(v for v in root.iter("View") if v.get("whenTagName") == CONTROLS["stance"])
    layouts = {node.get("name"): node.get("layout") for node in stance_view.iter("Choices")}
    assert list(layouts) == [CONTROLS[key] for key in ("stance_polarity", "stance_attribution", "stance_target")]
    assert layouts[CONTROLS["stance_target"]] == "select"


def test_quotes_apostrophes_and_markup_in_definitions_are_escaped():
    tricky = "L'« accord » <signé> & \"paraphé\" d’ici"

    def edit(raw):
        raw["entity_types"][0]["fr"] = tricky
        raw["realis"][0]["fr"] = tricky

    parsed = ET.fromstring(label_config(with_raw(edit)))
    assert tricky in control(parsed, "Labels", CONTROLS["entity"]).find("Label").get("hint")
    assert tricky in control(parsed, "Choices", CONTROLS["realis"]).find("Choice").get("hint")
