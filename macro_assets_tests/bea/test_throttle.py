"""The limiter on a fake clock: it never lets a window exceed a budget, and waits no longer than needed."""

from __future__ import annotations

import threading

import pytest

from macro_assets.bea.throttle import RateLimits, SlidingWindowLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def limiter(**kw: float) -> tuple[SlidingWindowLimiter, FakeTime]:
    t = FakeTime()
    return SlidingWindowLimiter(RateLimits(**kw), clock=t.clock, sleep=t.sleep), t


def give_up_after(lim: SlidingWindowLimiter, looks: int) -> list[float]:
    """Make ``lim`` record each wait and raise TimeoutError at the ``looks``-th: the waits of a
    request that would otherwise wait forever."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == looks:
            raise TimeoutError

    lim.sleep = sleep  # type: ignore[method-assign]
    return waits


def test_requests_budget_is_a_safety_fraction_of_the_limit() -> None:
    lim, t = limiter(max_requests=100, window_s=60)
    for _ in range(95):
        booking, waited = lim.acquire()
        lim.finish(booking, 10, error=False)
        assert waited == 0.0
    _, waited = lim.acquire()
    assert waited == pytest.approx(60.0) and t.now == pytest.approx(60.0)


def test_no_window_ever_holds_more_than_the_budget() -> None:
    lim, t = limiter(max_requests=20, window_s=10)
    stamps = []
    for i in range(200):
        booking, _ = lim.acquire()
        stamps.append(t.now)
        t.now += 0.07 * (i % 5)
        lim.finish(booking, 10, error=False)
    for i, start in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s < start + 10) <= 19


def test_errors_count_against_their_own_budget() -> None:
    lim, t = limiter(max_errors=30, window_s=60)
    for _ in range(28):
        booking, _ = lim.acquire()
        lim.finish(booking, 100, error=True)
    assert t.now == 0.0  # requests alone would allow 95
    assert lim.acquire()[1] == pytest.approx(60.0)  # 28 = floor(30 × 0.95) errors: wait them out


def test_bytes_budget_reserves_the_largest_answer_seen() -> None:
    lim, t = limiter(max_bytes=1000, window_s=60)
    for _ in range(2):
        booking, _ = lim.acquire()
        lim.finish(booking, 400, error=False)
    # 800 used + 400 expected > 950: wait until the first answer leaves the window.
    assert lim.acquire()[1] == pytest.approx(60.0)


def test_answers_in_flight_count_against_the_bytes_budget() -> None:
    """Eight workers at once: the bytes of answers not yet arrived count as the largest seen,
    so the window can never be promised more than BEA's byte limit (a 429 and an hour's
    lockout). Found by `make bench`: 2.4 MB answers, 8 in flight, 100 MB a window."""
    lim, t = limiter(max_bytes=1000, window_s=60)  # budget: 950
    first, _ = lim.acquire()
    lim.finish(first, 200, error=False)
    in_flight = [lim.acquire() for _ in range(3)]  # 200 booked + 3 × 200 expected = 800
    assert [waited for _, waited in in_flight] == [0.0, 0.0, 0.0]
    # A fourth would make 1000 > 950: it waits for the first answer to leave the window.
    fourth, waited = lim.acquire()
    assert waited == pytest.approx(60.0)
    in_flight.append((fourth, waited))
    looks = give_up_after(lim, 2)
    with pytest.raises(TimeoutError):
        lim.acquire()  # nothing booked is left to expire: 5 × 200 expected > 950
    assert looks == [pytest.approx(0.01)] * 2
    lim.sleep = t.sleep  # type: ignore[method-assign]
    for booking, _ in in_flight:
        lim.finish(booking, 200, error=False)
    # 800 booked + 200 expected = 1000 > 950: an answer must leave the window first.
    assert lim.acquire()[1] == pytest.approx(60.0)


def test_an_answer_larger_than_the_budget_still_goes_alone() -> None:
    lim, t = limiter(max_bytes=1000, window_s=60)
    booking, _ = lim.acquire()
    lim.finish(booking, 1500, error=False)
    assert lim.acquire()[1] == pytest.approx(60.0)  # the window empties, then it may go


def test_a_request_in_flight_is_never_forgotten() -> None:
    lim, t = limiter(max_requests=2, window_s=1)  # budget: 1 request
    lim.acquire()  # never finishes: it keeps counting however long it takes
    t.now = 100.0
    looks = give_up_after(lim, 3)
    with pytest.raises(TimeoutError):
        lim.acquire()
    assert looks == [pytest.approx(0.01)] * 3


def test_shared_by_threads_without_losing_a_booking() -> None:
    lim = SlidingWindowLimiter(RateLimits(max_requests=10_000, window_s=60))
    threads = [threading.Thread(target=lambda: [lim.acquire() for _ in range(200)]) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(lim.snapshot().requests) == 1600
