"""Work spread over threads in order, and frames gathered into batches: how bronze and silver
read a release's answers without holding the release in memory."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import TypeVar

import polars as pl

_T = TypeVar("_T")
_R = TypeVar("_R")


def in_order(fn: Callable[[_T], _R], items: Iterable[_T], workers: int, ahead: int) -> Iterator[_R]:
    """``fn`` over ``items`` on ``workers`` threads, results in order, at most ``ahead`` of them
    ahead of the consumer: memory holds a few results, never all of them, and the workers keep
    going while the consumer is busy. A worker's exception is raised here; leaving early
    cancels what has not started."""
    source = iter(items)
    with ThreadPoolExecutor(workers, thread_name_prefix="mdi-read") as pool:
        pending: deque[Future[_R]] = deque(pool.submit(fn, item) for item in islice(source, ahead))
        try:
            while pending:
                result = pending.popleft().result()
                for item in islice(source, 1):
                    pending.append(pool.submit(fn, item))
                yield result
        finally:
            for future in pending:
                future.cancel()


def ahead_within(sizes: Iterable[int], budget: int, most: int) -> int:
    """How many results may wait ahead of the consumer so that, at the largest of ``sizes``
    (rows or bytes of each item), they hold about ``budget``: ``most`` for small items (NIPA's
    10k-row answers), as few as 2 for large ones (a county line: 180k rows)."""
    largest = max(sizes, default=0)
    return most if largest <= 0 else max(2, min(most, budget // largest))


def batches(frames: Iterable[pl.DataFrame], rows: int) -> Iterator[pl.DataFrame]:
    """Consecutive frames concatenated into batches of at least ``rows`` rows (the last may be
    smaller): polars' fixed cost per call is paid per batch, not per answer."""
    held: list[pl.DataFrame] = []
    count = 0
    for frame in frames:
        held.append(frame)
        count += frame.height
        if count >= rows:
            yield pl.concat(held)
            held, count = [], 0
    if held:
        yield pl.concat(held)


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity (``taskset``, a cpuset), not the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
