"""Worker processes for a backlog: the per-issue stages (parse, summarise) spread over the cores.

A run with a handful of issues stays in one process, where starting workers
would cost more than it saves. A larger backlog is handed to a process pool
one item at a time, in order, and the results come back in the same order,
so a run's digest is the same whatever the number of processes. Workers are
forked where the platform allows it (they start in milliseconds and share
what the parent has loaded); each loads what its stage needs on first use.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

LOGGER = logging.getLogger(__name__)

HANDFUL = 4  # at most this many issues are parsed in the run's own process
Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[Any]]  # map() or a pool's map
# The thread-count settings of the BLAS libraries numpy may be built with.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def one_thread_for_matrix_maths() -> None:
    """Have numpy's BLAS run on the calling thread, unless the operator set its threads.

    The theme stage's products are small (a batch's articles against a few hundred
    words), where OpenBLAS's own threads cost more in waking up and spinning than they
    save, and with worker processes on every core they only compete with them. The
    libraries read the setting once, when numpy is first imported, so it is set
    before that (the CLI calls this first) or not at all.
    """
    if "numpy" in sys.modules:
        return
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def process_count(setting: int, issues: int) -> int:
    """How many processes a run of `issues` uses: one for a handful, else the setting (0: one per core)."""
    if issues <= HANDFUL:
        return 1
    return max(1, min(setting or usable_cores(), issues))


@contextmanager
def worker_map(setting: int, issues: int, preload: Callable[[], object] | None = None,
               meanwhile: Callable[[], object] | None = None) -> Iterator[Mapper]:
    """A `map` for the run's per-issue stages: the built-in one, or a process pool's when it pays.

    `preload` loads what every worker needs and the run's own process needs
    after them (jieba's dictionary): called before the workers are forked, it
    is loaded once and shared, instead of once in each worker and again here.
    `meanwhile` loads what only the run's own process needs later (the theme
    tables): it is called once the workers have their first items, so it is
    done while they work instead of after them.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    count = process_count(setting, issues)
    if count == 1:
        yield map
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if preload is not None and context.get_start_method() == "fork":
        preload()
    LOGGER.info("%d issues: %d worker processes", issues, count)
    with ProcessPoolExecutor(count, mp_context=context) as pool:
        try:
            yield _then_meanwhile(pool.map, meanwhile)
        except BaseException:
            # A run that fails (or is interrupted) drops the issues handed out ahead, instead of
            # waiting for the workers to parse them for nobody.
            pool.shutdown(cancel_futures=True)
            raise


def _then_meanwhile(pool_map: Mapper, meanwhile: Callable[[], object] | None) -> Mapper:
    """`pool_map` that, after handing out its first items, calls `meanwhile` once before it waits."""
    waiting = [meanwhile] if meanwhile is not None else []

    def mapper(function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        results = pool_map(function, items)  # every item is handed out before it returns
        while waiting:
            waiting.pop()()
        return results

    return mapper
