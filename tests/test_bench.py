"""The benchmark's synthetic corpus: it must convert and validate cleanly, and its broken copy must
be reported row by row (no timing is asserted here)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from helpers import REPO, benchmark_module

from pourparlers.convert import convert_exports, write_tables
from pourparlers.corpus import annotation_files, load_corpus
from pourparlers.raw import load_articles
from pourparlers.repo import Repo
from pourparlers.validate import validate_corpus

benchmark = benchmark_module()
LABELS, Bench, corrupt, generate, pandas_contracts, subset = (
    benchmark.LABELS, benchmark.Bench, benchmark.corrupt, benchmark.generate, benchmark.pandas_contracts,
    benchmark.subset)

N = 12


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("bench") / "repo", N)


def test_generated_repository_has_one_export_per_article(synthetic):
    exports = sorted((synthetic / "annotations").glob("*.json"))
    assert len(exports) == N
    assert len(list((synthetic / "raw").glob("*.txt"))) == N
    task = orjson.loads(exports[0].read_bytes())[0]
    assert task["data"]["article_id"] == exports[0].stem
    result = task["annotations"][0]["result"]
    kinds = [item.get("from_name") for item in result if item["type"] == "labels"]
    assert kinds.count("entity") == 40 and kinds.count("event") == 6 and kinds.count("stance") == 3
    assert sum(item["type"] == "relation" for item in result) >= 12
    text = task["data"]["text"]
    for item in result:
        if item["type"] == "labels":
            assert text[item["value"]["start"]:item["value"]["end"]] == item["value"]["text"]


def test_generation_is_deterministic(synthetic, tmp_path):
    again = generate(tmp_path / "again", 3)
    for export in sorted((again / "annotations").glob("*.json")):
        assert export.read_bytes() == (synthetic / "annotations" / export.name).read_bytes()


def test_synthetic_corpus_converts_and_validates_cleanly(synthetic):
    corpus = load_corpus(Repo(synthetic))
    assert corpus.problems == []
    assert corpus.report.ok
    assert corpus.tables["entities"].num_rows == 40 * N
    assert corpus.tables["events"].num_rows == 6 * N
    assert corpus.tables["stances"].num_rows == 3 * N
    assert corpus.tables["event_arguments"].num_rows >= 12 * N


def test_synthetic_text_is_marked_as_never_released(synthetic):
    meta = json.loads(next((synthetic / "raw").glob("*.json")).read_text())
    assert meta["source"] == "synthetic" and "never" in meta["notes"]


def test_subset_links_the_first_articles(synthetic, tmp_path):
    small = subset(synthetic, tmp_path / "small", 5)
    assert len(list((small / "annotations").glob("*.json"))) == 5
    assert load_corpus(Repo(small)).problems == []


def test_every_broken_row_is_reported(synthetic, tmp_path):
    repo = Repo(synthetic)
    taxonomy = repo.taxonomy()
    articles, _ = load_articles(repo)
    converted = convert_exports(repo, annotation_files(repo), articles, taxonomy)
    write_tables({"articles": articles, **converted.tables}, tmp_path / "tables")
    broken = corrupt(tmp_path / "tables", tmp_path / "bad", fraction=0.05)
    expected = {tuple(row) for row in json.loads((tmp_path / "bad" / "expected.json").read_text())}
    assert broken == len(expected) > 0
    tables = {p.stem: pq.read_table(p) for p in (tmp_path / "bad").glob("*.parquet")}
    report = validate_corpus(tables, taxonomy)
    found = {(p.annotation_id, p.region_id) for p in report.problems}
    assert {(str(a), r) for _, a, r in expected} <= found


def test_pandas_anchor_accepts_the_clean_tables(synthetic):
    corpus = load_corpus(Repo(synthetic))
    taxonomy = corpus.taxonomy
    frames = {name: table.to_pandas() for name, table in corpus.tables.items()}
    for name, schema in pandas_contracts(taxonomy, frames).items():
        schema.validate(frames[name], lazy=True)


def test_worker_processes_count_in_the_peak_memory_and_cpu_time():
    """convert's workers are other processes: the bench must add their memory and CPU time."""
    import subprocess
    import sys

    ChildrenMemory, _children, _pss_mib, cpu_seconds = (
        benchmark.ChildrenMemory, benchmark._children, benchmark._pss_mib, benchmark.cpu_seconds)

    busy = ("import time\nblock = bytearray(200 * 2**20)\nblock[::4096] = b'x' * len(block[::4096])\n"
            "end = time.process_time() + 0.5\nwhile time.process_time() < end: pass\n")
    others = sum(map(_pss_mib, _children(os.getpid())))   # e.g. the session's Label Studio server
    held = bytearray(100 * 2**20)   # this process's own share, counted with the tree
    held[::4096] = b"x" * len(held[::4096])
    before = cpu_seconds()
    with ChildrenMemory(every=0.01) as children:
        subprocess.run([sys.executable, "-c", busy], check=True)
    assert children.peak_mib >= others + 150
    assert children.peak_with_parent_mib >= children.peak_mib + 90
    assert cpu_seconds() - before >= 0.5
    assert len(held) == 100 * 2**20


def test_ratios_are_taken_within_a_round(tmp_path):
    """The machine slows down in round 2 for both steps: the ratio stays 2x, where a ratio of
    the medians would read 3x. A sampled anchor compares cost per article."""
    bench = Bench([10_000], repeat=3, folder=tmp_path)
    runs = {"convert": [1.0, 4.0, 3.0], "parse": [0.5, 2.0, 1.0], "sdk_conll": [5.0, 20.0, 5.0]}
    for step, seconds in runs.items():
        articles = 1_000 if step == "sdk_conll" else 10_000
        bench.results[(step, 10_000)] = [{"seconds": s, "articles": articles} for s in seconds]
    bench.sampled[("sdk_conll", 10_000)] = 1_000
    assert bench.ratio("convert", "parse", 10_000, "of") == pytest.approx(2.0)
    assert bench.ratio("convert", "sdk_conll", 10_000, "faster") == pytest.approx(50.0)



def test_the_report_shows_each_verdict_with_the_spread_of_its_rounds(tmp_path):
    """convert is 2x, 3x and 2.5x the parse in three rounds: the median meets nothing at 2.5x,
    and the report says so beside the rounds' 2.00–3.00x."""
    bench = Bench([1_000], repeat=3, folder=tmp_path)
    for step in LABELS:
        bench.results[(step, 1_000)] = [
            {"seconds": 1.0, "cpu_seconds": 1.0, "articles": 1_000, "peak_mib": 100.0,
             "articles_s": 0.5, "unreported": 0, "broken_rows": 10} for _ in range(3)]
    for run, seconds in zip(bench.get("convert", 1_000), (2.0, 3.0, 2.5), strict=True):
        run["seconds"] = seconds
    report = bench.report()
    line = next(row for row in report.splitlines() if row.startswith("| convert vs bare orjson parse"))
    assert line == "| convert vs bare orjson parse | 2.50x | 2.00–3.00x | retired (a floor) | – |"
    line = next(row for row in report.splitlines() if row.startswith("| convert vs SDK JSON_MIN"))
    assert line == "| convert vs SDK JSON_MIN | 0.4x faster | 0.3–0.5x | >= 5x faster | NO |"
    assert "| validate vs Pandera pandas | 1.0x faster | 1.0–1.0x | >= 8x faster | NO |" in report
    assert "| build vs write_table (release tables) | 1.00x | 1.00–1.00x | <= 1.7x | yes |" in report


def test_the_report_times_each_export_next_to_a_bare_write_and_counts_its_peak(tmp_path):
    bench = Bench([1_000], repeat=2, folder=tmp_path)
    for step in LABELS:
        bench.results[(step, 1_000)] = [
            {"seconds": 1.0, "cpu_seconds": 1.0, "articles": 1_000, "peak_mib": 100.0,
             "articles_s": 0.5, "unreported": 0, "broken_rows": 10} for _ in range(2)]
    for fmt in benchmark.EXPORTS:
        bench.results[(f"export_{fmt}", 1_000)] = [{"seconds": s, "articles": None, "peak_mib": 300.0, "mb": 2.0}
                                                   for s in (2.0, 4.0)]
        bench.results[(f"bare_{fmt}", 1_000)] = [{"seconds": 0.5, "articles": None, "peak_mib": 90.0, "mb": 2.0}
                                                 for _ in range(2)]
    bench.results[("export_brat", 1_000)][1]["peak_mib"] = 3000.0
    report = bench.report()
    assert "| conll | 3.00 | 0.50 | 6.0x (4.0–8.0x) | 2.0 | 300 |" in report
    assert "| brat | 3.00 | 0.50 | 6.0x (4.0–8.0x) | 2.0 | 3000 (over the cap) |" in report
    assert "| peak memory at 1k (worst step: export_brat) | 3000 MiB | | <= 2048 MiB | NO |" in report


def test_a_step_peak_is_its_own_not_its_parents():
    """The driver may hold a lot (here 300 MB) when it starts a step; the step's peak must not
    include it (`ru_maxrss` would: Linux carries it over exec)."""
    import subprocess
    import sys

    held = bytearray(300 * 2**20)
    held[::4096] = b"x" * len(held[::4096])
    probe = ("import importlib.util as u; s = u.spec_from_file_location('bench', r'"
             f"{REPO / 'benchmarks' / 'bench.py'}'); m = u.module_from_spec(s); s.loader.exec_module(m); "
             "print(m.own_peak_mib())")
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert float(done.stdout) < 250
    assert len(held) == 300 * 2**20


def test_the_site_step_builds_the_corpus_browser_of_build_s_release_and_is_reported_against_its_goal(
        synthetic, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    benchmark._step_convert(synthetic, work)
    benchmark._step_build(synthetic, work)

    run = benchmark._step_site(synthetic, work)

    assert run["articles"] == N
    assert run["pages"] == 1 + N + benchmark.ACTORS   # corpus, articles, actors (no alternate: no pair)
    bench = Bench([1_000], repeat=1, folder=tmp_path)
    bench.results[("site", 1_000)] = [{**run, "seconds": 42.0, "peak_mib": 300.0}]
    assert bench.site_lines() == [
        f"corpus browser at 1k (`pourparlers site --release`, from build's release): 42.0 s, {run['pages']} "
        f"pages, {run['mb']:.1f} MB, peak 300 MiB (goal < 60 s at 1k: yes)"]
