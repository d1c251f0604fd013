"""Corpus-scale benchmark: our convert, validate and build against anchors, on synthetic exports.

`scripts/bench` runs this file. It generates a throw-away repository (raw/, annotations/, schema/)
of synthetic articles in a temporary folder (never the repository's raw/ or annotations/: the
text is French words drawn from the repository's own articles, meaningless and never released),
then runs
every measurement in its own process, so peak memory (the process's own `VmHWM`, or while
convert's worker processes run, the sampled PSS of the whole process tree) is that step's alone:

- ours: `convert_exports` (+ `load_articles` shown apart), `validate_corpus` on clean tables and
  on tables with 1 % of rows broken, `build_release`;
- anchors on the same inputs: the bare read + orjson parse of the same export files (GC off,
  the floor of any Python converter), Label Studio's own `label_studio_sdk.converter` to JSON_MIN
  and CONLL2003, the same checks on Pandera's pandas backend, and a bare
  `pyarrow.parquet.write_table` of the tables handed to build (and of the release's tables).

It prints one table (median of the runs, ratios, peak memory) and the cost per article at each
size. Timings are in-process seconds of the step itself (imports and reading inputs left out);
the anchors get the same treatment.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import zlib
from pathlib import Path

import orjson

from pourparlers import atomic
from pourparlers.convert import CONVERT_RUNS
from pourparlers.repo import Repo

REPO = Repo.find(Path(__file__).resolve().parent)   # the repository this benchmark belongs to
SIZES = (1_000, 10_000, 50_000)
SDK_SAMPLE = 1_000        # the SDK converts this many articles when the corpus is larger
ANCHOR_SAMPLE = 10_000    # pandera-pandas sample cap (it is slow and memory-hungry at 50k)
ANCHOR_CAPS = {"sdk_json_min": SDK_SAMPLE, "sdk_conll": SDK_SAMPLE, "pandera_pandas": ANCHOR_SAMPLE}
ENTITIES, EVENTS, STANCES, ARGUMENTS_PER_EVENT = 40, 6, 3, 2
ACTORS = 500   # synthetic canonical ids actor-1 … actor-500, declared in the generated schema/actors.yaml
TEXT_CHARS = 3_000
BAD_FRACTION = 0.01
VERSION = "0.0.0"
_ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+")
_FALLBACK_WORDS = ("les", "pourparlers", "entre", "la", "Russie", "et", "l'Ukraine", "ont", "repris",
                   "à", "Istanbul", "sous", "médiation", "turque", "après", "trois", "ans")


# --------------------------------------------------------------------------- synthetic corpus


def _vocabulary(raw_dir: Path = REPO.raw) -> list[str]:
    """French words of the repository's articles (NFC), as the benchmark's word pool."""
    words: list[str] = []
    for path in sorted(Path(raw_dir).glob("*.txt")):
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        words += _WORD.findall(text)
    return words or list(_FALLBACK_WORDS)


def _article(rng: random.Random, words: list[str], index: int) -> str:
    """About TEXT_CHARS characters of sentences and paragraphs; unique by its first line."""
    parts = [f"Article de test {index} « synthétique » : négociations."]
    size = len(parts[0])
    sentence: list[str] = []
    while size < TEXT_CHARS:
        sentence = rng.choices(words, k=rng.randint(10, 24))
        line = " ".join(sentence)
        line = line[0].upper() + line[1:] + "."
        parts.append(line)
        size += len(line) + 1
    text = parts[0] + "\n"
    for i, line in enumerate(parts[1:]):
        text += line + ("\n\n" if i % 5 == 4 else " ")
    return text.rstrip() + "\n"


class _Schema:
    """The label choices the generator draws from, read from the taxonomy (so exports validate)."""

    def __init__(self, taxonomy) -> None:
        self.controls = taxonomy.controls
        self.entity_types = list(taxonomy.entity_types)
        self.event_types = list(taxonomy.event_types)
        self.roles_of = {e: {r: list(t) for r, t in roles.items()}
                         for e, roles in taxonomy.roles_of.items()}
        self.realis = list(taxonomy.realis)
        self.targets = list(taxonomy.stance_targets)
        self.polarities = list(taxonomy.polarities)
        self.attributions = list(taxonomy.attributions)
        self.holder_types = list(taxonomy.holder_types)
        self.canonical_id_types = set(taxonomy.canonical_id_types)


def _region_ids(rng: random.Random, n: int) -> list[str]:
    ids = {"".join(rng.choices(_ID_CHARS, k=10)) for _ in range(n)}
    while len(ids) < n:
        ids.add("".join(rng.choices(_ID_CHARS, k=10)))
    return sorted(ids, key=lambda _: rng.random())


def _task(rng: random.Random, schema: _Schema, text: str, article_id: str, index: int) -> dict:
    """One Label Studio task in the full JSON export format, with one submitted annotation."""
    c = schema.controls
    words = [m.span() for m in _WORD.finditer(text)]
    n_regions = ENTITIES + EVENTS + STANCES
    picks = sorted(rng.sample(range(len(words) - 12), n_regions))
    kinds = ["entity"] * ENTITIES + ["event"] * EVENTS + ["stance"] * STANCES
    rng.shuffle(kinds)
    ids = _region_ids(rng, n_regions)
    regions = []
    for position, (word, kind, rid) in enumerate(zip(picks, kinds, ids, strict=True)):
        following = picks[position + 1] if position + 1 < len(picks) else len(words)
        # a stance's evidence is a few words and may cover other regions; others do not overlap
        last = word + rng.randint(3, 10) if kind == "stance" else min(word + rng.randint(0, 2), following - 1)
        start, end = words[word][0], words[min(last, len(words) - 1)][1]
        regions.append({"id": rid, "kind": kind, "start": start, "end": end, "label": None})
    entities = [r for r in regions if r["kind"] == "entity"]
    free = list(entities)
    rng.shuffle(free)
    result: list[dict] = []
    relations: list[dict] = []
    for region in regions:
        if region["kind"] == "event":
            event_type = rng.choice(schema.event_types)
            region["label"] = event_type
            region["choices"] = [(c["realis"], rng.choice(schema.realis))]
            roles = list(schema.roles_of[event_type])
            for role in rng.sample(roles, min(ARGUMENTS_PER_EVENT, len(roles))):
                filler = free.pop() if free else rng.choice(entities)
                filler["label"] = filler["label"] or rng.choice(schema.roles_of[event_type][role])
                if filler["label"] not in schema.roles_of[event_type][role]:
                    continue
                relations.append({"from_id": region["id"], "to_id": filler["id"], "type": "relation",
                                  "direction": "right", "labels": [role]})
        elif region["kind"] == "stance":
            region["label"] = c["stance_label"]
            attribution = rng.choice(schema.attributions)
            region["choices"] = [(c["stance_target"], rng.choice(schema.targets)),
                                 (c["stance_polarity"], rng.choice(schema.polarities)),
                                 (c["stance_attribution"], attribution)]
            if attribution != "AUTHORIAL":
                holders = [e for e in entities if e["label"] in schema.holder_types]
                holder = rng.choice(holders) if holders else None
                if holder is None:
                    holder = free.pop() if free else entities[0]
                    holder["label"] = rng.choice(schema.holder_types)
                relations.append({"from_id": region["id"], "to_id": holder["id"], "type": "relation",
                                  "direction": "right", "labels": [c["holder_relation"]]})
    linked = {relation["to_id"] for relation in relations}
    for region in regions:
        if region["label"] is None:
            region["label"] = rng.choice(schema.entity_types)
        start, end = region["start"], region["end"]
        span = text[start:end]
        result.append({"id": region["id"], "from_name": c[region["kind"]], "to_name": c["text"],
                       "type": "labels", "origin": "manual",
                       "value": {"start": start, "end": end, "text": span, "labels": [region["label"]]}})
        for control, choice in region.get("choices", ()):
            result.append({"id": region["id"], "from_name": control, "to_name": c["text"],
                           "type": "choices", "origin": "manual",
                           "value": {"start": start, "end": end, "text": span, "choices": [choice]}})
        drawn = region["kind"] == "entity" and rng.random() < 0.1
        # a named filler or holder needs its actor's id (validate checks it); the id is derived
        # from the span, so the random draws, and with them the rest of the corpus, stay the same
        named = (region["kind"] == "entity" and region["id"] in linked and span[:1].isupper()
                 and region["label"] in schema.canonical_id_types)
        if drawn or named:
            actor = rng.randint(1, ACTORS) if drawn else 1 + zlib.crc32(span.encode()) % ACTORS
            result.append({"id": region["id"], "from_name": c["canonical_id"], "to_name": c["text"],
                           "type": "textarea", "origin": "manual",
                           "value": {"start": start, "end": end, "text": [f"actor-{actor}"]}})
    result += relations
    stamp = f"2026-11-20T10:{index // 60 % 60:02d}:{index % 60:02d}.000Z"
    return {
        "id": index + 1,
        "data": {"text": text, "article_id": article_id, "lang": "fr"},
        "annotations": [{
            "id": index + 1, "completed_by": 1 + index % 7,
            "result": result, "was_cancelled": False, "ground_truth": False,
            "created_at": stamp, "updated_at": stamp, "draft_created_at": None, "lead_time": 600.0,
            "prediction": {}, "result_count": len(result), "task": index + 1, "project": 1,
            "updated_by": 1, "parent_prediction": None, "parent_annotation": None,
        }],
        "predictions": [], "drafts": [], "meta": {}, "created_at": stamp, "updated_at": stamp,
        "allow_skip": True, "inner_id": index + 1, "total_annotations": 1,
        "cancelled_annotations": 0, "total_predictions": 0, "project": 1, "updated_by": 1,
    }


def _scaffold(root: Path) -> None:
    """schema/, the card template and a changelog, copied from the repository (build needs them)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO.schema, root / "schema", dirs_exist_ok=True)
    # The synthetic canonical ids (`actor-<n>`), declared as the corpus's actors are.
    (root / "schema" / "actors.yaml").write_text("actors:\n" + "".join(
        f'  actor-{n}:\n    name: "Synthetic actor {n}"\n    type: PER\n' for n in range(1, ACTORS + 1)),
        encoding="utf-8")
    for path in (REPO.card_template, REPO.changelog):
        if path.exists():
            shutil.copy2(path, root / path.name)
    (root / "raw").mkdir(exist_ok=True)
    (root / "annotations").mkdir(exist_ok=True)


def generate(root: Path, n: int, *, seed: int = 7, raw_dir: Path = REPO.raw) -> Path:
    """A repository at `root` with `n` synthetic articles in raw/ and their exports in annotations/.

    Deterministic for a given seed. The text is benchmark filler, marked as such in every
    article's metadata: it must never be released.
    """
    from pourparlers.hashing import sha256
    from pourparlers.ingest import article_id_for

    root = Path(root)
    _scaffold(root)
    schema = _Schema(Repo(root).taxonomy())
    words = _vocabulary(raw_dir)
    rng = random.Random(seed)
    raw_dir, annotations_dir = root / "raw", root / "annotations"
    for index in range(n):
        text = _article(rng, words, index)
        raw = text.encode("utf-8")
        article_id = article_id_for(raw)
        meta = {
            "article_id": article_id, "raw_file": f"raw/{article_id}.txt",
            "raw_sha256": hashlib.sha256(raw).hexdigest(), "text_sha256": sha256(text),
            "n_chars": len(text), "title": text.split("\n", 1)[0], "source": "synthetic",
            "url": None, "published": "2025-05", "date_precision": "month", "date_from": "option",
            "language": "fr", "notes": "synthetic benchmark text: never to be released",
            "received_as": f"bench-{index}.txt",
        }
        (raw_dir / f"{article_id}.txt").write_bytes(raw)
        (raw_dir / f"{article_id}.json").write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
        task = _task(rng, schema, text, article_id, index)
        (annotations_dir / f"{article_id}.json").write_bytes(orjson.dumps([task]))
    return root


def subset(full: Path, root: Path, n: int) -> Path:
    """A repository with the first `n` articles of `full` (hard links: no copy of the data)."""
    full, root = Path(full), Path(root)
    _scaffold(root)
    exports = sorted((full / "annotations").glob("*.json"))[:n]
    for export in exports:
        article_id = export.stem
        os.link(export, root / "annotations" / export.name)
        for suffix in (".txt", ".json"):
            os.link(full / "raw" / f"{article_id}{suffix}", root / "raw" / f"{article_id}{suffix}")
    return root


# --------------------------------------------------------------------------- broken tables


def corrupt(tables_dir: Path, out_dir: Path, fraction: float = BAD_FRACTION, seed: int = 11) -> int:
    """Copy the tables with `fraction` of the span rows broken, a quarter each: unknown label,
    empty span (end == start), text != text[start:end], unknown article. Writes the broken
    rows' (table, annotation_id, region_id) to `expected.json`; returns how many."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    expected = []
    for path in sorted(Path(tables_dir).glob("*.parquet")):
        table = pq.read_table(path)
        name = path.stem
        if name in ("entities", "events", "stances") and table.num_rows:
            rows = sorted(rng.sample(range(table.num_rows), max(4, int(table.num_rows * fraction))))
            columns = {c: table.column(c).to_pylist() for c in ("type", "end", "text", "article_id",
                                                                "start") if c in table.column_names}
            label = "type" if "type" in columns else None
            for i, row in enumerate(rows):
                how = i % 4
                if how == 0 and label:
                    columns["type"][row] = "NOT_A_LABEL"
                elif how == 1 or (how == 0 and not label):
                    columns["end"][row] = columns["start"][row]
                elif how == 2:
                    columns["text"][row] = columns["text"][row] + "x"
                else:
                    columns["article_id"][row] = "pp-000000000000"
                expected.append([name, table.column("annotation_id")[row].as_py(),
                                 table.column("region_id")[row].as_py()])
            for column, values in columns.items():
                index = table.column_names.index(column)
                table = table.set_column(index, table.field(column),
                                         pa.array(values, type=table.schema.field(column).type))
            assert pc.sum(pc.not_equal(table["start"], table["start"])).as_py() in (None, 0)
        pq.write_table(table, out_dir / path.name)
    (out_dir / "expected.json").write_text(json.dumps(expected))
    return len(expected)


# --------------------------------------------------------------------------- pandera-pandas anchor


def pandas_contracts(taxonomy, tables: dict) -> dict:
    """The checks of `validate` written for Pandera's pandas backend, the usual pandas way
    (column checks, vectorised merges for references, a list comprehension for the span text).
    `tables` are pandas frames; the cross-table checks close over them."""
    import numpy as np
    import pandas as pd
    import pandera.pandas as pdp

    from pourparlers.tables import LAYERS, SCHEMAS

    pa_to_pd = {"string": "str", "int32": "int32", "int64": "int64", "int8": "int8"}
    labels = {column: names for column, (names, _) in taxonomy.label_columns().items()}
    required = {("events", "realis"), ("stances", "target"), ("stances", "polarity"),
                ("stances", "attribution"), ("event_arguments", "role")}
    ids = {"articles": "article_id", "entities": "mention_id", "events": "event_id",
           "stances": "stance_id"}
    articles = tables["articles"]
    doc = dict(zip(articles["article_id"], articles["text"], strict=True))
    article_ids = set(articles["article_id"])
    ents = tables["entities"][["mention_id", "article_id", "annotation_id", "type"]]
    evs = tables["events"][["event_id", "article_id", "annotation_id", "type"]]
    pairs = {(e, r) for e, roles in taxonomy.roles_of.items() for r in roles}
    triples = {(e, r, k) for e, roles in taxonomy.roles_of.items() for r, ks in roles.items() for k in ks}

    def span_ok(df):
        docs = [doc.get(a) for a in df["article_id"]]
        text = [d[s:e] if d is not None else None
                for d, s, e in zip(docs, df["start"], df["end"], strict=True)]
        return pd.Series([t == x and (y is None or y == t) for t, x, y in
                          zip(text, df["text"], df["export_text"], strict=True)], index=df.index)

    def unique_span(keys):
        return lambda df: ~df.duplicated(["article_id", "annotation_id", *keys], keep=False)

    def argument_ok(df):
        m = df.merge(evs.add_prefix("e_"), how="left", left_on="event_id", right_on="e_event_id")
        m = m.merge(ents.add_prefix("m_"), how="left", left_on="mention_id", right_on="m_mention_id")
        same_e = (m["e_article_id"] == m["article_id"]) & (m["e_annotation_id"] == m["annotation_id"])
        same_m = (m["m_article_id"] == m["article_id"]) & (m["m_annotation_id"] == m["annotation_id"])
        role_ok = np.array([(e, r) in pairs for e, r in zip(m["e_type"], m["role"], strict=True)], bool)
        fill_ok = np.array([(e, r, k) in triples for e, r, k in
                            zip(m["e_type"], m["role"], m["m_type"], strict=True)], bool)
        return pd.Series((same_e & same_m & role_ok & fill_ok).to_numpy(), index=df.index)

    def holder_ok(df):
        m = df.merge(ents.add_prefix("h_"), how="left", left_on="holder_id", right_on="h_mention_id")
        has = m["holder_id"].notna()
        same = (m["h_article_id"] == m["article_id"]) & (m["h_annotation_id"] == m["annotation_id"])
        typed = m["h_type"].isin(taxonomy.holder_types)
        authorial = m["attribution"] == taxonomy.holderless_attribution
        ok = ((has & same & typed) | ~has) & (has != authorial)
        return pd.Series(ok.to_numpy(), index=df.index)

    def article_ok(df):
        sha = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in df["text"]]
        return (df["text_sha256"] == pd.Series(sha, index=df.index)) & (df["n_chars"] == df["text"].str.len())

    schemas = {}
    for name, arrow_schema in SCHEMAS.items():
        columns = {}
        for f in arrow_schema:
            checks = []
            if (name, f.name) in labels:
                checks.append(pdp.Check.isin(list(labels[name, f.name])))
            if f.name == "start":
                checks.append(pdp.Check.ge(0))
            if f.name == "layer":
                checks.append(pdp.Check.isin(list(LAYERS)))
            if name != "articles" and f.name == "article_id":
                checks.append(pdp.Check.isin(article_ids))
            columns[f.name] = pdp.Column(pa_to_pd[str(f.type)], checks=checks,
                                         nullable=f.nullable and (name, f.name) not in required,
                                         unique=ids.get(name) == f.name)
        frame = []
        if "start" in arrow_schema.names:
            frame += [pdp.Check(lambda df: df["end"] > df["start"], name="end_after_start"),
                      pdp.Check(span_ok, name="span_text")]
        if name in ("entities", "events"):
            frame.append(pdp.Check(unique_span(["type", "start", "end"]), name="duplicate_span"))
        if name == "event_arguments":
            frame += [pdp.Check(argument_ok, name="argument_references"),
                      pdp.Check(unique_span(["event_id", "role", "mention_id"]), name="duplicate_relation")]
        if name == "stances":
            frame.append(pdp.Check(holder_ok, name="holder"))
        if name == "articles":
            frame.append(pdp.Check(article_ok, name="sha_and_length"))
        schemas[name] = pdp.DataFrameSchema(columns, checks=frame, strict=True, name=name)
    return schemas


# --------------------------------------------------------------------------- steps (one process each)


def _tables(folder: Path) -> dict:
    import pyarrow.parquet as pq

    return {p.stem: pq.read_table(p) for p in sorted(Path(folder).glob("*.parquet"))}


def _step_parse(root: Path, work: Path) -> dict:
    files = sorted((root / "annotations").glob("*.json"))
    gc.disable()
    t0, c0 = time.perf_counter(), cpu_seconds()
    size = 0
    for path in files:
        raw = path.read_bytes()
        size += len(raw)
        orjson.loads(raw)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "cpu_seconds": cpu_seconds() - c0, "articles": len(files),
            "mb": size / 1e6}


def _step_convert(root: Path, work: Path) -> dict:
    from pourparlers.convert import convert_exports, write_tables
    from pourparlers.corpus import annotation_files
    from pourparlers.raw import load_articles

    repo = Repo(root)
    taxonomy = repo.taxonomy()
    t0 = time.perf_counter()
    articles, article_problems = load_articles(repo)
    t1, c1 = time.perf_counter(), cpu_seconds()
    converted = convert_exports(repo, annotation_files(repo), articles, taxonomy)
    t2, c2 = time.perf_counter(), cpu_seconds()
    tables = {"articles": articles, **converted.tables}
    write_tables(tables, work / "tables")
    return {"seconds": t2 - t1, "cpu_seconds": c2 - c1, "articles_s": t1 - t0,
            "articles": articles.num_rows,
            "problems": len(article_problems) + len(converted.problems),
            "rows": {name: t.num_rows for name, t in tables.items()}}


def _warm(taxonomy) -> None:
    """Validate empty tables once: Pandera imports its check backends (and hypothesis) on the
    first validation, a fixed cost that is start-up, not work on the corpus."""
    from pourparlers.tables import SCHEMAS
    from pourparlers.validate import validate_corpus

    validate_corpus({name: schema.empty_table() for name, schema in SCHEMAS.items()}, taxonomy)


def _validate(root: Path, folder: Path) -> dict:
    from pourparlers.validate import validate_corpus

    taxonomy = Repo(root).taxonomy()
    _warm(taxonomy)
    tables = _tables(folder)
    t0 = time.perf_counter()
    report = validate_corpus(tables, taxonomy)
    seconds = time.perf_counter() - t0
    out = {"seconds": seconds, "articles": tables["articles"].num_rows,
           "problems": len(report.problems)}
    expected_file = folder / "expected.json"
    if expected_file.exists():
        expected = {tuple(row) for row in json.loads(expected_file.read_text())}
        found = {(p.annotation_id, p.region_id) for p in report.problems}
        out["broken_rows"] = len(expected)
        out["unreported"] = sum(1 for _, a, r in expected if (str(a), r) not in found)
    return out


def _step_validate(root: Path, work: Path) -> dict:
    return _validate(root, work / "tables")


def _step_validate_bad(root: Path, work: Path) -> dict:
    return _validate(root, work / "tables_bad")


def _step_pandera_pandas(root: Path, work: Path) -> dict:
    import pandera.errors

    from pourparlers.tables import SCHEMAS

    taxonomy = Repo(root).taxonomy()
    empty = {name: schema.empty_table().to_pandas() for name, schema in SCHEMAS.items()}
    for name, schema in pandas_contracts(taxonomy, empty).items():   # warm up, as for ours
        schema.validate(empty[name], lazy=True)
    frames = {name: table.to_pandas() for name, table in _tables(work / "tables").items()}
    t0 = time.perf_counter()
    schemas = pandas_contracts(taxonomy, frames)
    failures = 0
    for name, schema in schemas.items():
        try:
            schema.validate(frames[name], lazy=True)
        except pandera.errors.SchemaErrors as errors:
            failures += len(errors.failure_cases)
    seconds = time.perf_counter() - t0
    if failures:
        raise RuntimeError(f"the Pandera pandas anchor fails on clean data ({failures} failure cases)")
    return {"seconds": seconds, "articles": len(frames["articles"]), "problems": failures}


def _step_build(root: Path, work: Path) -> dict:
    from pourparlers.build import build_release

    taxonomy = Repo(root).taxonomy()
    tables = _tables(work / "tables")   # every layer, as `pourparlers build` passes them
    out = work / "dist" / VERSION
    t0 = time.perf_counter()
    result = build_release(tables, taxonomy, VERSION, out, root / "DATASET_CARD.md",
                           validated=True)   # the validate step measures validation
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "articles": tables["articles"].num_rows,
            "files": len(result.files),
            "mb": sum(p.stat().st_size for p in out.rglob("*.parquet")) / 1e6}


def _step_pipeline(root: Path, work: Path) -> dict:
    """What `pourparlers build` does, in one process: read raw/, convert, validate, build. The
    steps above are measured apart; this is the memory a user's machine needs."""
    from pourparlers.build import build

    t0 = time.perf_counter()
    result = build(Repo(root), VERSION, work / "dist_pipeline" / VERSION)
    return {"seconds": time.perf_counter() - t0, "articles": sum(result.counts["articles"].values())}


def _step_write_table(root: Path, work: Path) -> dict:
    """Anchor: `pq.write_table` of the tables build is given (the gold layer)."""
    import pyarrow.parquet as pq

    from pourparlers.corpus import gold

    tables = gold(_tables(work / "tables"))
    out = work / "bare"
    out.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    for name, table in tables.items():
        pq.write_table(table, out / f"{name}.parquet")
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "articles": tables["articles"].num_rows,
            "mb": sum(p.stat().st_size for p in out.glob("*.parquet")) / 1e6}


def _step_write_release(root: Path, work: Path) -> dict:
    """Anchor: `pq.write_table` of the release's own tables, read back from build's output."""
    import pyarrow.parquet as pq

    files = sorted((work / "dist" / VERSION).rglob("*.parquet"))
    tables = [(p.relative_to(work / "dist").as_posix().replace("/", "_"), pq.read_table(p))
              for p in files]
    out = work / "bare_release"
    out.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    for name, table in tables:
        pq.write_table(table, out / name)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "articles": None, "files": len(files)}


def _sdk(root: Path, work: Path, fmt: str) -> dict:
    from label_studio_sdk.converter import Converter

    exports = root / "annotations"
    n = len(list(exports.glob("*.json")))
    converter = Converter(config=str(root / "schema" / "label_config.xml"), project_dir=None,
                          download_resources=False)
    out = work / f"sdk_{fmt}"
    t0 = time.perf_counter()
    converter.convert(str(exports), str(out), fmt, is_dir=True)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "articles": n}


def _step_sdk_json_min(root: Path, work: Path) -> dict:
    return _sdk(root, work, "JSON_MIN")


def _step_sdk_conll(root: Path, work: Path) -> dict:
    return _sdk(root, work, "CONLL2003")


EXPORTS = ("conll", "spacy", "brat", "bigbio", "plover", "stances")


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _export_step(fmt: str):
    def step(root: Path, work: Path) -> dict:
        """`pourparlers export <fmt> --release` of the release the build step wrote."""
        from pourparlers.export import export

        out = work / f"export_{fmt}"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        export(fmt, out, Repo(root), release=work / "dist" / VERSION)
        return {"seconds": time.perf_counter() - t0, "articles": None, "mb": _folder_mb(out)}
    return step


def _bare_step(fmt: str):
    def step(root: Path, work: Path) -> dict:
        """Anchor: the same output's bytes (read first, not timed) written file by file."""
        source, out = work / f"export_{fmt}", work / f"bare_{fmt}"
        files = [(p.relative_to(source), p.read_bytes()) for p in sorted(source.rglob("*")) if p.is_file()]
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        for relative, data in files:
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            (out / relative).write_bytes(data)
        return {"seconds": time.perf_counter() - t0, "articles": None, "mb": _folder_mb(out)}
    return step


def _step_site(root: Path, work: Path) -> dict:
    """`pourparlers site --release` of the release the build step wrote (every page and figure)."""
    from pourparlers.site import site

    out = work / "site"
    t0 = time.perf_counter()
    result = site(Repo(root), out, release=work / "dist" / VERSION)
    return {"seconds": time.perf_counter() - t0, "articles": result.written["article pages"],
            "pages": sum(1 for _ in out.rglob("*.html")), "mb": _folder_mb(out)}


STEPS = {
    "parse": _step_parse,
    "convert": _step_convert,
    "validate": _step_validate,
    "validate_bad": _step_validate_bad,
    "pandera_pandas": _step_pandera_pandas,
    "build": _step_build,
    "write_table": _step_write_table,
    "write_release": _step_write_release,
    "sdk_json_min": _step_sdk_json_min,
    "sdk_conll": _step_sdk_conll,
    "pipeline": _step_pipeline,
    **{f"export_{fmt}": _export_step(fmt) for fmt in EXPORTS},
    **{f"bare_{fmt}": _bare_step(fmt) for fmt in EXPORTS},
    "site": _step_site,
}
SITE_GOAL_SECONDS = 60   # the corpus browser of 1k articles (issue 19), measured at the smallest size


class ChildrenMemory(threading.Thread):
    """Samples the memory of this process's children (convert's workers) while a step runs.

    `peak_mib` is the largest sum of their proportional set sizes (PSS: a page shared by n
    processes counts 1/n in each), and `peak_with_parent_mib` the largest sum with this
    process's own PSS at the same moment (the whole tree, no page counted twice); read from
    /proc every `every` seconds. Not more often: the
    kernel walks a process's pages to sum them (tens of ms at 50k), CPU taken from the workers
    on a 2-core machine (sampling every 0.05 s slowed convert by 15 % at 50k).
    """

    def __init__(self, every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.peak_mib = 0.0
        self.peak_with_parent_mib = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.every):
            children = _children(os.getpid())
            if children:
                workers = sum(map(_pss_mib, children))
                self.peak_mib = max(self.peak_mib, workers)
                self.peak_with_parent_mib = max(self.peak_with_parent_mib,
                                                workers + _pss_mib(os.getpid()))

    def __enter__(self) -> ChildrenMemory:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self.join()


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:      # gone meanwhile
                continue
            if int(stat.rpartition(")")[2].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def own_peak_mib() -> float:
    """This process's peak RSS in MiB, from `VmHWM` (the peak of its own address space).

    Not `ru_maxrss`: Linux carries the parent's peak over `exec`, so a step started by a driver
    that once held 1.5 GB (it corrupts the 50k tables itself) would report at least that.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:   # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return next(int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmHWM:")) / 1024


def _pss_mib(pid: int) -> float:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    kib = next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
    return kib / 1024


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (convert's workers)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def worker(step: str, root: Path, work: Path) -> dict:
    """Run one step in this process and add its peak memory in MiB: this process's own peak
    RSS, or, while it had worker processes, the largest PSS of the whole process tree sampled
    at one moment, whichever is larger. Arrow allocates from the pool `pourparlers` commands
    use (`pourparlers.memory`), for our steps and the anchors alike."""
    from pourparlers.memory import allocating_from, returning_pool

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    with ChildrenMemory() as children, allocating_from(returning_pool()):
        result = STEPS[step](Path(root), Path(work))
    result["peak_mib"] = max(own_peak_mib(), children.peak_with_parent_mib)
    result["workers_peak_mib"] = children.peak_mib
    return result


def measure(step: str, root: Path, work: Path, env: dict | None = None) -> dict:
    """One step in a fresh interpreter; its JSON result plus the process wall time."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", step, "--root", str(root),
               "--work", str(work)]
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"bench step {step} on {root} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


# --------------------------------------------------------------------------- the run


# (label, our step, anchor step, how the ratio reads, target). A target of None is a floor
# measured and retired as a goal (benchmarks/README.md says why): shown, never judged.
COMPARISONS = (
    ("convert vs SDK JSON_MIN", "convert", "sdk_json_min", "faster", 5.0),
    ("convert vs SDK CONLL2003", "convert", "sdk_conll", "faster", 10.0),
    ("convert vs bare orjson parse", "convert", "parse", "of", None),
    ("validate vs Pandera pandas", "validate", "pandera_pandas", "faster", 8.0),
    ("validate, 1% bad rows: time", "validate_bad", "validate", "of", 1.5),
    ("build vs write_table (its input)", "build", "write_table", "of", None),
    ("build vs write_table (release tables)", "build", "write_release", "of", 1.7),
)
STARTUP_GOAL = 1.3   # `pourparlers validate` on the repository, against importing its dependencies
LABELS = {
    "parse": "bare read + orjson parse (GC off)",
    "convert": "ours: convert exports -> tables",
    "sdk_json_min": "SDK Converter JSON_MIN",
    "sdk_conll": "SDK Converter CONLL2003",
    "validate": "ours: validate (clean)",
    "validate_bad": "ours: validate (1% rows bad)",
    "pandera_pandas": "same checks, Pandera pandas",
    "build": "ours: build release",
    "write_table": "pq.write_table of build's input",
    "write_release": "pq.write_table of release tables",
}
MEMORY_CAP_MIB = 2048


def _median(runs: list[dict], key: str = "seconds") -> float:
    return statistics.median(run[key] for run in runs)


def _per_article(runs: list[dict]) -> float:
    return _median(runs) / max(1, runs[0]["articles"] or 1)


def _fmt_n(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


class Bench:
    def __init__(self, sizes: list[int], repeat: int, folder: Path, say=print) -> None:
        self.sizes = sorted(sizes)
        self.repeat = repeat
        self.folder = folder
        self.say = say
        self.results: dict[tuple[str, int], list[dict]] = {}
        self.sampled: dict[tuple[str, int], int] = {}   # (step, size) -> articles actually used
        self.env = dict(os.environ, HF_HOME=str(folder / "hf"), HF_HUB_OFFLINE="1",
                        HF_DATASETS_DISABLE_PROGRESS_BARS="1", PYTHONHASHSEED="0")
        # as on a user's machine: imports use cached bytecode (compiling pandera, hypothesis,
        # datasets… at every start would be counted as start-up of every process)
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.startup: dict[str, list[float]] = {}

    def root(self, n: int) -> Path:
        return self.folder / f"repo_{n}"

    def work(self, n: int) -> Path:
        path = self.folder / f"work_{n}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def prepare(self) -> None:
        """Generate the largest corpus (kept if a previous run in `--dir` made it) and link
        the smaller ones to its first articles."""
        largest = self.sizes[-1]
        t0 = time.perf_counter()
        if not self._complete(largest):
            shutil.rmtree(self.root(largest), ignore_errors=True)
            generate(self.root(largest), largest)
        self.say(f"{largest} synthetic articles ready in {time.perf_counter() - t0:.0f} s "
                 f"({self.folder})")
        for n in {*self.sizes[:-1], min(SDK_SAMPLE, largest), min(ANCHOR_SAMPLE, largest)} - {largest}:
            if not self._complete(n):
                shutil.rmtree(self.root(n), ignore_errors=True)
                subset(self.root(largest), self.root(n), n)

    def _complete(self, n: int) -> bool:
        folder = self.root(n) / "annotations"
        return folder.is_dir() and sum(1 for _ in folder.glob("*.json")) == n

    def once(self, step: str, n: int, cap: int | None = None) -> dict:
        """Measure `step` once for size n: on n articles, or on the first `cap` when n is larger
        (an anchor too slow for the whole corpus; its ratio then compares cost per article)."""
        used = n if cap is None else min(n, cap)
        if used != n:
            self.sampled[(step, n)] = used
            if step == "pandera_pandas" and not (self.work(used) / "tables").exists():
                measure("convert", self.root(used), self.work(used), self.env)   # its input
        result = measure(step, self.root(used), self.work(used), self.env)
        if step in ("convert", "validate") and result["problems"]:
            raise RuntimeError(f"{step} found {result['problems']} problems in the clean "
                               f"synthetic corpus of {used} articles")
        self.results.setdefault((step, n), []).append(result)
        return result

    def everything(self) -> None:
        """Per size, `repeat` rounds of every step and anchor. A ratio is taken within a round,
        then the median over rounds: this machine's speed drifts by tens of percent from one
        minute to the next, and a step and its anchor measured minutes apart would carry that
        drift into the ratio."""
        for n in self.sizes:
            self.say(f"size {_fmt_n(n)}:")
            for round_number in range(self.repeat):
                self.once("convert", n)
                if round_number == 0:
                    corrupt(self.work(n) / "tables", self.work(n) / "tables_bad")
                for step in ("parse", "validate", "validate_bad", "build", "write_table",
                             "write_release"):
                    self.once(step, n)
                for step, cap in ANCHOR_CAPS.items():
                    self.once(step, n, cap)
                if n == self.sizes[-1]:   # the exports, at the largest size only, from build's release
                    for fmt in EXPORTS:
                        self.once(f"export_{fmt}", n)
                        self.once(f"bare_{fmt}", n)
                self.say(f"  round {round_number + 1} of {self.repeat} done")
            if n == self.sizes[-1]:
                self.once("pipeline", n)
            if n == self.sizes[0]:   # the corpus browser, once, from build's release
                self.once("site", n)
            for step in [*LABELS, *(f"{kind}_{fmt}" for fmt in EXPORTS for kind in ("export", "bare"))]:
                if (step, n) not in self.results:
                    continue
                runs = self.get(step, n)
                sampled = self.sampled.get((step, n))
                on = f" (on {_fmt_n(sampled)})" if sampled else ""
                self.say(f"  {_fmt_n(n):>4} {step:<15} {_median(runs):8.2f} s  "
                         f"{max(r['peak_mib'] for r in runs):7.0f} MiB{on}")

    def round_ratios(self, ours: str, anchor: str, n: int, reads: str) -> list[float]:
        """Ours against the anchor measured in the same round, round by round (per article
        when the anchor ran on a sample)."""
        per_article = (anchor, n) in self.sampled or (ours, n) in self.sampled

        def cost(run: dict) -> float:
            return run["seconds"] / max(1, run["articles"] or 1) if per_article else run["seconds"]

        pairs = zip(self.get(ours, n), self.get(anchor, n), strict=True)
        return [cost(b) / cost(a) if reads == "faster" else cost(a) / cost(b) for a, b in pairs]

    def ratio(self, ours: str, anchor: str, n: int, reads: str) -> float:
        """The median over rounds of `round_ratios`."""
        return statistics.median(self.round_ratios(ours, anchor, n, reads))

    def ci_validate(self, runs: int) -> None:
        """`pourparlers validate` on the repository's own corpus, a bare interpreter start, and
        the import of validate's own dependencies, as a CI machine runs them: with
        PYTHONDONTWRITEBYTECODE=1, on the bytecode `scripts/setup` compiled at install time.
        Runs alternate between the commands, so the machine's drift is shared."""
        commands = {
            "python": [sys.executable, "-c", "pass"],
            "imports": [sys.executable, "-c", "import pandera.polars, polars, pyarrow"],
            "validate": [sys.executable, "-m", "pourparlers", "--root", str(REPO.root), "validate"],
        }
        env = {**self.env, "PYTHONDONTWRITEBYTECODE": "1"}
        self.startup = {name: [] for name in commands}
        for _ in range(runs + 1):
            for name, command in commands.items():
                t0 = time.perf_counter()
                subprocess.run(command, capture_output=True, env=env)
                self.startup[name].append(time.perf_counter() - t0)
        for walls in self.startup.values():
            walls.pop(0)   # the first of each warms the page cache
        medians = {name: statistics.median(walls) for name, walls in self.startup.items()}
        self.say(f"  real corpus: validate {medians['validate']:.2f} s wall, its imports "
                 f"{medians['imports']:.2f} s, python start {medians['python']:.2f} s")

    def get(self, step: str, n: int) -> list[dict]:
        return self.results[(step, n)]

    def site_only(self) -> None:
        """`--only site`: per size, convert and build once (its input), then the site once."""
        for n in self.sizes:
            for step in ("convert", "build", "site"):
                self.once(step, n)

    def site_lines(self) -> list[str]:
        """The site's time at each size it ran at, against its goal at 1k (<= SITE_GOAL_SECONDS)."""
        lines = []
        for n in self.sizes:
            if ("site", n) not in self.results:
                continue
            [run] = self.get("site", n)[-1:]
            goal = f"goal < {SITE_GOAL_SECONDS} s at 1k: {'yes' if run['seconds'] < SITE_GOAL_SECONDS else 'NO'}" \
                if n == 1_000 else "no goal at this size"
            lines.append(f"corpus browser at {_fmt_n(n)} (`pourparlers site --release`, from build's release): "
                         f"{run['seconds']:.1f} s, {run['pages']} pages, {run['mb']:.1f} MB, peak "
                         f"{run['peak_mib']:.0f} MiB ({goal})")
        return lines

    def export_lines(self, n: int) -> list[str]:
        """Each export at size n next to a bare write of its own output (ratio: median over
        rounds), with its peak memory (goal: <= MEMORY_CAP_MIB, the exports stream)."""
        if ("export_conll", n) not in self.results:
            return []
        lines = ["", f"| export at {_fmt_n(n)} | s | bare write of its output, s | ratio (rounds) | output MB | "
                 "peak MiB |", "|---|---|---|---|---|---|"]
        for fmt in EXPORTS:
            ours, bare = self.get(f"export_{fmt}", n), self.get(f"bare_{fmt}", n)
            rounds = self.round_ratios(f"export_{fmt}", f"bare_{fmt}", n, "of")
            peak = max(r["peak_mib"] for r in ours)
            lines.append(f"| {fmt} | {_median(ours):.2f} | {_median(bare):.2f} | {statistics.median(rounds):.1f}x "
                         f"({min(rounds):.1f}–{max(rounds):.1f}x) | {ours[0]['mb']:.1f} | {peak:.0f}"
                         f"{'' if peak <= MEMORY_CAP_MIB else ' (over the cap)'} |")
        return lines

    # -- report ------------------------------------------------------------------------------

    def report(self) -> str:
        sizes = self.sizes
        lines = [f"pourparlers benchmark: in-process seconds, median of {self.repeat} rounds, each "
                 "measurement in its own process; peak = the process's own peak RSS, or the whole "
                 "process tree's PSS at its largest when it has workers; a ratio is the median of "
                 "the ratios within each round", ""]
        header = f"| step | {' | '.join(f'{_fmt_n(n)} s' for n in sizes)} | " \
                 f"{' | '.join(f'{_fmt_n(n)} peak MiB' for n in sizes)} |"
        lines += [header, "|---" * (1 + 2 * len(sizes)) + "|"]
        for step, label in LABELS.items():
            cells, peaks = [], []
            for n in sizes:
                runs = self.get(step, n)
                sampled = self.sampled.get((step, n))
                note = f" (on {_fmt_n(sampled)})" if sampled else ""
                cells.append(f"{_median(runs):.2f}{note}")
                peaks.append(f"{max(r['peak_mib'] for r in runs):.0f}{note}")
            lines.append(f"| {label} | {' | '.join(cells)} | {' | '.join(peaks)} |")
        largest = sizes[-1]
        # The rounds' spread at the largest size says how firm a verdict is on a noisy machine.
        lines += ["", "| target | " + " | ".join(_fmt_n(n) for n in sizes)
                  + f" | {_fmt_n(largest)} rounds | goal | met at {_fmt_n(largest)} |",
                  "|---" * (4 + len(sizes)) + "|"]
        for label, ours, anchor, reads, goal in COMPARISONS:
            values = [self.ratio(ours, anchor, n, reads) for n in sizes]
            rounds = self.round_ratios(ours, anchor, largest, reads)
            digits = 1 if reads == "faster" else 2
            spread = f"{min(rounds):.{digits}f}–{max(rounds):.{digits}f}x"
            if reads == "faster":
                shown = [f"{v:.1f}x faster" for v in values]
                met, goal_text = (values[-1] >= goal, f">= {goal:g}x faster") if goal else (None, "")
            else:
                shown = [f"{v:.2f}x" for v in values]
                met, goal_text = (values[-1] <= goal, f"<= {goal:g}x") if goal else (None, "")
            verdict = "–" if met is None else "yes" if met else "NO"
            lines.append(f"| {label} | {' | '.join(shown)} | {spread} | {goal_text or 'retired (a floor)'} | "
                         f"{verdict} |")
        mem = [max(r["peak_mib"] for r in self.get("validate_bad", n)) /
               max(r["peak_mib"] for r in self.get("validate", n)) for n in sizes]
        lines.append(f"| validate, 1% bad rows: memory | {' | '.join(f'{m:.2f}x' for m in mem)} | | "
                     f"<= 2x | {'yes' if mem[-1] <= 2 else 'NO'} |")
        unreported = [self.get("validate_bad", n)[0].get("unreported", 0) for n in sizes]
        broken = [self.get("validate_bad", n)[0].get("broken_rows", 0) for n in sizes]
        lines.append(f"| validate, 1% bad rows: unreported | "
                     f"{' | '.join(f'{u} of {b}' for u, b in zip(unreported, broken, strict=True))} | | 0 | "
                     f"{'yes' if not any(unreported) else 'NO'} |")
        peak = {step: max(r["peak_mib"] for r in self.get(step, largest))
                for step in ("convert", "validate", "validate_bad", "build", "pipeline",
                             *(f"export_{fmt}" for fmt in EXPORTS))
                if (step, largest) in self.results}
        worst = max(peak, key=peak.get)
        lines.append(f"| peak memory at {_fmt_n(largest)} (worst step: {worst}) | "
                     f"{' | '.join('' for _ in sizes[:-1])}{' | ' if len(sizes) > 1 else ''}"
                     f"{peak[worst]:.0f} MiB | | <= {MEMORY_CAP_MIB} MiB | "
                     f"{'yes' if peak[worst] <= MEMORY_CAP_MIB else 'NO'} |")
        lines += self.export_lines(largest)
        lines += self.site_lines()
        per = {n: sum(_per_article(self.get(s, n)) for s in ("convert", "validate", "build")) * 1000
               for n in sizes}
        growth = per[largest] / per[sizes[0]]
        lines += ["", "scaling, ms per article (convert + validate + build): "
                  + ", ".join(f"{_fmt_n(n)} {per[n]:.3f}" for n in sizes)
                  + f"; {_fmt_n(largest)}/{_fmt_n(sizes[0])} = {growth:.2f}x (goal <= 1.3x: "
                  f"{'yes' if growth <= 1.3 else 'NO'})"]
        for step in ("convert", "validate", "build"):
            lines.append(f"  {step}: " + ", ".join(f"{_fmt_n(n)} {_per_article(self.get(step, n)) * 1000:.3f}"
                                                   for n in sizes))
        notes = sorted({f"{step} ran on the first {_fmt_n(used)} articles; its ratio compares cost per "
                        "article" for (step, _), used in self.sampled.items()})
        if notes:
            lines += ["", *notes]
        if self.startup:
            validate, imports, python = (statistics.median(self.startup[k])
                                         for k in ("validate", "imports", "python"))
            within = validate / imports
            lines.append("real corpus (this repository's raw/ + annotations/, PYTHONDONTWRITEBYTECODE=1): "
                         f"`pourparlers validate` {validate:.2f} s wall, `import pandera.polars, polars, "
                         f"pyarrow` {imports:.2f} s, interpreter start {python:.2f} s: validate is "
                         f"{within:.2f}x its imports (goal <= {STARTUP_GOAL}x: "
                         f"{'yes' if within <= STARTUP_GOAL else 'NO'})")
        cpu = [_median(self.get("convert", n), "cpu_seconds") / _median(self.get("parse", n), "cpu_seconds")
               for n in sizes]
        lines.append("convert runs in one worker process per CPU from "
                     f"{CONVERT_RUNS.parallel_from} files on; its CPU time (all processes) is "
                     + ", ".join(f"{_fmt_n(n)} {c:.2f}x" for n, c in zip(sizes, cpu, strict=True))
                     + " the bare parse's (one process)")
        if ("pipeline", largest) in self.results:
            [run] = self.get("pipeline", largest)
            lines.append(f"end to end at {_fmt_n(largest)} (`pourparlers build`: read raw/, convert, "
                         f"validate, build in one process, once): {run['seconds']:.1f} s, peak "
                         f"{run['peak_mib']:.0f} MiB")
        convert_runs = self.get("convert", largest)
        lines.append(f"reading raw/ (load_articles, not in convert's time) at {_fmt_n(largest)}: "
                     f"{_median(convert_runs, 'articles_s'):.2f} s")
        return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="article counts, comma-separated (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--dir", type=Path, help="work folder (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument("--only", choices=["site"], help="measure only this step (with what it needs: "
                        "convert and build, once per size)")
    parser.add_argument("--worker", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.root, args.work)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    folder = args.dir or Path(tempfile.mkdtemp(prefix="pourparlers-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        bench = Bench(sizes, args.repeat, folder, say=lambda m: print(m, file=sys.stderr, flush=True))
        bench.prepare()
        if args.only == "site":
            bench.site_only()
            report = "\n".join(bench.site_lines()) + "\n"
        else:
            bench.ci_validate(args.repeat)
            bench.everything()
            report = bench.report()
        print(report)
        if args.out:
            atomic.write_text(args.out, report)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
