"""Map a function over runs of consecutive files, in forked worker processes at corpus scale.

Reading `raw/` and converting exports spend their time in Python per file; on a machine with
several CPUs, runs of files go to one forked process per CPU. Fork shares the parent's memory
(the article texts in Arrow, the taxonomy) with the workers without copying or pickling it: the
function and the runs are left in a module variable before the pool forks, and only a run's
index travels to a worker and its result back. Results come back in run order, so a caller
that joins them gets what one process would have made.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Runs:
    """When and how a step splits its files: from `parallel_from` files on, runs of `size`
    consecutive files in `workers` processes (None: one per available CPU)."""

    parallel_from: int
    size: int
    workers: int | None = None

    def workers_for(self, n_items: int) -> int:
        if n_items < self.parallel_from or n_items <= self.size or "fork" not in mp.get_all_start_methods():
            return 1
        return self.workers or available_cpus()


def available_cpus() -> int:
    """The CPUs this process may run on (fewer than the machine's under a CI runner's limit)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


# The job of the pool being forked: (function, runs). Set just before the fork, read by workers.
_JOB: tuple[Callable, list] | None = None


def _run(index: int):
    function, runs = _JOB
    return function(runs[index], None)


Progress = Callable[[int], object]


def map_runs(function: Callable[[Sequence[Item], Progress | None], Result], items: Sequence[Item],
             runs: Runs, done: Progress | None = None) -> list[Result]:
    """`[function(run, None) for run in runs of items]`, in order; `done(n)` after each run of
    n items.

    With one worker (small inputs, or no fork on this platform) everything is one run in this
    process, `function(items, done)`, which reports its progress itself.
    """
    global _JOB
    if runs.workers_for(len(items)) == 1:
        return [function(items, done)]
    workers = runs.workers_for(len(items))
    from concurrent.futures import ProcessPoolExecutor

    parts = [items[i:i + runs.size] for i in range(0, len(items), runs.size)]
    _JOB = (function, parts)
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            results = []
            for part, result in zip(parts, pool.map(_run, range(len(parts))), strict=True):
                results.append(result)
                if done is not None:
                    done(len(part))
    finally:
        _JOB = None
    return results
