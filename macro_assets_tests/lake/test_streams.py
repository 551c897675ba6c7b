"""The helpers silver streams answers through: ordered parallel reads, bounded; batches."""

from __future__ import annotations

import threading
import time

import polars as pl
import pytest

from macro_assets.lake.streams import ahead_within, batches, in_order


def test_results_come_in_order_whatever_finishes_first() -> None:
    def slow_for_small(n: int) -> int:
        time.sleep(0.02 * (5 - n % 5))
        return n * n

    assert list(in_order(slow_for_small, range(12), workers=3, ahead=4)) == [n * n for n in range(12)]


def test_reads_run_at_most_ahead_of_the_consumer() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def record(n: int) -> int:
        with lock:
            started.append(n)
        return n

    results = in_order(record, range(100), workers=2, ahead=5)
    assert next(results) == 0
    time.sleep(0.2)  # the consumer dawdles; the readers must not run away with memory
    assert len(started) <= 6
    assert list(results) == list(range(1, 100))


def test_a_readers_error_reaches_the_consumer() -> None:
    def fail_on_three(n: int) -> int:
        if n == 3:
            raise ValueError("bronze object 3 does not match its manifest sha256")
        return n

    got = []
    with pytest.raises(ValueError, match="object 3"):
        for n in in_order(fail_on_three, range(10), workers=2, ahead=3):
            got.append(n)
    assert got == [0, 1, 2]


def test_batches_hold_at_least_the_rows_asked_for_and_lose_none() -> None:
    frames = [pl.DataFrame({"n": list(range(i * 10, i * 10 + 10))}) for i in range(7)]
    out = list(batches(frames, rows=25))
    assert [b.height for b in out] == [30, 30, 10]
    assert pl.concat(out)["n"].to_list() == list(range(70))
    assert list(batches([], rows=25)) == []


def test_read_ahead_shrinks_with_the_largest_item() -> None:
    assert ahead_within([10_000] * 50, 400_000, 24) == 24  # NIPA's answers: as many as allowed
    assert ahead_within([10_000, 180_000], 400_000, 24) == 2  # a county line: a couple at most
    assert ahead_within([5_000_000], 400_000, 24) == 2  # never fewer than two
    assert ahead_within([], 400_000, 24) == 24
