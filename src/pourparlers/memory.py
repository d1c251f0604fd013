"""The Arrow memory pool the commands allocate from.

Convert, validate and build make and free large temporary tables one after another (parsing,
ordering every layer, each config's batches). pyarrow's default pool (mimalloc) keeps freed
pages for reuse, so those temporaries add up in the resident set; jemalloc hands them back to
the system after a short decay. What is allocated does not depend on the pool, so the files
written are the same (tests/test_memory.py holds a build equal); only the peak memory changes:
at 50k articles `pourparlers build` stays under 2 GB (benchmarks/README.md). A pool chosen with
Arrow's own `ARROW_DEFAULT_MEMORY_POOL` is left as it is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


def returning_pool() -> pa.MemoryPool | None:
    """jemalloc's pool; None (the default stays) where this pyarrow was built without it, or
    when the user chose a pool with `ARROW_DEFAULT_MEMORY_POOL`."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return None
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return None


@contextmanager
def allocating_from(pool: pa.MemoryPool | None) -> Iterator[None]:
    """Make `pool` Arrow's default inside the block (None: leave the default), then restore it.
    Buffers keep the pool they came from, so they may outlive the block."""
    if pool is None:
        yield
        return
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
