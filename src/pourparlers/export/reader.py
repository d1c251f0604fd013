"""A built release read back for the exports: its configs a batch of rows at a time, labels by
name, in release order (split, then article; within an article, start, end, id)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
from datasets import ClassLabel, Features, List

from pourparlers.build.features import SPLITS, has_label, release_features
from pourparlers.taxonomy import Taxonomy

BATCH_ROWS = 1_000


def decoder(feature):
    """A function naming the ClassLabel ids of a row of `feature` in place (the rows of
    `to_pylist` are fresh), walking only where labels are; None when there is no label."""
    if isinstance(feature, ClassLabel):
        names = feature.names
        return lambda value: None if value is None else names[value]
    if isinstance(feature, List):
        inner = decoder(feature.feature)
        return None if inner is None else (lambda value: None if value is None else [inner(v) for v in value])
    if isinstance(feature, dict):
        parts = [(name, decoder(inner)) for name, inner in feature.items() if has_label(inner)]
        if not parts:
            return None

        def run(value):
            if value is not None:
                for name, part in parts:
                    value[name] = part(value[name])
            return value
        return run
    return None


class ReleaseReader:
    """The Parquet files of a release folder. Refuses a folder that is not a release, a text-free
    one (every format but `plover` and `stances` needs the texts; all are refused alike, so an
    export never silently lacks them) and one built with other labels than the taxonomy's."""

    def __init__(self, folder: Path, taxonomy: Taxonomy, error: type[Exception]) -> None:
        self.folder, self.taxonomy, self.error = Path(folder), taxonomy, error
        if not list((self.folder / "documents").glob("*.parquet")):
            raise error(f"{self.folder} is not a release (no documents/*.parquet)",
                        "pass a folder made by `pourparlers build` or `pourparlers release`")
        expected = release_features(taxonomy)
        for config in ("documents", "ner_sentences", "actors"):
            for path in self._files(config):
                if Features.from_arrow_schema(pq.read_schema(path)) != expected[config]:
                    raise error(f"{path}: its features are not those of schema/taxonomy.yaml (a release "
                                "built with another taxonomy or another pourparlers)",
                                "export from the repository the release was built from, or rebuild it")
        first = next(pq.ParquetFile(self._files("documents")[0]).iter_batches(batch_size=1, columns=["text"]))
        if first.column("text")[0].as_py() is None:
            raise error(f"{self.folder} is a text-free release: the formats need the article texts",
                        f"restore them first: pourparlers rehydrate {self.folder}")

    @property
    def version(self) -> str:
        """The release's version: its manifest's, else its card's (`Release **v0.1.0**`)."""
        manifest = self.folder / "manifest.json"
        if manifest.is_file():
            return json.loads(manifest.read_text(encoding="utf-8"))["version"]
        card = self.folder / "README.md"
        text = card.read_text(encoding="utf-8") if card.is_file() else ""
        found = re.search(r"Release \*\*v(\d+\.\d+\.\d+)\*\*", text)
        return found.group(1) if found else self.folder.name

    def _files(self, config: str) -> list[Path]:
        return sorted((self.folder / config).glob("*.parquet"))

    def splits(self, config: str) -> list[str]:
        """The splits a config has, in release order."""
        present = {path.name.split("-", 1)[0] for path in self._files(config)}
        return [split for split in SPLITS if split in present]

    def rows(self, config: str, split: str, batch_rows: int = BATCH_ROWS) -> Iterator[list[dict]]:
        """The rows of one split of a config, `batch_rows` at a time, labels by name."""
        for path in self._files(config):
            if path.name.split("-", 1)[0] != split:
                continue
            parquet = pq.ParquetFile(path)
            name = decoder(Features.from_arrow_schema(parquet.schema_arrow)) or (lambda row: row)
            for batch in parquet.iter_batches(batch_size=batch_rows):
                yield [name(row) for row in batch.to_pylist()]

    def count(self, config: str, split: str) -> int:
        """Rows of one split of a config (from the Parquet metadata; 0 when not shipped)."""
        return sum(pq.ParquetFile(path).metadata.num_rows for path in self._files(config)
                   if path.name.split("-", 1)[0] == split)

    def actors(self) -> dict[str, dict]:
        """Canonical id -> the actor's row (name, type, mentions, external ids)."""
        return {row["canonical_id"]: row for split in self.splits("actors")
                for rows in self.rows("actors", split) for row in rows}
