"""Self-throttling below BEA's per-key limits: requests, bytes and errors per sliding window.

Written here rather than taken from pyrate-limiter: two of BEA's three budgets (bytes and
errors) are known only after an answer arrives, while rate-limiting libraries charge a known
weight before the call. This limiter admits a request only if, counting what the window
already holds (and the largest answer seen, for bytes), all three budgets stay below a safety
fraction of BEA's limits, then books the answer's size and outcome when it is known.
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
        self._requests: deque[float] = deque()
        self._bytes: deque[tuple[float, int]] = deque()
        self._errors: deque[float] = deque()
        self._largest = 0
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def _purge(self, now: float) -> None:
        edge = now - self.limits.window_s
        for q in (self._requests, self._errors):
            while q and q[0] <= edge:
                q.popleft()
        while self._bytes and self._bytes[0][0] <= edge:
            self._bytes.popleft()

    def _wait_needed(self, now: float) -> float:
        lim, waits = self.limits, []
        if len(self._requests) >= lim.request_budget:
            waits.append(self._requests[len(self._requests) - lim.request_budget] + lim.window_s - now)
        if len(self._errors) >= lim.error_budget:
            waits.append(self._errors[len(self._errors) - lim.error_budget] + lim.window_s - now)
        used = sum(b for _, b in self._bytes)
        if self._bytes and used + self._largest > lim.byte_budget:
            freed, need = 0, used + self._largest - lim.byte_budget
            for stamp, size in self._bytes:
                freed += size
                if freed >= need:
                    waits.append(stamp + lim.window_s - now)
                    break
        return max(waits, default=0.0)

    def acquire(self) -> float:
        """Block until a request fits every budget, then book it. Returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                self._purge(now)
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._requests.append(now)
                    self.waited_s += waited
                    return waited
            wait = max(wait, 0.001)
            self.sleep(wait)
            waited += wait

    def record(self, nbytes: int, error: bool) -> None:
        """Book an answer's size and whether BEA would count it as an error."""
        with self._lock:
            now = self.clock()
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
