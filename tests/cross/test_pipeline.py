"""End to end, as a maintainer runs it: the repository's data plus a real-looking Label Studio
export go through `pourparlers validate` and `build`, and every config loads with `datasets`."""

from __future__ import annotations

import shutil

import datasets
import pytest
from helpers import FIXTURES, REPO, snapshot, taxonomy

from pourparlers.build import release_features
from pourparlers.cli import main

EXPORT = FIXTURES / "repo" / "annotations" / "pp-0a488f442605.json"


def label_columns(features, prefix=""):
    """Every (path, feature) of a label column, at any depth."""
    for name, feature in features.items():
        path = f"{prefix}{name}"
        if isinstance(feature, dict):
            yield from label_columns(feature, f"{path}.")
        elif isinstance(feature, datasets.List):
            inner = feature.feature
            if isinstance(inner, dict):
                yield from label_columns(inner, f"{path}[].")
            else:
                yield f"{path}[]", inner
        else:
            yield path, feature


def spans_of(config: str, row: dict, texts: dict[str, str]):
    """(text, start, end, span text) for every span a row holds."""
    if config == "entities":
        yield texts[row["article_id"]], row["start"], row["end"], row["text"]
    elif config == "events":
        yield texts[row["article_id"]], row["trigger"]["start"], row["trigger"]["end"], row["trigger"]["text"]
    elif config == "stances":
        evidence = row["evidence"]
        yield texts[row["article_id"]], evidence["start"], evidence["end"], evidence["text"]
    elif config == "ner_sentences":
        yield texts[row["article_id"]], row["start"], row["end"], row["text"]
        for token, start, end in zip(row["tokens"], row["token_starts"], row["token_ends"], strict=True):
            yield texts[row["article_id"]], start, end, token
    elif config in ("documents", "annotations"):
        text = texts[row["article_id"] if config == "annotations" else row["id"]]
        for entity in row["entities"]:
            yield text, entity["start"], entity["end"], entity["text"]
        for event in row["events"]:
            yield text, event["trigger"]["start"], event["trigger"]["end"], event["trigger"]["text"]
        for stance in row["stances"]:
            yield text, stance["evidence"]["start"], stance["evidence"]["end"], stance["evidence"]["text"]


@pytest.fixture
def annotated_repo(repo_copy):
    shutil.copy2(EXPORT, repo_copy / "annotations" / EXPORT.name)
    return repo_copy


def test_validate_then_build_then_every_config_loads(annotated_repo, tmp_path, capsys):
    assert main(["--root", str(annotated_repo), "validate"]) == 0
    out_dir = tmp_path / "release"
    assert main(["--root", str(annotated_repo), "build", "--out", str(out_dir)]) == 0
    printed = capsys.readouterr().out
    assert f'datasets.load_dataset("{out_dir}", "documents")' in printed
    assert "entities" in printed and "documents" in printed

    expected = release_features(taxonomy())
    configs = datasets.get_dataset_config_names(str(out_dir))
    assert sorted(configs) == sorted(["documents", "articles", "entities", "events", "stances", "ner",
                                      "ner_sentences", "actors", "annotations"])
    assert datasets.get_dataset_default_config_name(str(out_dir)) == "documents"
    articles = datasets.load_dataset(str(out_dir), "articles")
    texts = {row["id"]: row["text"] for split in articles.values() for row in split}
    assert len(texts) == 5  # all five seed articles are in the release

    n_spans, n_tokens = 0, 0
    for config in configs:
        loaded = datasets.load_dataset(str(out_dir), config)
        for split in loaded.values():
            assert split.features == expected[config]
            for path, feature in label_columns(split.features):
                last = path.rsplit(".", 1)[-1].rstrip("[]")
                if last in {"type", "coarse_type", "realis", "role", "target", "polarity",
                            "attribution", "date_precision", "ner_tags"}:
                    assert isinstance(feature, datasets.ClassLabel), path
            for row in split:
                for text, start, end, span_text in spans_of(config, row, texts):
                    assert text[start:end] == span_text
                    if config == "ner_sentences":
                        n_tokens += 1
                    else:
                        n_spans += 1
    # the fixture's 8 entities, 2 triggers, 1 stance: in its config, in documents and in annotations
    assert n_spans == 3 * (8 + 2 + 1)
    ner = datasets.load_dataset(str(out_dir), "ner")
    # every token of ner is in ner_sentences (plus one sentence span per row), nothing more
    assert n_tokens == sum(len(row["tokens"]) for split in ner.values() for row in split) + sum(
        split.num_rows for split in datasets.load_dataset(str(out_dir), "ner_sentences").values())

    events = datasets.load_dataset(str(out_dir), "events")["train"]
    type_names = events.features["type"].names
    by_type = {type_names[row["type"]]: row for row in events}
    exchange = by_type["PRISONER_EXCHANGE"]
    assert exchange["trigger"]["text"] == "échange"
    assert events.features["realis"].names[exchange["realis"]] == "PLANNED"
    role_names = events.features["arguments"].feature["role"].names
    assert [(role_names[a["role"]], a["text"]) for a in exchange["arguments"]] == [("prisoners", "1000 prisonniers")]


def test_the_repository_itself_builds_with_all_five_articles(repo_copy, tmp_path):
    out_dir = tmp_path / "release"
    assert main(["--root", str(repo_copy), "build", "--out", str(out_dir)]) == 0
    loaded = datasets.load_dataset(str(out_dir), "documents")
    assert sum(len(split) for split in loaded.values()) == len(list((REPO / "raw").glob("*.txt"))) == 5
    card = (out_dir / "README.md").read_text(encoding="utf-8")
    assert "no gold annotations yet" in card


def test_a_release_is_never_built_from_invalid_data(annotated_repo, capsys):
    export = annotated_repo / "annotations" / EXPORT.name
    export.write_text(export.read_text(encoding="utf-8").replace('"labels":["PER"]', '"labels":["PERSON"]', 1),
                      encoding="utf-8")
    (annotated_repo / "dist" / "0.1.0").mkdir(parents=True)
    (annotated_repo / "dist" / "0.1.0" / "README.md").write_text("previous build", encoding="utf-8")
    before = {name: snapshot(annotated_repo / name) for name in ("raw", "annotations", "dist")}

    assert main(["--root", str(annotated_repo), "validate"]) == 1
    report = capsys.readouterr().out
    assert "✗ labels are defined in schema/taxonomy.yaml" in report
    assert "annotations/pp-0a488f442605.json, article pp-0a488f442605, annotation 7, region k3Xw9aTq1b" in report
    assert "PERSON" in report

    assert main(["--root", str(annotated_repo), "build"]) == 1
    assert "a release cannot be built from data that fails validation" in capsys.readouterr().err
    assert {name: snapshot(annotated_repo / name) for name in ("raw", "annotations", "dist")} == before


def test_validate_json_and_github_formats(annotated_repo, capsys):
    import json

    export = annotated_repo / "annotations" / EXPORT.name
    export.write_bytes(export.read_bytes()[:-40])  # truncated download
    assert main(["--root", str(annotated_repo), "validate", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [(p["code"], p["file"]) for p in report["problems"]] == [
        ("json-invalid", "annotations/pp-0a488f442605.json")
    ]
    assert main(["--root", str(annotated_repo), "validate", "--format", "github"]) == 1
    assert "::error file=annotations/pp-0a488f442605.json" in capsys.readouterr().out
