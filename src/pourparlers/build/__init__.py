"""Build a release folder in the Hugging Face Hub layout from validated normalized tables.

Reads the tables of `tables.py` (the gold layer in every config but `annotations`, which holds
every layer, one row per annotation) and the taxonomy with its actors; writes `dist/<version>/`:

    README.md                                  card: YAML (configs, dataset_info) + rendered body
    <config>/<split>-00000-of-00001.parquet    one file per config and split
    labels.parquet                             every label of every label column (ids, names, definitions)
    croissant.json                             Croissant 1.0 metadata: configs, fields, splits, checksums

Parquet files and the README `dataset_info` are generated from the same `Features`, so labels load
as `ClassLabel`s whichever one `datasets` reads. Every step is a pure function of its inputs: two
builds of the same tables give byte-identical files. No loading script is shipped (`datasets` >= 4
refuses them). The steps: `features`, `assembly` (ordering and nesting), `ner` (tokens and IOB2
tags), `parquet` (the writer), `textfree` (text-free rows); the card is `pourparlers.card`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.compute as pc
from datasets import DatasetDict
from datasets.info import DatasetInfo
from datasets.splits import SplitDict, SplitInfo

from pourparlers import card
from pourparlers.atomic import output_folder
from pourparlers.build.assembly import Assembly, split_of
from pourparlers.build.croissant import write_croissant
from pourparlers.build.features import CONFIGS, DEFAULT_CONFIG, SPLITS, release_features
from pourparlers.build.labels import LABEL_TABLE, write_label_table
from pourparlers.build.parquet import ParquetStream, dataset_from_rows, dataset_of
from pourparlers.build.sentences import SentenceStats
from pourparlers.build.textfree import strip_text
from pourparlers.errors import InvalidData
from pourparlers.memory import allocating_from, returning_pool
from pourparlers.release.versions import check_version
from pourparlers.repo import Repo, check_repo_id
from pourparlers.taxonomy import Taxonomy

TOKEN_CONFIGS = ("ner", "ner_sentences")
"""Written in a worker thread while the main one writes the other configs."""

__all__ = ["CONFIGS", "DEFAULT_CONFIG", "SPLITS", "BuildResult", "build", "build_release",
           "release_datasets", "release_features", "split_of"]


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote: the folder, the shipped configs, rows per config and split."""

    path: Path
    version: str
    configs: tuple[str, ...]
    # config -> split -> rows, for every config and every split that has articles (zeros included)
    counts: dict[str, dict[str, int]]
    files: tuple[str, ...]
    # entity mentions the token-level `ner` config cannot represent (nested or overlapping)
    ner_unrepresented: int
    # how the sentences of `ner_sentences` were made (boundaries inside a mention removed, …)
    sentences: SentenceStats
    repo_id: str = ""   # the Hub repo the card names


@contextmanager
def _quiet_progress() -> Iterator[None]:
    was_disabled = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            datasets.enable_progress_bars()


@dataclass
class _Written:
    """What the card needs of a written config, kept once its rows are on disk."""

    info: DatasetInfo
    labels: dict[str, dict[str, Counter]]   # counted column -> split -> ClassLabel id counts
    head: DatasetDict                       # its first split's first rows, for the examples
    rows: dict[str, int]                    # split -> rows written


class _ConfigWriter:
    """One config being written split by split: its Parquet stream, label counts and first rows."""

    def __init__(self, assembly: Assembly, config: str, folder: Path, text: bool) -> None:
        self.config, self.folder, self.text = config, folder, text
        self.features = assembly.features[config]
        self.splits = [s for s in assembly.splits_of(config) if assembly.rows_in(config, s)]
        self.info = DatasetInfo(config_name=config, splits=SplitDict(), download_size=0, dataset_size=0,
                                features=self.features)
        self.counted = [column for name, column, _ in card.COUNTED if name == config]
        self.labels: dict[str, dict[str, Counter]] = {column: {} for column in self.counted}
        self.head: list[dict] = []
        self.rows: dict[str, int] = {}
        self.stream: ParquetStream | None = None

    def open(self, split: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.split, self.rows[split] = split, 0
        for column in self.counted:
            self.labels[column][split] = Counter()
        self.stream = ParquetStream(self.features, self.folder / f"{split}-00000-of-00001.parquet")

    def write(self, batch: pa.Table) -> None:
        if not self.text and batch.num_rows:   # (from_list of no row has no columns)
            batch = dataset_from_rows([strip_text(self.config, row) for row in batch.to_pylist()],
                                      self.features).data.table
        for column in self.counted:
            counts = pc.value_counts(batch.column(column))
            self.labels[column][self.split].update(dict(zip(counts.field("values").to_pylist(),
                                                            counts.field("counts").to_pylist(), strict=True)))
        self.rows[self.split] += batch.num_rows
        if len(self.head) < card.EXAMPLE_ROWS and self.split == self.splits[0]:
            self.head.extend(batch.slice(0, card.EXAMPLE_ROWS - len(self.head)).to_pylist())
        self.stream.write(batch)

    def close(self) -> None:
        nbytes = self.stream.close()
        self.info.splits.add(SplitInfo(name=self.split, num_bytes=nbytes, num_examples=self.rows[self.split]))
        self.info.download_size += self.stream.path.stat().st_size
        self.info.dataset_size += nbytes

    def written(self) -> _Written | None:
        if not self.splits:
            return None
        return _Written(self.info, self.labels,
                        DatasetDict({self.splits[0]: dataset_from_rows(self.head, self.features)}), self.rows)


def _write_configs(assembly: Assembly, configs: tuple[str, ...], folder: Path,
                   text: bool) -> dict[str, _Written | None]:
    """Write each split of `configs` that has rows, batch by batch, in one pass over the batches
    (`ner` and `ner_sentences` share their tokens); None for a config without rows."""
    writers = {config: _ConfigWriter(assembly, config, folder / config, text) for config in configs}
    for split in SPLITS:
        active = {config: writer for config, writer in writers.items() if split in writer.splits}
        if not active:
            continue
        for writer in active.values():
            writer.open(split)
        for batches in assembly.batches_of(tuple(active), split):
            for config, batch in batches.items():
                active[config].write(batch)
        for writer in active.values():
            writer.close()
    return {config: writer.written() for config, writer in writers.items()}


def build_release(tables: dict[str, pa.Table], taxonomy: Taxonomy, version: str, out_dir: Path,
                  card_template: Path, *, repo_id: str | None = None, text: bool = True,
                  agreement: Path | None = None, validated: bool = False,
                  site_url: str | None = None) -> BuildResult:
    """Write the release folder `out_dir` (usually dist/<version>), replacing it atomically.

    Everything is written into a staging sibling first; `out_dir` changes only once the whole
    release is written, so a failure leaves it as it was. `out_dir` must be new, empty, or an
    earlier build (its marker file): any other folder is refused, never emptied. `text=False` makes a text-free build
    (see `textfree`); `agreement` is the agreement report (JSON) for the card, if any.
    `validated=True` says the caller has just validated these tables (`load_corpus` does), so
    they are not checked a second time; otherwise a release of invalid tables is refused.
    `site_url`: where the corpus browser is published, for the card (None: it says how to build it).
    """
    check_version(version)
    repo_id = check_repo_id(repo_id) if repo_id else card.DEFAULT_REPO_ID
    with allocating_from(returning_pool()):
        return _build_release(tables, taxonomy, version, Path(out_dir), card_template, repo_id=repo_id,
                              text=text, agreement=agreement, validated=validated, site_url=site_url)


def _build_release(tables: dict[str, pa.Table], taxonomy: Taxonomy, version: str, out_dir: Path,
                   card_template: Path, *, repo_id: str, text: bool, agreement: Path | None,
                   validated: bool, site_url: str | None) -> BuildResult:
    assembly = Assembly(tables, taxonomy, validated)
    with output_folder(out_dir, "release") as tmp, _quiet_progress(), \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="pourparlers-ner") as pool:
        # polars makes the NER tokens and pyarrow writes parquet outside the GIL, so the
        # ner configs are written in a worker thread while the main one writes the other
        # configs. Only once everything is ordered: both at once raise the peak memory by a tenth.
        tokens = pool.submit(_write_configs, assembly, TOKEN_CONFIGS, tmp, text)
        written = {}
        for config in CONFIGS:
            if config not in TOKEN_CONFIGS:
                written.update(_write_configs(assembly, (config,), tmp, text))
        written.update(tokens.result())
        counts = {config: {split: written[config].rows.get(split, 0) if written[config] else 0
                           for split in assembly.splits_of(config)} for config in CONFIGS}
        written = {config: written[config] for config in CONFIGS if written[config] is not None}
        infos = {config: w.info for config, w in written.items()}
        content = card.render_card(
            card_template, version=version, repo_id=repo_id, taxonomy=taxonomy, counts=counts,
            splits=list(assembly.present), infos=infos,
            labels={(config, column): (assembly.features[config][column].names, per_split)
                    for config, w in written.items() for column, per_split in w.labels.items()},
            heads={config: w.head for config, w in written.items()}, sources=assembly.sources,
            ner_dropped=assembly.ner_unrepresented, text=text, agreement=agreement,
            sentences=assembly.sentence_stats.describe(), site_url=site_url)
        (tmp / "README.md").write_bytes(content.encode("utf-8"))
        write_label_table(taxonomy, tmp / LABEL_TABLE)
        write_croissant(tmp, version=version, repo_id=repo_id or card.DEFAULT_REPO_ID, infos=infos,
                        taxonomy=taxonomy)
        files = tuple(sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()))
    return BuildResult(path=out_dir, version=version, configs=tuple(infos), counts=counts,
                       files=files, ner_unrepresented=assembly.ner_unrepresented,
                       sentences=assembly.sentence_stats, repo_id=repo_id)


def build(repo: Repo, version: str, out_dir: Path, *, text: bool = True,
          repo_id: str | None = None) -> BuildResult:
    """Validate the repository's corpus and build its release into `out_dir`: what both
    `pourparlers build` and `pourparlers release` do. Data that fails validation is refused
    (`InvalidData` with the report). The card names `repo_id`, else the repository's
    configured Hub repo (`Repo.hub_repo_id`)."""
    from pourparlers.corpus import load_corpus

    corpus = load_corpus(repo)
    if corpus.problems:
        raise InvalidData(corpus.problems, "a release cannot be built from data that fails validation",
                          report=corpus.report)
    return build_release(corpus.tables, corpus.taxonomy, version, out_dir, repo.card_template,
                         repo_id=repo_id or repo.hub_repo_id(), text=text, agreement=repo.agreement_report,
                         validated=True, site_url=repo.site_url())


def release_datasets(tables: dict[str, pa.Table], taxonomy: Taxonomy) -> dict[str, DatasetDict]:
    """Config -> splits, in memory; splits without rows (no article, or no annotation) are left out."""
    assembly = Assembly(tables, taxonomy, validated=False)
    out = {}
    for config in CONFIGS:
        splits = {split: dataset_of(pa.concat_tables(assembly.batches(config, split)), assembly.features[config])
                  for split in assembly.splits_of(config) if assembly.rows_in(config, split)}
        if splits:
            out[config] = DatasetDict(splits)
    return out
