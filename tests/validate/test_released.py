"""A release's configs read back into validate's tables: the flat configs, `documents` and the
gold annotations of `annotations` give the tables the build was made from, `annotations` every
layer of them, and every ClassLabel id outside its ClassLabel, in every config, is reported
exactly once."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from helpers import copy_repository, edit_parquet, taxonomy

from pourparlers import build as build_module
from pourparlers.build.assembly import released_tables
from pourparlers.build.features import release_features
from pourparlers.corpus import load_corpus
from pourparlers.release.diff import flat_features
from pourparlers.repo import Repo
from pourparlers.validate import check_tables
from pourparlers.validate.released import DECODED, check_released, read_back, read_config_files

# What a table of the build and the same table read back from the release share (the rest is
# provenance the release does not ship: task, annotation, annotator, the export's text).
SHARED = {"articles": ["article_id", "title", "source", "url", "published", "date_precision", "language",
                       "text", "text_sha256", "n_chars"],
          "entities": ["mention_id", "article_id", "start", "end", "text", "type", "canonical_id"],
          "events": ["event_id", "article_id", "start", "end", "text", "type", "realis"],
          "event_arguments": ["event_id", "article_id", "role", "mention_id"],
          "stances": ["stance_id", "article_id", "start", "end", "text", "holder_id", "target", "polarity",
                      "attribution"]}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    return Repo(copy_repository(tmp_path_factory.mktemp("released") / "repo", annotations=True))


@pytest.fixture(scope="module")
def built(repo, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "0.1.0"
    build_module.build(repo, "0.1.0", out)
    return out


def rows(table, columns: list[str]) -> list[tuple]:
    frame = table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)
    return sorted(frame.select(columns).iter_rows(), key=repr)


def test_flat_configs_documents_and_annotations_read_back_into_the_tables_of_the_build(repo, built):
    features = release_features(repo.taxonomy())
    files, elsewhere, problems = read_config_files(built, features)
    assert elsewhere == [] and problems == []     # labels.parquet is no config, and has its own check
    back = read_back(files, features)
    assert sorted(back) == ["annotations", "documents", "flat"]
    source, every = released_tables(load_corpus(repo).tables)
    for name, columns in SHARED.items():
        assert len(source[name]) > 0, name
        for tables in back.values():
            table = tables[name].filter(pl.col("layer") == "gold") if "layer" in tables[name].columns else tables[name]
            assert rows(table, columns) == rows(source[name], columns), name
    # every layer, with its annotators; non-gold ids are the release's own (<article>:<layer>:<n>:<region>)
    for name, columns in SHARED.items():
        if name != "articles":
            kept = ["layer", "annotator", *(c for c in columns if not c.endswith("_id") or c == "canonical_id")]
            assert every[name].num_rows > source[name].num_rows, name
            assert Counter(pl.from_arrow(every[name]).select(kept).iter_rows()) == Counter(
                back["annotations"][name].select(kept).iter_rows()), name
    for tables in back.values():
        assert check_tables(tables, repo.taxonomy()) == []
    for entity in back["flat"]["entities"].iter_rows(named=True):
        assert entity["source_file"] in {"entities/train-00000-of-00001.parquet",
                                         "entities/test-00000-of-00001.parquet"}
        assert entity["region_id"] == entity["mention_id"]


def label_paths() -> list[tuple[str, str]]:
    features = release_features(taxonomy())
    return [(config, path) for config, declared in features.items()
            for path, (kind, _) in flat_features(declared.to_dict()).items() if kind == "labels"]


def set_first(value, parts: list[str], new: int) -> bool:
    """Set the first value at the path `parts` (a `[]` after a name: every item of that list)."""
    name, *rest = parts
    key, many = name.removesuffix("[]"), name.endswith("[]")
    if not many:
        if not rest:
            value[key] = new
            return True
        return value[key] is not None and set_first(value[key], rest, new)
    items = value[key] or []
    if not rest:
        if items:
            items[0] = new
        return bool(items)
    return any(set_first(item, rest, new) for item in items)


@pytest.mark.parametrize(("config", "path"), label_paths())
def test_every_label_id_outside_its_class_label_is_reported_once(repo, built, tmp_path, config, path):
    features = release_features(repo.taxonomy())
    folder = Path(shutil.copytree(built, tmp_path / "release"))
    file = f"{config}/train-00000-of-00001.parquet"
    table = pq.read_table(folder / file)
    names = dict(flat_features(features[config].to_dict()))[path][1]

    def out_of_range(rows):
        assert any(set_first(row, path.split("."), len(names)) for row in rows), f"no {path} in {file}"

    edit_parquet(folder / file, out_of_range)
    files, _, _ = read_config_files(folder, features)
    problems = check_released(files, features, repo.taxonomy()).problems
    assert len(table) and [(p.code, p.file) for p in problems] == [
        ("invalid-value" if path == "date_precision" else "unknown-label", file)]
    [found] = problems
    assert found.article_id or config == "actors"   # the corpus's actors belong to no article
    assert f"label id {len(names)}" in found.message
    if path == "date_precision":            # an article's own label: no region
        assert (found.field, found.region_id) == ("articles.date_precision", "")
    elif path in DECODED.get(config, ()):   # read into a table: its contract
        assert found.field.startswith("schema/taxonomy.yaml: ") and found.region_id
    else:                                    # no table column: the generic check, at the exact path
        assert found.field == f"{config}.{path}" and found.region_id
