"""Build a small release from real seed excerpts and load every config back with `datasets`."""

import hashlib
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import ClassLabel, Features, List, load_dataset
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from helpers import REPO
from huggingface_hub import DatasetCard

from pourparlers import build, card
from pourparlers.atomic import MARKER
from pourparlers.build import assembly, parquet
from pourparlers.errors import BuildError, InvalidData
from pourparlers.release import ReleaseError
from pourparlers.repo import Repo
from pourparlers.tables import SCHEMAS

TEMPLATE = REPO / "DATASET_CARD.md"
VERSION = "0.1.0"

# Excerpts of the seed articles, verbatim (blank lines included).
SEED_000 = (
    "Selon le négociateur en chef russe Vladimir Medinsky, l’échange aura lieu « dans les "
    "prochains jours (…) à hauteur de 1 000 contre 1 000. »\n\n"
    "Avant le début de la rencontre, lors de la réunion des ministres des Affaires étrangères de "
    "l'OTAN à Antalya, le secrétaire d'État américain Marco Rubio a déclaré que Washington "
    "n'attendait pas grand-chose de l'issue de la réunion de vendredi.\n\n\n\n"
    "\"À ce stade, je pense que la seule manière d'obtenir une percée est [une rencontre] entre "
    "Donald Trump et Vladimir Poutine\", déclare Marco Rubio."
)
# A non-BMP emoji (one code point, two UTF-16 units) is put before the seed 002 sentence to
# prove offsets are code points end to end.
SEED_002_CALL = (
    "\N{TELEPHONE RECEIVER} Le 19 mai, Donald Trump a contacté Vladimir Poutine pour tenter de "
    "relancer les discussions."
)
SEED_002_END = (
    "Pour l’heure, l’initiative de Donald Trump semble avoir échoué à ramener la paix en Ukraine, "
    "tandis que la guerre se poursuit sur le terrain et que les frappes russes se multiplient."
)

# Ids picked so the three articles fall in the three splits (see test_split_of_is_pinned).
A, B, C = "000_7063880fff2bbc6a", "002_40cf7b42b92eb3ce-e1", "002_40cf7b42b92eb3ce-e5"
ARTICLES = {
    A: dict(text=SEED_000, published="2025-05", date_precision="month",
            title="Les premiers pourparlers russo-ukrainiens depuis trois ans ont duré moins de "
                  "deux heures."),
    B: dict(text=SEED_002_CALL, published=None, date_precision="unknown",
            title="Négociations Trump-Poutine : une tentative de paix qui vire à l’impasse"),
    C: dict(text=SEED_002_END, published=None, date_precision="unknown",
            title="Négociations Trump-Poutine : une tentative de paix qui vire à l’impasse"),
}
ANNOTATION = {A: 11, B: 21, C: 31}

# (article, region, type, surface, occurrence)
ENTITIES = [
    (A, "e01", "ROLE", "négociateur en chef russe", 0),
    (A, "e02", "PER", "Vladimir Medinsky", 0),
    (A, "e03", "QUANTITY", "1 000 contre 1 000", 0),
    (A, "e04", "EVENT", "réunion des ministres des Affaires étrangères de l'OTAN", 0),
    (A, "e05", "ORG", "OTAN", 0),                                  # nested in e04
    (A, "e06", "GPE", "Antalya", 0),
    (A, "e07", "ROLE", "secrétaire d'État américain", 0),
    (A, "e08", "PER", "Marco Rubio", 0),
    (A, "e09", "GPE", "Washington", 0),
    (A, "e10", "DATE", "vendredi", 0),
    (A, "e11", "PER", "Donald Trump", 0),
    (A, "e12", "PER", "Vladimir Poutine", 0),
    (A, "e13", "PER", "Marco Rubio", 1),
    (B, "e01", "DATE", "19 mai", 0),
    (B, "e02", "PER", "Donald Trump", 0),
    (B, "e03", "PER", "Vladimir Poutine", 0),
    (C, "e01", "PER", "Donald Trump", 0),
    (C, "e02", "GPE", "Ukraine", 0),
]
# The canonical ids of the named mentions that fill an argument or hold a stance (validate
# requires them); the other mentions have none.
NAMED_FILLERS = {(A, "e06"): "antalya", (A, "e08"): "marco-rubio", (A, "e13"): "marco-rubio",
                 (B, "e02"): "donald-trump", (B, "e03"): "vladimir-poutine"}
# (article, region, type, realis, trigger, [(role, entity region)])
EVENTS = [
    (A, "v01", "STATEMENT", "ACTUAL", "a déclaré", [("speaker", "e08"), ("location", "e06")]),
    (A, "v02", "PRISONER_EXCHANGE", "PLANNED", "échange", [("prisoners", "e03")]),
    (B, "v01", "CALL", "ACTUAL", "a contacté",
     [("participant", "e03"), ("participant", "e02"), ("date", "e01")]),
    (C, "v01", "ATTACK", "ACTUAL", "frappes", []),
]
# (article, region, holder region, target, polarity, attribution, evidence)
STANCES = [
    (A, "s01", "e13", "trump_putin_summit", "FAVOR", "DIRECT_QUOTE",
     "À ce stade, je pense que la seule manière d'obtenir une percée est [une rencontre] entre "
     "Donald Trump et Vladimir Poutine"),
    (C, "s01", None, "us_participation", "NEUTRAL", "AUTHORIAL",
     "l’initiative de Donald Trump semble avoir échoué à ramener la paix en Ukraine"),
]
LABEL_COLUMNS = {"date_precision", "type", "coarse_type", "realis", "role", "target", "polarity",
                 "attribution", "ner_tags", "layer"}


def config_files(folder: Path) -> list[Path]:
    """The Parquet files of the configs (labels.parquet, at the top, is not a config's)."""
    return sorted(p for p in folder.rglob("*.parquet") if p.parent != folder)


def _span(text: str, surface: str, occurrence: int) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return start, start + len(surface)


def _provenance(article: str, region: str, layer: str = "gold") -> dict:
    return dict(article_id=article, source_file=f"annotations/{article}.json", task_id=1,
                annotation_id=ANNOTATION[article], annotator="1", layer=layer, region_id=region)


def _id(article: str, region: str) -> str:
    return f"{article}:{ANNOTATION[article]}:{region}"


def make_tables(articles=ARTICLES, entities=ENTITIES, events=EVENTS, stances=STANCES):
    rows = {name: [] for name in SCHEMAS}
    for article, meta in articles.items():
        text = meta["text"]
        rows["articles"].append(dict(
            article_id=article, title=meta["title"], source=None, url=None,
            published=meta["published"], date_precision=meta["date_precision"], language="fr",
            notes=None, text=text, text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            n_chars=len(text), raw_file=f"raw/{article}.txt"))
    for article, region, kind, surface, occurrence in entities:
        start, end = _span(articles[article]["text"], surface, occurrence)
        rows["entities"].append(dict(
            mention_id=_id(article, region), **_provenance(article, region), start=start,
            end=end, text=surface, export_text=surface, type=kind,
            canonical_id=NAMED_FILLERS.get((article, region))))
    for article, region, kind, realis, trigger, arguments in events:
        start, end = _span(articles[article]["text"], trigger, 0)
        rows["events"].append(dict(
            event_id=_id(article, region), **_provenance(article, region), start=start, end=end,
            text=trigger, export_text=trigger, type=kind, realis=realis))
        for role, entity in arguments:
            rows["event_arguments"].append(dict(
                event_id=_id(article, region), **_provenance(article, region), role=role,
                mention_id=_id(article, entity), target_region_id=entity))
    for article, region, holder, target, polarity, attribution, evidence in stances:
        start, end = _span(articles[article]["text"], evidence, 0)
        rows["stances"].append(dict(
            stance_id=_id(article, region), **_provenance(article, region), start=start,
            end=end, text=evidence, export_text=evidence,
            holder_id=_id(article, holder) if holder else None, target=target,
            polarity=polarity, attribution=attribution))
    return {name: pa.Table.from_pylist(rows[name], schema=SCHEMAS[name]) for name in SCHEMAS}


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def leaves(features, prefix="") -> dict:
    """Every leaf feature of a (nested) Features, keyed by dotted path, lists unwrapped."""
    found = {}
    for name, feature in features.items():
        path = f"{prefix}{name}"
        while isinstance(feature, List):
            feature = feature.feature
        if isinstance(feature, dict):
            found.update(leaves(feature, prefix=f"{path}."))
        else:
            found[path] = feature
    return found


def class_label_columns(features) -> dict[str, ClassLabel]:
    return {p: f for p, f in leaves(features).items() if isinstance(f, ClassLabel)}


@pytest.fixture(scope="module")
def taxonomy():
    return Repo(REPO).taxonomy()


@pytest.fixture(scope="module")
def release(tmp_path_factory, taxonomy):
    out = tmp_path_factory.mktemp("dist") / VERSION
    result = build.build_release(make_tables(), taxonomy, VERSION, out, TEMPLATE,
                                 repo_id="acme/pourparlers")
    return result


@pytest.fixture(scope="module")
def loaded(release, tmp_path_factory):
    cache = tmp_path_factory.mktemp("hf-cache")
    return {config: load_dataset(str(release.path), config, cache_dir=str(cache))
            for config in release.configs}


def decoded(dataset) -> list[dict]:
    """Rows with every ClassLabel turned back into its name."""
    labels = class_label_columns(dataset.features)

    def walk(value, path):
        if path in labels and value is not None:
            return labels[path].int2str(value)
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}" if path else k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, path) for v in value]
        return value

    return [walk(row, "") for row in dataset]


def test_release_layout(release):
    assert release.configs == ("documents", "articles", "entities", "events", "stances", "ner",
                               "ner_sentences", "actors", "annotations")
    expected = {"README.md", "labels.parquet", "croissant.json", MARKER} | {
        f"{config}/{split}-00000-of-00001.parquet"
        for config in release.configs if config != "actors" for split in ("train", "validation", "test")}
    expected.remove("stances/validation-00000-of-00001.parquet")    # no stance there: left out
    expected.add("actors/train-00000-of-00001.parquet")             # the table of actors: one split
    assert set(release.files) == expected
    assert set(tree_hashes(release.path)) == expected
    assert not list(release.path.rglob("*.py"))
    assert [p.name for p in release.path.parent.iterdir()] == [VERSION]


def test_every_config_loads_with_the_declared_features(release, loaded, taxonomy):
    declared = build.release_features(taxonomy)
    assert set(loaded) == set(declared)
    for config, dataset_dict in loaded.items():
        assert list(dataset_dict) == [s for s, n in release.counts[config].items() if n]
        for split, dataset in dataset_dict.items():
            assert dataset.features == declared[config], (config, split)
            for path, feature in leaves(dataset.features).items():
                is_label = path.rsplit(".", 1)[-1] in LABEL_COLUMNS
                assert isinstance(feature, ClassLabel) == is_label, (config, path)
                assert not is_label or feature.names, (config, path)
            assert len(dataset) == release.counts[config][split]


def test_label_columns_are_class_labels_named_from_the_taxonomy(taxonomy):
    features = build.release_features(taxonomy)
    labels = class_label_columns(features["documents"])
    assert labels["entities.type"].names == list(taxonomy.entity_types)
    assert labels["entities.coarse_type"].names == ["O", "PER", "ORG", "LOC", "MISC"]
    assert labels["events.arguments.role"].names == list(taxonomy.roles)
    assert labels["stances.target"].names == list(taxonomy.stance_targets)
    assert set(labels) == {"date_precision", "entities.type", "entities.coarse_type",
                           "events.type", "events.realis", "events.arguments.role",
                           "stances.target", "stances.polarity", "stances.attribution"}
    ner = class_label_columns(features["ner"])
    assert ner["ner_tags"].names == list(taxonomy.ner_tags)
    assert features["entities"]["start"] == datasets.Value("int32")
    assert features["events"]["arguments"] == List({
        "role": ClassLabel(names=list(taxonomy.roles)), "entity_id": datasets.Value("string"),
        "text": datasets.Value("string"), "canonical_id": datasets.Value("string")})
    assert class_label_columns(features["annotations"])["layer"].names == ["gold", "alternate"]
    assert class_label_columns(features["ner_sentences"])["ner_tags"].names == list(taxonomy.ner_tags)


def test_rows_round_trip(loaded, taxonomy):
    built = build.release_datasets(make_tables(), taxonomy)
    assert set(built) == set(loaded)
    for config, dataset_dict in built.items():
        for split, dataset in dataset_dict.items():
            assert loaded[config][split].to_list() == dataset.to_list(), (config, split)


def test_every_span_equals_the_text_at_its_offsets(loaded):
    """The data-driven walk over every span of every config (STYLE habit 8)."""
    texts = {row["id"]: row["text"]
             for split in loaded["articles"].values() for row in split}
    checked = 0

    def check(article_id, span):
        nonlocal checked
        assert texts[article_id][span["start"]:span["end"]] == span["text"], span
        checked += 1

    for config in ("entities", "events", "stances", "documents"):
        for split in loaded[config].values():
            for row in decoded(split):
                article_id = row.get("article_id", row["id"])
                if config == "documents":
                    assert row["text"] == texts[row["id"]]
                    annotations = [*row["entities"], *row["events"], *row["stances"]]
                    items = [(article_id, a) for a in annotations]
                else:
                    items = [(article_id, row)]
                for owner, item in items:
                    if "trigger" in item:
                        check(owner, item["trigger"])
                    elif "evidence" in item:
                        check(owner, item["evidence"])
                    else:
                        check(owner, item)
    assert checked == 2 * (len(ENTITIES) + len(EVENTS) + len(STANCES))


def test_references_resolve_within_the_article(loaded):
    entities = {row["id"]: row for split in loaded["entities"].values() for row in split}
    for split in loaded["events"].values():
        for event in split:
            for argument in event["arguments"]:
                target = entities[argument["entity_id"]]
                assert target["article_id"] == event["article_id"]
                assert target["text"] == argument["text"]
    for split in loaded["stances"].values():
        for stance in split:
            if stance["holder_id"] is not None:
                assert entities[stance["holder_id"]]["text"] == stance["holder_text"]


def test_released_values(loaded, release):
    assert release.counts["entities"] == {"train": 13, "validation": 3, "test": 2}
    assert release.counts["events"] == {"train": 2, "validation": 1, "test": 1}
    assert release.counts["stances"] == {"train": 1, "validation": 0, "test": 1}

    call_entities = decoded(loaded["entities"]["validation"])
    assert [(e["id"], e["start"], e["end"], e["type"]) for e in call_entities] == [
        (f"{B}:e01", 5, 11, "DATE"),       # after the emoji: 5 code points (6 in UTF-16)
        (f"{B}:e02", 13, 25, "PER"),
        (f"{B}:e03", 37, 53, "PER"),
    ]
    role = decoded(loaded["entities"]["train"])[0]
    assert (role["text"], role["type"], role["coarse_type"]) == (
        "négociateur en chef russe", "ROLE", "O")
    assert role["canonical_id"] is None

    call = decoded(loaded["events"]["validation"])[0]
    assert call["type"] == "CALL" and call["realis"] == "ACTUAL"
    assert call["arguments"] == [                     # sorted by the filler's offsets
        {"role": "date", "entity_id": f"{B}:e01", "text": "19 mai", "canonical_id": None},
        {"role": "participant", "entity_id": f"{B}:e02", "text": "Donald Trump", "canonical_id": "donald-trump"},
        {"role": "participant", "entity_id": f"{B}:e03", "text": "Vladimir Poutine",
         "canonical_id": "vladimir-poutine"},
    ]
    assert decoded(loaded["events"]["test"])[0]["arguments"] == []

    authorial = decoded(loaded["stances"]["test"])[0]
    assert authorial["holder_id"] is None and authorial["holder_text"] is None
    assert authorial["attribution"] == "AUTHORIAL"
    quote = decoded(loaded["stances"]["train"])[0]
    assert (quote["holder_text"], quote["target"], quote["polarity"], quote["holder_canonical_id"]) == (
        "Marco Rubio", "trump_putin_summit", "FAVOR", "marco-rubio")

    document = decoded(loaded["documents"]["train"])[0]
    assert document["id"] == A and document["date_precision"] == "month"
    assert "article_id" not in document["entities"][0]
    assert [e["id"] for e in document["entities"]] == [
        e["id"] for e in decoded(loaded["entities"]["train"])]


def test_rows_are_sorted_by_article_offsets_and_id(loaded):
    rows = [row for split in loaded["entities"].values() for row in split]
    for split in ("train", "validation", "test"):
        part = [r for r in rows if build.split_of(r["article_id"]) == split]
        keys = [(r["article_id"], r["start"], r["end"], r["id"]) for r in part]
        assert keys == sorted(keys)


def test_alternate_layer_is_not_released(taxonomy):
    tables = make_tables()
    alternate = dict(
        mention_id=f"{A}:12:e02", **{**_provenance(A, "e02", layer="alternate"),
                                      "annotation_id": 12},
        start=35, end=52, text="Vladimir Medinsky", export_text=None, type="PER",
        canonical_id=None)
    tables["entities"] = pa.concat_tables([
        tables["entities"], pa.Table.from_pylist([alternate], schema=SCHEMAS["entities"])])
    released = build.release_datasets(tables, taxonomy)["entities"]
    ids = {row["id"] for split in released.values() for row in split}
    assert f"{A}:12:e02" not in ids and len(ids) == len(ENTITIES)


def test_default_config_is_documents(release):
    assert datasets.get_dataset_default_config_name(str(release.path)) == "documents"
    assert sorted(datasets.get_dataset_config_names(str(release.path))) == sorted(release.configs)


def test_readme_yaml_parses(release, taxonomy):
    card = DatasetCard.load(release.path / "README.md")
    configs = MetadataConfigs.from_dataset_card_data(card.data)
    assert set(configs) == set(release.configs)
    assert configs.get_default_config_name() == "documents"
    assert configs["entities"]["data_files"] == [
        {"split": s, "path": f"entities/{s}-*"} for s in ("train", "validation", "test")]
    infos = DatasetInfosDict.from_dataset_card_data(card.data)
    declared = build.release_features(taxonomy)
    for config in release.configs:
        assert infos[config].features == declared[config]
        assert {name: split.num_examples for name, split in infos[config].splits.items()} == {
            split: n for split, n in release.counts[config].items() if n}
    data = card.data.to_dict()
    assert data["language"] == ["fr"]
    assert (data["license"], data["license_name"]) == ("other", "cc-by-4.0-annotations-only")
    assert data["annotations_creators"] == ["machine-generated"]


def test_card_body(release, taxonomy):
    text = (release.path / "README.md").read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    assert "{{" not in body.replace("{{pourparlers contributors}}", "") and "{%" not in body
    assert "Release **v0.1.0** (taxonomy schema 1.0.0)" in body
    assert "no gold annotations yet" not in body
    assert "1 mention(s) of this release are not in `ner`" in body
    assert 'load_dataset("acme/pourparlers", "documents", revision="v0.1.0")' in body
    assert "CC BY 4.0" in body and "belong to their publishers" in body
    for section in ("## Dataset Details", "## Uses", "## Dataset Structure",
                    "## Dataset Creation", "## Bias, Risks, and Limitations", "## Citation"):
        assert section in body
    assert card.label_tables_markdown(taxonomy) in body
    assert "| PER | 5 | 2 | 1 | 8 |" in body                 # entity counts per split


def test_split_of_is_pinned():
    assert build.split_of(A) == "train"
    assert build.split_of(B) == "validation"
    assert build.split_of(C) == "test"
    assert build.split_of("004_a40a122afaa65fb4") == "train"
    shares = {"train": 0, "validation": 0, "test": 0}
    for n in range(10_000):
        shares[build.split_of(f"article-{n}")] += 1
    assert 7_800 < shares["train"] < 8_200
    assert 900 < shares["validation"] < 1_100 and 900 < shares["test"] < 1_100


def test_two_builds_are_byte_identical(release, taxonomy, tmp_path):
    again = build.build_release(make_tables(), taxonomy, VERSION, tmp_path / VERSION, TEMPLATE,
                                repo_id="acme/pourparlers")
    assert tree_hashes(again.path) == tree_hashes(release.path)
    before = tree_hashes(again.path)
    build.build_release(make_tables(), taxonomy, VERSION, again.path, TEMPLATE,
                        repo_id="acme/pourparlers")                          # replaces in place
    assert tree_hashes(again.path) == before
    assert [p.name for p in tmp_path.iterdir()] == [VERSION]


def test_batches_and_row_groups_do_not_change_the_data(release, taxonomy, tmp_path, monkeypatch):
    """A build streamed one article at a time, in row groups of 2, holds the same tables."""
    monkeypatch.setattr(assembly, "BATCH_ARTICLES", 1)
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 2)
    small = build.build_release(make_tables(), taxonomy, VERSION, tmp_path / VERSION, TEMPLATE,
                                repo_id="acme/pourparlers")
    files = [p.relative_to(release.path) for p in config_files(release.path)]
    assert files == [p.relative_to(small.path) for p in config_files(small.path)]
    for name in files:
        streamed = pq.ParquetFile(small.path / name)
        assert streamed.metadata.num_row_groups == -(-streamed.metadata.num_rows // 2)
        assert streamed.read().equals(pq.read_table(release.path / name)), name
    assert small.counts == release.counts and small.ner_unrepresented == release.ner_unrepresented


def test_ner_tags_round_trip_to_the_outermost_spans(loaded, release):
    ner = decoded(loaded["ner"]["train"])[0]
    text = SEED_000
    assert ner["id"] == ner["article_id"] == A
    assert [text[s:e] for s, e in zip(ner["token_starts"], ner["token_ends"], strict=True)] == (
        ner["tokens"])
    assert ner["tokens"][ner["tokens"].index("l’") + 1] == "échange"
    spans, current = set(), None
    for token, (start, end, tag) in enumerate(
            zip(ner["token_starts"], ner["token_ends"], ner["ner_tags"], strict=True)):
        if tag.startswith("I-"):
            assert current and current[2] == tag[2:] and token > 0
            current = (current[0], end, current[2])
            continue
        if current:
            spans.add(current)
        current = (start, end, tag[2:]) if tag.startswith("B-") else None
    if current:
        spans.add(current)
    expected = {(*_span(text, surface, n), kind)
                for article, region, kind, surface, n in ENTITIES
                if article == A and region != "e05"}            # OTAN is inside the EVENT
    assert spans == expected
    assert release.ner_unrepresented == 1


def test_release_without_annotations(taxonomy, tmp_path):
    """Zero-row configs cannot be loaded, so they are left out; documents and ner remain."""
    tables = make_tables(articles={A: ARTICLES[A]}, entities=[], events=[], stances=[])
    result = build.build_release(tables, taxonomy, "0.0.1", tmp_path / "0.0.1", TEMPLATE)
    assert result.configs == ("documents", "articles", "ner", "ner_sentences", "actors")
    assert result.counts["entities"] == {"train": 0}
    assert result.ner_unrepresented == 0
    assert set(result.files) == {"README.md", "labels.parquet", "croissant.json", MARKER} | {
        f"{c}/train-00000-of-00001.parquet" for c in ("documents", "articles", "ner", "ner_sentences", "actors")}
    cache = str(tmp_path / "cache")
    for config in result.configs:
        loaded = load_dataset(str(result.path), config, cache_dir=cache)
        assert list(loaded) == ["train"] and len(loaded["train"]) == {"ner_sentences": 3, "actors": 53}.get(config, 1)
    document = load_dataset(str(result.path), "documents", cache_dir=cache)["train"][0]
    assert document["entities"] == document["events"] == document["stances"] == []
    ner = load_dataset(str(result.path), "ner", cache_dir=cache)["train"][0]
    assert set(ner["ner_tags"]) == {0}
    card = DatasetCard.load(result.path / "README.md")
    assert card.data.annotations_creators == ["no-annotation"]
    assert "this release contains the articles and the annotation schema; no gold " \
           "annotations yet" in card.text.lower()
    assert "`entities`, `events`, `stances`" in card.text
    assert "Entity types: no entities in this release." in card.text


def test_failed_build_leaves_the_previous_release(release, taxonomy, tmp_path, monkeypatch):
    out = tmp_path / VERSION
    build.build_release(make_tables(), taxonomy, VERSION, out, TEMPLATE)
    before = tree_hashes(out)

    broken = tmp_path / "card.md"
    broken.write_text(TEMPLATE.read_text(encoding="utf-8") + "\n{{ no_such_placeholder }}\n",
                      encoding="utf-8")
    with pytest.raises(BuildError, match="no_such_placeholder") as failed:   # after the parquet
        build.build_release(make_tables(), taxonomy, VERSION, out, broken)
    assert failed.value.code == "build-refused"
    assert tree_hashes(out) == before

    calls = []   # the disk fills while a parquet file is written (in either thread)
    real = pq.ParquetWriter.write_table

    def fail_on_third(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise OSError("No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", fail_on_third)
    with pytest.raises(OSError, match="No space left"):
        build.build_release(make_tables(), taxonomy, VERSION, out, TEMPLATE)
    assert tree_hashes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [VERSION, "card.md"]


@pytest.mark.parametrize(("table", "change", "code"), [
    ("entities", {"start": 1}, "span-text-mismatch"),
    ("events", {"type": "NEGOTIATE"}, "unknown-label"),
    ("stances", {"holder_id": f"{A}:11:e99"}, "dangling-reference"),
])
def test_invalid_tables_are_refused(taxonomy, tmp_path, table, change, code):
    """build_release re-runs validate's checks itself: a library caller cannot skip them."""
    rows = {name: t.to_pylist() for name, t in make_tables().items()}
    rows[table][0].update(change)
    tables = {name: pa.Table.from_pylist(rows[name], schema=SCHEMAS[name]) for name in SCHEMAS}
    with pytest.raises(InvalidData) as raised:
        build.build_release(tables, taxonomy, VERSION, tmp_path / VERSION, TEMPLATE)
    assert raised.value.code == "invalid-data"
    [found] = raised.value.problems
    assert (found.code, found.region_id) == (code, rows[table][0]["region_id"])
    assert not (tmp_path / VERSION).exists()


def test_bad_version_and_missing_table(taxonomy, tmp_path):
    with pytest.raises(ReleaseError, match="not MAJOR.MINOR.PATCH"):
        build.build_release(make_tables(), taxonomy, "v1", tmp_path / "v1", TEMPLATE)
    tables = make_tables()
    del tables["stances"]
    with pytest.raises(BuildError, match="missing table"):
        build.release_datasets(tables, taxonomy)


def test_parquet_metadata_carries_the_same_features(release, taxonomy):
    """Without the README, `datasets` reads the features from the parquet `huggingface` key."""
    declared = build.release_features(taxonomy)
    for path in config_files(release.path):
        schema = pq.read_schema(path)
        assert b"huggingface" in schema.metadata
        assert Features.from_arrow_schema(schema) == declared[path.parent.name], path


def test_parquet_files_are_written_as_dataset_to_parquet_writes_them(release, tmp_path):
    """`write_parquet` (batch by batch) and `Dataset.to_parquet` (whole) give the same rows and
    the same file metadata, content-defined-chunking options included."""
    for path in config_files(release.path):
        dataset = datasets.Dataset(pq.read_table(path))
        ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
        parquet.write_parquet([dataset.data.table], dataset.features, ours)
        dataset.to_parquet(theirs)
        assert pq.read_metadata(ours).metadata == pq.read_metadata(theirs).metadata, path
        assert pq.read_table(ours).equals(pq.read_table(theirs)), path
