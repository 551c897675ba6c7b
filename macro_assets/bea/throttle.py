"""Self-throttling below BEA's per-key limits: requests, bytes and errors per sliding window.

Written here rather than taken from pyrate-limiter: two of BEA's three budgets (bytes and
errors) are known only after an answer arrives, while rate-limiting libraries charge a known
weight before the call. This limiter admits a request only if, counting what the window
already holds (and, for bytes, the largest answer seen for it and for every request still in
flight), all three budgets stay below a safety fraction of BEA's limits, then books the
answer's size and outcome when it is known.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    max_requests: int = 100
    max_bytes: int = 100 * 1000 * 1024
    max_errors: int = 30
    window_s: float = 60.0
    # Stay this fraction below each limit: BEA's window and ours do not start at the same instant.
    safety: float = 0.95

    @property
    def request_budget(self) -> int:
        return max(1, math.floor(self.max_requests * self.safety))

    @property
    def error_budget(self) -> int:
        return max(1, math.floor(self.max_errors * self.safety))

    @property
    def byte_budget(self) -> float:
        return self.max_bytes * self.safety


class Booking:
    """One admitted request: in flight until ``finish``, then dated by when its answer ended.

    Dating a request by its end, not its start, keeps our window from expiring it before BEA's
    does: BEA counts a request when it arrives, which lies between the two."""

    __slots__ = ("stamp",)

    def __init__(self) -> None:
        self.stamp = math.inf


class SlidingWindowLimiter:
    """Thread-safe; one per API key, shared by every request of a process."""

    def __init__(
        self,
        limits: RateLimits,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.limits = limits
        self.clock, self.sleep = clock, sleep
        self._requests: list[Booking] = []
        self._bytes: deque[tuple[float, int]] = deque()
        self._errors: deque[float] = deque()
        self._largest = 0
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def _purge(self, now: float) -> None:
        edge = now - self.limits.window_s
        self._requests = [b for b in self._requests if b.stamp > edge]
        while self._errors and self._errors[0] <= edge:
            self._errors.popleft()
        while self._bytes and self._bytes[0][0] <= edge:
            self._bytes.popleft()

    def _wait_needed(self, now: float) -> float:
        lim, waits = self.limits, []
        if len(self._requests) >= lim.request_budget:
            stamps = sorted(b.stamp for b in self._requests)
            oldest_to_go = stamps[len(stamps) - lim.request_budget]
            # In-flight requests cannot expire yet: look again shortly.
            waits.append(oldest_to_go + lim.window_s - now if oldest_to_go != math.inf else 0.01)
        if len(self._errors) >= lim.error_budget:
            waits.append(self._errors[len(self._errors) - lim.error_budget] + lim.window_s - now)
        # Answers still in flight have sizes BEA will count but we do not know yet: each is
        # expected as large as the largest seen, like the one about to be admitted.
        in_flight = sum(1 for b in self._requests if b.stamp == math.inf)
        used = sum(b for _, b in self._bytes)
        need = used + self._largest * (in_flight + 1) - lim.byte_budget
        if self._largest and need > 0 and (self._bytes or in_flight):
            freed, wait = 0, None
            for stamp, size in self._bytes:
                freed += size
                if freed >= need:
                    wait = stamp + lim.window_s - now
                    break
            if wait is None:
                # Expiring every booked answer is not enough: wait for one in flight to end or,
                # with none, for the window to empty (an answer larger than the budget goes alone).
                wait = 0.01 if in_flight else self._bytes[-1][0] + lim.window_s - now
            waits.append(wait)
        return max(waits, default=0.0)

    def acquire(self) -> tuple[Booking, float]:
        """Block until a request fits every budget, then book it: (the booking, seconds waited)."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                self._purge(now)
                wait = self._wait_needed(now)
                if wait <= 0:
                    booking = Booking()
                    self._requests.append(booking)
                    self.waited_s += waited
                    return booking, waited
            wait = max(wait, 0.001)
            self.sleep(wait)
            waited += wait

    def finish(self, booking: Booking, nbytes: int, error: bool) -> None:
        """Date the request by its end; book its answer's size and whether BEA counts it an error."""
        with self._lock:
            now = self.clock()
            booking.stamp = now
            self._bytes.append((now, nbytes))
            self._largest = max(self._largest, nbytes)
            if error:
                self._errors.append(now)


_limiters: dict[tuple[str, RateLimits], SlidingWindowLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(api_key: str, limits: RateLimits) -> SlidingWindowLimiter:
    """The process-wide limiter of one key (looked up by a hash: the key is not kept as a name)."""
    ident = (hashlib.sha256(api_key.encode()).hexdigest(), limits)
    with _registry_lock:
        if ident not in _limiters:
            _limiters[ident] = SlidingWindowLimiter(limits)
        return _limiters[ident]
