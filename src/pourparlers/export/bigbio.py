"""The BigBIO knowledge-base schema (`bigbio/utils/schemas/kb.py` of bigscience-workshop/
biomedical), as a Hub-loadable dataset: `<split>-00000-of-00001.parquet` files and a README.md
whose YAML names the config `pourparlers_bigbio_kb` and its features, so
`load_dataset(<folder>, "pourparlers_bigbio_kb")` reads it like any BigBIO dataset.

One record per article: `id` and `document_id` the article id; one passage (the whole text, type
`article`); `entities`: the mentions (type; `normalized` [{db_name "pourparlers_actors", db_id the
canonical id}]) and the stance evidence spans (the stance label as type); `events`: trigger and
arguments (`role`, `ref_id` the filler mention); `relations`: stance holders (the holder relation,
arg1 the stance's evidence, arg2 the holder mention); `coreferences`: the mentions of an article
sharing a canonical id. Ids are the released ids. The schema has no slot for an event's realis,
a stance's target, polarity and attribution, or the coarse types: counted under `lost`.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from datasets import Features, Sequence, Value

from pourparlers.export.reader import ReleaseReader
from pourparlers.taxonomy import Taxonomy

CONFIG = "pourparlers_bigbio_kb"
DB_NAME = "pourparlers_actors"
PASSAGE = "article"


def _offsets_text() -> dict:
    return {"text": Sequence(Value("string")), "offsets": Sequence([Value("int32")])}


KB_FEATURES = Features({
    "id": Value("string"),
    "document_id": Value("string"),
    "passages": [{"id": Value("string"), "type": Value("string"), **_offsets_text()}],
    "entities": [{"id": Value("string"), "type": Value("string"), **_offsets_text(),
                  "normalized": [{"db_name": Value("string"), "db_id": Value("string")}]}],
    "events": [{"id": Value("string"), "type": Value("string"), "trigger": _offsets_text(),
                "arguments": [{"role": Value("string"), "ref_id": Value("string")}]}],
    "coreferences": [{"id": Value("string"), "entity_ids": Sequence(Value("string"))}],
    "relations": [{"id": Value("string"), "type": Value("string"), "arg1_id": Value("string"),
                   "arg2_id": Value("string"),
                   "normalized": [{"db_name": Value("string"), "db_id": Value("string")}]}],
})
"""The BigBIO KB features, written out here (the package cannot import a test fixture); a test
holds them equal to BigBIO's own definition, vendored in tests/fixtures/bigbio/."""


def _span(text: str, start: int, end: int) -> dict:
    return {"text": [text[start:end]], "offsets": [[start, end]]}


def record(row: dict, taxonomy: Taxonomy) -> dict:
    """One article (a `documents` row) as a BigBIO KB record."""
    controls, text = taxonomy.controls, row["text"]
    entities = [{"id": e["id"], "type": e["type"], **_span(text, e["start"], e["end"]),
                 "normalized": [{"db_name": DB_NAME, "db_id": e["canonical_id"]}] if e["canonical_id"] else []}
                for e in row["entities"]]
    entities += [{"id": s["id"], "type": controls["stance_label"],
                  **_span(text, s["evidence"]["start"], s["evidence"]["end"]), "normalized": []}
                 for s in row["stances"]]
    events = [{"id": e["id"], "type": e["type"], "trigger": _span(text, e["trigger"]["start"], e["trigger"]["end"]),
               "arguments": [{"role": a["role"], "ref_id": a["entity_id"]} for a in e["arguments"]]}
              for e in row["events"]]
    relations = [{"id": f"{s['id']}:{controls['holder_relation']}", "type": controls["holder_relation"],
                  "arg1_id": s["id"], "arg2_id": s["holder_id"], "normalized": []}
                 for s in row["stances"] if s["holder_id"]]
    chains = defaultdict(list)
    for e in row["entities"]:
        if e["canonical_id"]:
            chains[e["canonical_id"]].append(e["id"])
    coreferences = [{"id": f"{row['id']}:{DB_NAME}:{key}", "entity_ids": ids}
                    for key, ids in sorted(chains.items()) if len(ids) > 1]
    return {"id": row["id"], "document_id": row["id"],
            "passages": [{"id": f"{row['id']}:{PASSAGE}", "type": PASSAGE, "text": [text],
                          "offsets": [[0, len(text)]]}],
            "entities": entities, "events": events, "coreferences": coreferences, "relations": relations}


def _card(infos: dict) -> str:
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    data = DatasetCardData(language=["fr"])
    DatasetInfosDict(infos).to_dataset_card_data(data)
    MetadataConfigs({CONFIG: {"data_files": [{"split": s, "path": f"{s}-*"} for s in infos[CONFIG].splits]}}
                    ).to_dataset_card_data(data)
    return (f"---\n{data.to_yaml()}\n---\n\n# pourparlers in the BigBIO KB schema\n\n"
            f'Load with `datasets.load_dataset("<this folder>", "{CONFIG}")`. Written by `pourparlers export '
            "bigbio` from a release of pourparlers; see that release's card for the data and its licence.\n")


def write(reader: ReleaseReader, out: Path, taxonomy: Taxonomy) -> tuple[dict[str, int], dict[str, int]]:
    from datasets.info import DatasetInfo
    from datasets.splits import SplitDict, SplitInfo

    from pourparlers.build.parquet import dataset_from_rows, write_parquet

    info = DatasetInfo(config_name=CONFIG, features=KB_FEATURES, splits=SplitDict())
    written = {"documents": 0, "entities": 0, "events": 0, "relations": 0, "coreferences": 0}
    lost = {"event realis": 0, "stance target, polarity and attribution": 0}
    for split in reader.splits("documents"):
        counted = {"rows": 0}

        def parts(split: str = split, counted: dict = counted):
            for rows in reader.rows("documents", split):
                records = [record(row, taxonomy) for row in rows]
                for item in records:
                    for key in ("entities", "events", "relations", "coreferences"):
                        written[key] += len(item[key])
                lost["event realis"] += sum(len(row["events"]) for row in rows)
                lost["stance target, polarity and attribution"] += sum(len(row["stances"]) for row in rows)
                counted["rows"] += len(records)
                yield dataset_from_rows(records, KB_FEATURES).data.table

        nbytes = write_parquet(parts(), KB_FEATURES, out / f"{split}-00000-of-00001.parquet")
        info.splits.add(SplitInfo(name=split, num_bytes=nbytes, num_examples=counted["rows"]))
        written["documents"] += counted["rows"]
    (out / "README.md").write_text(_card({CONFIG: info}), encoding="utf-8")
    return written, lost
