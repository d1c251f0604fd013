"""The memory pool the commands allocate from changes the peak memory, never what is written."""

import hashlib
from pathlib import Path

import pyarrow as pa

from pourparlers import build, memory
from pourparlers.repo import Repo


def _hashes(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_pool_the_user_chose_is_left_as_it_is(monkeypatch):
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    assert memory.returning_pool() is None


def test_the_pool_is_the_default_inside_the_block_only(monkeypatch):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    before = pa.default_memory_pool()
    pool = memory.returning_pool()
    assert pool is not None and pool.backend_name == "jemalloc"   # the Linux wheels have it
    with memory.allocating_from(pool):
        assert pa.default_memory_pool().backend_name == "jemalloc"
        kept = pa.array(range(1000))
    assert pa.default_memory_pool().backend_name == before.backend_name
    assert kept.to_pylist() == list(range(1000))      # a buffer may outlive the block
    with memory.allocating_from(None):
        assert pa.default_memory_pool().backend_name == before.backend_name


def test_a_build_is_byte_identical_whichever_pool_allocates(repo_with_annotations, tmp_path, monkeypatch):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    repo = Repo.at(repo_with_annotations)
    seen = []

    class Recording(build.Assembly):
        def _order_every_layer(self):
            seen.append(pa.default_memory_pool().backend_name)
            super()._order_every_layer()

    monkeypatch.setattr(build, "Assembly", Recording)
    returning = build.build(repo, "0.1.0", tmp_path / "returning")
    assert seen == ["jemalloc"]
    monkeypatch.setattr(build, "returning_pool", lambda: None)     # the plain way: the system's malloc
    with memory.allocating_from(pa.system_memory_pool()):
        assert pa.default_memory_pool().backend_name == "system"
        plain = build.build(repo, "0.1.0", tmp_path / "plain")
    assert seen == ["jemalloc", "system"]
    assert _hashes(plain.path) == _hashes(returning.path)
    assert len(_hashes(plain.path)) > 10
