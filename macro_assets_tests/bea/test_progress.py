"""A capture's estimate and progress: sizes from an earlier capture, BEA's limits as the floor."""

from __future__ import annotations

from macro_assets.bea.progress import Progress, estimate
from macro_assets.bea.throttle import RateLimits

LIMITS = RateLimits(max_requests=100, max_bytes=100 * 1000 * 1024, window_s=60.0, safety=0.95)


def test_unknown_sizes_are_taken_at_the_mean_of_the_known_ones() -> None:
    plan = estimate(["a", "b", "c", "d"], {"a": 1_000, "b": 3_000}, LIMITS)
    assert (plan.requests, plan.expected_bytes, plan.sized_from_history) == (4, 8_000, 2)
    assert "4 requests, ~0.0 MB expected (2 of 4 sized by an earlier capture)" in plan.describe()


def test_without_history_the_size_is_unknown_and_the_requests_set_the_floor() -> None:
    plan = estimate([f"t{i}" for i in range(200)], {}, LIMITS)
    assert plan.expected_bytes is None and "size unknown" in plan.describe()
    # 95 requests a window: 200 answers need two further windows.
    assert plan.minimum_s == 120.0


def test_the_plans_look_ups_count_in_the_window() -> None:
    # 56 answers alone fit in one window; after the plan's 53 look-ups they need a second one.
    alone = estimate([f"t{i}" for i in range(56)], {}, LIMITS)
    after = estimate([f"t{i}" for i in range(56)], {}, LIMITS, already_sent=53)
    assert (alone.minimum_s, after.minimum_s, after.requests) == (0.0, 60.0, 56)


def test_progress_says_answers_bytes_and_no_less_than_the_limits_allow() -> None:
    now = [0.0]
    progress = Progress(total=300, limits=LIMITS, expected_bytes=None, clock=lambda: now[0])
    now[0] = 1.0
    line = progress.note(2_000_000)
    # The observed rate says 299 s; BEA's 95 requests a window say at least 180 s: the larger.
    assert line == "[1/300] 2.0 MB so far, ~299 s left"
    now[0] = 2.0
    for _ in range(9):
        progress.note(0)
    assert progress.seconds_left() == 180.0
