"""Inter-annotator agreement: hand-checked figures on small tables, then the CLI on an export.

Every expected value is worked out in the comment above its assertion. Spans of the small
cases are offsets into a real seed excerpt (their text only fills the `text` column).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from helpers import FIXTURES

from pourparlers.agreement import agreement
from pourparlers.agreement.compare import annotations_of, compare_entities, select
from pourparlers.agreement.matching import cohen_kappa, match
from pourparlers.cli import main
from pourparlers.errors import PourparlersError
from pourparlers.tables import SCHEMAS

TEXT = (FIXTURES / "validate" / "seed-000-excerpt.txt").read_text(encoding="utf-8")
ARTICLE = "pp-ccee42100b25"


class Ann:
    """One annotation's rows, built region by region, in the layout `convert` produces."""

    def __init__(self, annotation_id: int, layer: str = "gold", annotator: str | None = None,
                 article_id: str = ARTICLE) -> None:
        self.article_id, self.annotation_id = article_id, annotation_id
        self.provenance = {"article_id": article_id, "source_file": f"annotations/{article_id}.json",
                           "task_id": 1, "annotation_id": annotation_id,
                           "annotator": annotator or str(annotation_id), "layer": layer}
        self.rows: dict[str, list[dict]] = {name: [] for name in
                                            ("entities", "events", "event_arguments", "stances")}

    def _id(self, region: str) -> str:
        return f"{self.article_id}:{self.annotation_id}:{region}"

    def _span(self, region: str, start: int, end: int) -> dict:
        return {**self.provenance, "region_id": region, "start": start, "end": end,
                "text": TEXT[start:end], "export_text": TEXT[start:end]}

    def entity(self, region: str, start: int, end: int, type_: str, canonical_id: str | None = None) -> Ann:
        self.rows["entities"].append({**self._span(region, start, end), "mention_id": self._id(region),
                                      "type": type_, "canonical_id": canonical_id})
        return self

    def event(self, region: str, start: int, end: int, type_: str, realis: str | None = None) -> Ann:
        self.rows["events"].append({**self._span(region, start, end), "event_id": self._id(region),
                                    "type": type_, "realis": realis})
        return self

    def argument(self, event: str, role: str, entity: str) -> Ann:
        self.rows["event_arguments"].append({**self.provenance, "region_id": event, "event_id": self._id(event),
                                             "role": role, "mention_id": self._id(entity),
                                             "target_region_id": entity})
        return self

    def stance(self, region: str, start: int, end: int, target: str, polarity: str | None = None,
               attribution: str | None = None, holder: str | None = None) -> Ann:
        self.rows["stances"].append({**self._span(region, start, end), "stance_id": self._id(region),
                                     "holder_id": self._id(holder) if holder else None, "target": target,
                                     "polarity": polarity, "attribution": attribution})
        return self


def tables(*annotations: Ann) -> dict[str, pa.Table]:
    return {name: pa.Table.from_pylist([row for a in annotations for row in a.rows[name]], schema=SCHEMAS[name])
            for name in ("entities", "events", "event_arguments", "stances")}


def run(a: Ann, b: Ann) -> dict:
    """The pooled figures of comparing gold `a` with alternate `b` (one article)."""
    report = agreement(tables(a, b))
    assert len(report.articles) == 1
    return report.as_dict()["pooled"]


# -- Cohen's kappa ----------------------------------------------------------------------------

def test_kappa_on_a_known_confusion_matrix():
    # 50 items:      B yes  B no
    #        A yes     20     5
    #        A no      10    15
    # p_o = 35/50 = 0.7; A says yes 25/50 = 0.5, B 30/50 = 0.6;
    # p_e = 0.5·0.6 + 0.5·0.4 = 0.5; kappa = (0.7 − 0.5) / (1 − 0.5) = 0.4
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_kappa_limits():
    # identical, two labels used: p_o = 1, p_e = 0.5 → 1.0
    assert cohen_kappa([("FAVOR", "FAVOR"), ("AGAINST", "AGAINST")]) == 1.0
    # always crossed: p_o = 0, p_e = 0.5·0.5 + 0.5·0.5 = 0.5 → (0 − 0.5) / 0.5 = −1.0
    assert cohen_kappa([("FAVOR", "AGAINST"), ("AGAINST", "FAVOR")]) == -1.0
    # one label on both sides: p_e = 1, kappa is 0/0 → None; no pair at all → None
    assert cohen_kappa([("AGAINST", "AGAINST")] * 3) is None
    assert cohen_kappa([]) is None


# -- matching ---------------------------------------------------------------------------------

def test_match_is_maximum_and_one_to_one():
    a = [{"start": 0, "end": 10}, {"start": 1, "end": 3}]
    b = [{"start": 0, "end": 10}, {"start": 5, "end": 15}]

    def overlaps(x, y):
        return min(x["end"], y["end"]) > max(x["start"], y["start"])

    # Greedy on the exact pair (a0, b0) would leave a1 alone (it overlaps only b0); the
    # augmenting path gives a0–b1 and a1–b0: two pairs.
    assert match(a, b, overlaps, lambda x, y: (x != y,)) == [(0, 1), (1, 0)]
    # One long mention over two short ones: one pair, never two.
    assert len(match([{"start": 0, "end": 20}], [{"start": 0, "end": 5}, {"start": 10, "end": 15}],
                     overlaps)) == 1


# -- entities ---------------------------------------------------------------------------------

def test_identical_entities_agree_fully():
    gold = Ann(1).entity("e1", 0, 3, "DOC").entity("e2", 68, 88, "QUANTITY")
    alt = Ann(2, "alternate").entity("x1", 0, 3, "DOC").entity("x2", 68, 88, "QUANTITY")
    pooled = run(gold, alt)["entities"]
    assert pooled["strict"]["micro"] == {"a": 2, "b": 2, "matched": 2, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert pooled["overlap"]["micro"]["f1"] == 1.0


def test_disjoint_entities_score_zero():
    gold = Ann(1).entity("e1", 68, 88, "QUANTITY")
    alt = Ann(2, "alternate").entity("x1", 251, 267, "QUANTITY").entity("x2", 68, 88, "DATE")
    pooled = run(gold, alt)["entities"]
    # same span with another type is not a match, strict or overlap
    assert pooled["strict"]["micro"] == {"a": 1, "b": 2, "matched": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert pooled["overlap"]["micro"]["f1"] == 0.0
    # A has no DATE: recall is undefined (None), F1 = 2·0 / (0 + 1) = 0
    assert pooled["strict"]["by_type"]["DATE"] == {"a": 0, "b": 1, "matched": 0, "precision": 0.0,
                                                   "recall": None, "f1": 0.0}


def test_partial_entities_strict_and_overlap():
    # A: PER 305-322 "Vladimir Medinsky", ROLE 279-304, QUANTITY 68-88 "moins de deux heures"
    # B: PER 305-322, ROLE 279-304 but typed ORG, QUANTITY 77-88 "deux heures", PER 552-563
    gold = Ann(1).entity("e1", 305, 322, "PER").entity("e2", 279, 304, "ROLE").entity("e3", 68, 88, "QUANTITY")
    alt = (Ann(2, "alternate").entity("x1", 305, 322, "PER").entity("x2", 279, 304, "ORG")
           .entity("x3", 77, 88, "QUANTITY").entity("x4", 552, 563, "PER"))
    pooled = run(gold, alt)["entities"]
    # strict: only PER 305-322 → P = 1/4, R = 1/3, F1 = 2·1/(3+4) = 2/7
    strict = pooled["strict"]["micro"]
    assert (strict["a"], strict["b"], strict["matched"]) == (3, 4, 1)
    assert strict["precision"] == pytest.approx(1 / 4)
    assert strict["recall"] == pytest.approx(1 / 3)
    assert strict["f1"] == pytest.approx(2 / 7)
    # overlap adds QUANTITY 68-88 ~ 77-88 → 2 pairs, F1 = 4/7; ROLE vs ORG never matches
    assert pooled["overlap"]["micro"]["f1"] == pytest.approx(4 / 7)
    # per type: PER A 1, B 2, matched 1 → F1 2/3; QUANTITY strict 0, overlap 1
    assert pooled["strict"]["by_type"]["PER"]["f1"] == pytest.approx(2 / 3)
    assert pooled["strict"]["by_type"]["QUANTITY"]["matched"] == 0
    assert pooled["overlap"]["by_type"]["QUANTITY"]["matched"] == 1


def test_duplicate_regions_are_matched_once():
    a = [{"start": 0, "end": 3, "type": "DOC"}] * 2
    b = [{"start": 0, "end": 3, "type": "DOC"}]
    result = compare_entities(a, b)
    # two identical regions in A, one in B: one pair → F1 = 2·1/(2+1) = 2/3
    assert result["strict"]["DOC"].matched == 1
    assert result["strict"]["DOC"].f1 == pytest.approx(2 / 3)


# -- events -----------------------------------------------------------------------------------

def test_events_ace_style():
    # A: MEETING "pourparlers" 13-24 ACTUAL (participant → 305-322, location → 512-519)
    #    PROPOSE "évoqué" 111-117 PLANNED
    # B: MEETING 13-24 PLANNED (participant → 305-322, host → 512-519)
    #    STATEMENT 111-117 PLANNED (same span, other type), PRISONER_EXCHANGE 240-247 (extra)
    gold = (Ann(1).entity("p", 305, 322, "PER").entity("l", 512, 519, "GPE")
            .event("m", 13, 24, "MEETING", "ACTUAL").event("s", 111, 117, "PROPOSE", "PLANNED")
            .argument("m", "participant", "p").argument("m", "location", "l"))
    alt = (Ann(2, "alternate").entity("P", 305, 322, "PER").entity("L", 512, 519, "GPE")
           .event("M", 13, 24, "MEETING", "PLANNED").event("S", 111, 117, "STATEMENT", "PLANNED")
           .event("X", 240, 247, "PRISONER_EXCHANGE", "PLANNED")
           .argument("M", "participant", "P").argument("M", "host", "L"))
    assert TEXT[111:117] == "évoqué"
    events = run(gold, alt)["events"]
    # identification (span): 2 pairs of 2 and 3 → P 2/3, R 1, F1 = 4/5
    assert events["trigger_identification"]["matched"] == 2
    assert events["trigger_identification"]["f1"] == pytest.approx(4 / 5)
    # classification (span + type): MEETING only → F1 = 2·1/5 = 2/5
    assert events["trigger_classification"]["f1"] == pytest.approx(2 / 5)
    # arguments: both fillers found on the paired MEETING → identification 2/2 = 1.0;
    # roles agree once (participant; location vs host) → classification F1 = 2·1/4 = 0.5
    assert events["argument_identification"]["f1"] == 1.0
    assert events["argument_classification"]["f1"] == 0.5
    # realis on the 2 identified pairs: (ACTUAL, PLANNED), (PLANNED, PLANNED)
    # p_o = 1/2; A: ACTUAL 1/2, PLANNED 1/2; B: PLANNED 1 → p_e = 1/2 → kappa = 0
    assert events["realis"]["accuracy"] == 0.5
    assert events["realis"]["kappa"] == 0.0
    found = agreement(tables(gold, alt)).articles[0].disagreements
    details = sorted((d["layer"], d["kind"], d["detail"]) for d in found)
    assert details == [("argument", "mismatch", "role 'location' vs 'host'"),
                       ("event", "mismatch", "realis 'ACTUAL' vs 'PLANNED'"),
                       ("event", "mismatch", "type 'PROPOSE' vs 'STATEMENT'"),
                       ("event", "only_b", "")]


def test_arguments_of_unpaired_triggers_never_match():
    # same filler and role, but the triggers have different spans (13-24 vs 4-24)
    gold = Ann(1).entity("q", 68, 88, "QUANTITY").event("m", 13, 24, "MEETING").argument("m", "duration", "q")
    alt = (Ann(2, "alternate").entity("Q", 68, 88, "QUANTITY").event("M", 4, 24, "MEETING")
           .argument("M", "duration", "Q"))
    events = run(gold, alt)["events"]
    assert events["trigger_identification"]["matched"] == 0
    assert events["argument_identification"] == {"a": 1, "b": 1, "matched": 0, "precision": 0.0,
                                                 "recall": 0.0, "f1": 0.0}


# -- stances ----------------------------------------------------------------------------------

def test_stances_holder_target_and_polarity_kappa():
    # A: s1 holder "Vladimir Medinsky" (Q-medinsky) on ceasefire FAVOR
    #    s2 no holder (the outlet) on direct_talks NEUTRAL
    #    s3 holder "Marco Rubio" 552-563 on ukraine_in_nato AGAINST
    # B: s1 holder "négociateur en chef russe" 279-304, also Q-medinsky → same holder; AGAINST
    #    s2 no holder on direct_talks NEUTRAL → same
    #    s3 holder "Washington" (other span, no canonical id) on ukraine_in_nato → no pair
    rubio, washington = (552, 563), (TEXT.index("Washington"), TEXT.index("Washington") + 10)
    gold = (Ann(1).entity("h", 305, 322, "PER", "Q-medinsky").entity("r", *rubio, "PER")
            .stance("s1", 0, 88, "ceasefire", "FAVOR", "INDIRECT_SPEECH", holder="h")
            .stance("s2", 90, 180, "direct_talks", "NEUTRAL", "AUTHORIAL")
            .stance("s3", 500, 600, "ukraine_in_nato", "AGAINST", "DIRECT_QUOTE", holder="r"))
    alt = (Ann(2, "alternate").entity("H", 279, 304, "ROLE", "Q-medinsky").entity("W", *washington, "GPE")
           .stance("t1", 0, 88, "ceasefire", "AGAINST", "INDIRECT_SPEECH", holder="H")
           .stance("t2", 90, 180, "direct_talks", "NEUTRAL", "AUTHORIAL")
           .stance("t3", 500, 600, "ukraine_in_nato", "AGAINST", "DIRECT_QUOTE", holder="W"))
    stances = run(gold, alt)["stances"]
    # 2 pairs of 3 and 3 → F1 = 4/6
    assert stances["holder_target"]["matched"] == 2
    assert stances["holder_target"]["f1"] == pytest.approx(2 / 3)
    # polarity pairs (FAVOR, AGAINST), (NEUTRAL, NEUTRAL): p_o = 1/2;
    # A: FAVOR 1/2, NEUTRAL 1/2; B: AGAINST 1/2, NEUTRAL 1/2 → p_e = 1/4;
    # kappa = (1/2 − 1/4) / (3/4) = 1/3
    assert stances["polarity"]["kappa"] == pytest.approx(1 / 3)
    assert stances["polarity"]["confusion"] == [["FAVOR", "AGAINST", 1], ["NEUTRAL", "NEUTRAL", 1]]
    # attribution agrees on both pairs with two labels used: kappa 1.0
    assert stances["attribution"]["kappa"] == 1.0


def test_the_outlets_voice_is_not_a_holder():
    gold = Ann(1).entity("h", 305, 322, "PER").stance("s", 0, 88, "ceasefire", "FAVOR", holder="h")
    alt = Ann(2, "alternate").stance("t", 0, 88, "ceasefire", "FAVOR", "AUTHORIAL")
    assert run(gold, alt)["stances"]["holder_target"]["matched"] == 0


# -- articles, selection, pooling -------------------------------------------------------------

def test_articles_with_one_annotation_are_skipped_and_counted():
    other = "pp-3b4ff5c4fc4d"
    report = agreement({
        **tables(Ann(1).entity("e", 0, 3, "DOC"), Ann(2, "alternate").entity("e", 0, 3, "DOC"),
                 Ann(5, article_id=other).entity("e", 0, 3, "DOC")),
        "articles": pa.table({"article_id": [ARTICLE, other, "pp-0a488f442605"]}),
    })
    assert [item.article_id for item in report.articles] == [ARTICLE]
    assert report.skipped == [{"article_id": "pp-0a488f442605", "annotations": 0, "reason": "no annotation"},
                              {"article_id": other, "annotations": 1, "reason": "one annotation"}]


def test_selectors():
    found = annotations_of(tables(Ann(1, annotator="7").entity("e", 0, 3, "DOC"),
                                  Ann(2, "alternate", "9").entity("e", 0, 3, "DOC"),
                                  Ann(3, "alternate", "9").entity("e", 0, 3, "DOC")))[ARTICLE]
    assert select(found, "gold").annotation_id == 1
    assert select(found, "alternate").annotation_id == 2          # the first alternate
    assert select(found, "annotator:9").annotation_id == 3       # that annotator's latest
    assert select(found, "annotation:2").annotation_id == 2
    assert select(found, "annotator:9", exclude=found[2]).annotation_id == 2
    assert select(found, "annotator:4") is None
    assert select(found, "annotator:4,9").annotation_id == 3       # any of them: one per article
    assert select(found, "annotator:4,7", exclude=found[0]) is None
    with pytest.raises(PourparlersError, match="unknown annotation selector 'annotator:4,'"):
        select(found, "annotator:4,")
    with pytest.raises(PourparlersError, match="unknown annotation selector 'silver'"):
        select(found, "silver")


def test_pooled_figures_sum_counts_and_pool_kappa_pairs():
    first, second = ARTICLE, "pp-3b4ff5c4fc4d"
    report = agreement(tables(
        Ann(1, article_id=first).entity("e", 0, 3, "DOC").stance("s", 0, 88, "ceasefire", "FAVOR"),
        Ann(2, "alternate", article_id=first).entity("e", 0, 3, "DOC").stance("s", 0, 88, "ceasefire", "FAVOR"),
        Ann(3, article_id=second).entity("e", 68, 88, "QUANTITY").stance("s", 0, 88, "ceasefire", "AGAINST"),
        Ann(4, "alternate", article_id=second).stance("s", 0, 88, "ceasefire", "AGAINST"),
    ))
    pooled = report.as_dict()["pooled"]
    # entities: 1 pair out of A 2, B 1 → F1 = 2/3 (micro over articles, not a mean of 1.0 and 0.0)
    assert pooled["entities"]["strict"]["micro"]["f1"] == pytest.approx(2 / 3)
    # polarity: each article alone has one label → kappa None; pooled pairs
    # (FAVOR, FAVOR), (AGAINST, AGAINST) → kappa 1.0
    assert [cohen_kappa(item.figures.polarity.pairs) for item in report.articles] == [None, None]
    assert pooled["stances"]["polarity"]["kappa"] == 1.0


# -- the CLI on a Label Studio export ---------------------------------------------------------

@pytest.fixture
def two_annotations(repo_copy: Path) -> Path:
    """The repository's articles with only the fixture export in annotations/."""
    shutil.rmtree(repo_copy / "annotations")
    (repo_copy / "annotations").mkdir()
    shutil.copy2(FIXTURES / "agreement" / "annotations" / "pp-0a488f442605.json", repo_copy / "annotations")
    return repo_copy


def test_cli_json_on_an_export_with_two_annotations(two_annotations, tmp_path, capsys):
    target = tmp_path / "agreement.json"
    code = main(["--root", str(two_annotations), "agreement", "--format", "json", "--out", str(target)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    report = json.loads(printed.out)
    assert json.loads(target.read_text(encoding="utf-8")) == report
    assert report["format"] == "pourparlers-agreement/1"
    assert (report["articles_compared"], report["articles_skipped"]) == (1, 4)
    assert report["articles"][0]["a"] == {"annotation_id": 7, "annotator": "1", "layer": "gold", "task_id": 3}
    assert report["articles"][0]["b"] == {"annotation_id": 8, "annotator": "2", "layer": "alternate", "task_id": 3}
    pooled = report["pooled"]
    # Entities, A (7) 8 and B (8) 8. Strict pairs: 1000 prisonniers, négociateur en chef russe,
    # Vladimir Medinsky, Marco Rubio, Moscou = 5 → F1 = 10/16 = 0.625. Overlap adds
    # "moins de deux heures" ~ "deux heures" = 6 → 0.75. Antalya GPE vs LOC and the two OTAN
    # (2081 in A, 505 in B) never pair.
    assert pooled["entities"]["strict"]["micro"]["f1"] == 0.625
    assert pooled["entities"]["overlap"]["micro"]["f1"] == 0.75
    assert pooled["entities"]["strict"]["by_type"]["GPE"] == {"a": 2, "b": 1, "matched": 1, "precision": 1.0,
                                                              "recall": 0.5, "f1": pytest.approx(2 / 3)}
    events = pooled["events"]
    # triggers: A pourparlers, échange; B the same + "rencontre" → 2 pairs of 2 and 3 → F1 0.8
    assert events["trigger_identification"]["f1"] == pytest.approx(0.8)
    assert events["trigger_classification"]["f1"] == pytest.approx(0.8)
    # arguments: prisoners → 1000 prisonniers pairs; duration → 68-88 vs 77-88 does not → 2/4
    assert events["argument_classification"]["f1"] == 0.5
    # realis (ACTUAL, ACTUAL), (PLANNED, ACTUAL): p_o 1/2, p_e = 1/2·1 = 1/2 → kappa 0
    assert (events["realis"]["accuracy"], events["realis"]["kappa"]) == (0.5, 0.0)
    stances = pooled["stances"]
    # (Moscou, ukraine_in_nato) in both; B adds (Moscou, foreign_military_support) → F1 2/3
    assert stances["holder_target"]["f1"] == pytest.approx(2 / 3)
    # one pair, AGAINST on both sides: kappa undefined (p_e = 1), accuracy 1
    assert (stances["polarity"]["accuracy"], stances["polarity"]["kappa"]) == (1.0, None)
    kinds = sorted((d["layer"], d["kind"]) for d in report["disagreements"])
    assert kinds == [("argument", "mismatch"), ("entity", "mismatch"), ("entity", "mismatch"),
                     ("entity", "only_a"), ("entity", "only_b"), ("event", "mismatch"), ("event", "only_b"),
                     ("stance", "mismatch"), ("stance", "only_b")]
    only_a = next(d for d in report["disagreements"] if d["kind"] == "only_a")
    assert only_a["a"] == {"region_id": "Pm4Lr6TgUy", "start": 2081, "end": 2085, "text": "OTAN", "type": "ORG",
                           "canonical_id": None}


def test_cli_swapped_annotators_swap_precision_and_recall(two_annotations, capsys):
    assert main(["--root", str(two_annotations), "agreement", "--format", "json",
                 "--a", "annotator:2", "--b", "annotator:1"]) == 0
    stances = json.loads(capsys.readouterr().out)["pooled"]["stances"]["holder_target"]
    assert (stances["precision"], stances["recall"]) == (1.0, 0.5)


def test_cli_text_lists_the_disagreements(two_annotations, capsys):
    assert main(["--root", str(two_annotations), "agreement", "--disagreements"]) == 0
    printed = capsys.readouterr().out
    assert "Agreement of A = gold and B = alternate: 1 article(s) compared, 4 skipped" in printed
    assert "│ micro    │ 8 │ 8 │      5 │     0.625 │       6 │      0.750 │" in printed
    assert "Skipped: 4 with no annotation" in printed
    assert "Disagreements in pp-0a488f442605 (A = annotation 7, B = annotation 8)" in printed
    assert "│ entity   │ only_a   │ ORG 'OTAN'" in printed and "2081-2085" in printed


def test_cli_fails_when_no_article_has_two_annotations(repo_copy, capsys):
    shutil.copy2(FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json", repo_copy / "annotations")
    assert main(["--root", str(repo_copy), "agreement"]) == 1
    err = capsys.readouterr().err
    assert ("Error [agreement-refused]: no article has both annotation A (gold) and B (alternate); "
            "5 article(s) skipped") in err
    assert "Hint:" in err


def test_cli_article_option_restricts_the_run(two_annotations, capsys):
    assert main(["--root", str(two_annotations), "agreement", "--format", "json",
                 "--article", "pp-0a488f442605"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["articles_compared"], report["articles_skipped"]) == (1, 0)


def test_agreement_on_a_built_release_gives_the_repository_s_figures(repo_with_annotations, tmp_path, capsys):
    """The release ships every annotation (`annotations` config): the card's figures can be
    recomputed from it, without the repository."""
    release = tmp_path / "release"
    assert main(["--root", str(repo_with_annotations), "build", "--out", str(release)]) == 0
    capsys.readouterr()
    assert main(["--root", str(repo_with_annotations), "agreement", "--format", "json"]) == 0
    from_repository = json.loads(capsys.readouterr().out)
    shutil.rmtree(repo_with_annotations)          # the release alone
    assert main(["agreement", "--release", str(release), "--format", "json"]) == 0
    from_release = json.loads(capsys.readouterr().out)

    def figures(report: dict) -> dict:
        return {"pooled": report["pooled"], "compared": report["articles_compared"],
                "articles": [{k: v for k, v in article.items() if k not in ("a", "b")}
                             for article in report["articles"]]}
    assert figures(from_release) == figures(from_repository)
    assert from_release["articles_compared"] == from_repository["articles_compared"] >= 2
    assert from_release["pooled"]["entities"]["strict"]["micro"]["a"] > 0
    assert len(from_release["disagreements"]) == len(from_repository["disagreements"])
    assert [a["a"]["annotator"] for a in from_release["articles"]] == [
        a["a"]["annotator"] for a in from_repository["articles"]]


def test_agreement_on_a_folder_without_annotations_config_is_refused(tmp_path, capsys):
    (tmp_path / "articles").mkdir()
    assert main(["agreement", "--release", str(tmp_path)]) == 1
    assert "Error [agreement-refused]: " in capsys.readouterr().err
