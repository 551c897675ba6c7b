"""A capture's plan in the open: how many requests, how many bytes, and how long BEA's limits
make it take at the least; and its progress as answers arrive (answers, bytes, time left).

Hand-written rather than tqdm: the run log wants a line per answer with the estimate in it,
not a redrawn terminal bar, and the estimate is BEA's limits as much as the observed rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from macro_assets.bea.throttle import RateLimits


@dataclass(frozen=True)
class Estimate:
    requests: int
    expected_bytes: int | None
    # How many of the requests have a size known from an earlier capture.
    sized_from_history: int
    minimum_s: float

    def describe(self) -> str:
        size = (
            f"~{self.expected_bytes / 1e6:,.1f} MB expected ({self.sized_from_history} of "
            f"{self.requests} sized by an earlier capture)"
            if self.expected_bytes is not None
            else "size unknown (no earlier capture)"
        )
        least = f"BEA's limits allow it in no less than {self.minimum_s:.0f} s"
        return f"{self.requests} requests, {size}; {least}"


def estimate(
    labels: Sequence[str], sizes: Mapping[str, int], limits: RateLimits, already_sent: int = 0
) -> Estimate:
    """Requests for ``labels``; bytes from ``sizes`` (label → bytes of an earlier capture),
    unknown labels taken at the mean of the known ones. ``already_sent``: requests just sent
    (the plan's look-ups), which count in BEA's window too."""
    known = [sizes[label] for label in labels if label in sizes]
    if known:
        mean = sum(known) / len(known)
        expected: int | None = round(sum(known) + mean * (len(labels) - len(known)))
    else:
        expected = None
    least = limits.minimum_time_s(len(labels) + already_sent, expected or 0)
    return Estimate(len(labels), expected, len(known), least)


@dataclass
class Progress:
    """Answers as they arrive; ``note`` gives the run log's line for each."""

    total: int
    limits: RateLimits
    expected_bytes: int | None = None
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    nbytes: int = 0
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def seconds_left(self) -> float:
        left = self.total - self.done
        if left <= 0:
            return 0.0
        elapsed = self.clock() - self.started
        observed = elapsed / self.done * left if self.done else 0.0
        bytes_left = max(0, (self.expected_bytes or 0) - self.nbytes)
        return max(observed, self.limits.minimum_time_s(left, bytes_left))

    def note(self, nbytes: int) -> str:
        self.done += 1
        self.nbytes += nbytes
        return (
            f"[{self.done}/{self.total}] {self.nbytes / 1e6:,.1f} MB so far, "
            f"~{self.seconds_left():.0f} s left"
        )
