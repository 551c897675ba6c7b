"""BEA's per-key limits: requests, bytes and errors per window; going over locks the key out."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class Limits:
    max_requests: int = 100
    max_bytes: int = 100 * 1000 * 1024
    max_errors: int = 30
    window_s: float = 60.0
    lockout_s: float = 3600.0


@dataclass
class _KeyState:
    requests: deque[float] = field(default_factory=deque)
    answers: deque[tuple[float, int]] = field(default_factory=deque)
    errors: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class KeyLimiter:
    """Counts per API key over a sliding window, as BEA does, and holds lockouts."""

    def __init__(self, limits: Limits, clock: callable = time.monotonic):  # type: ignore[valid-type]
        self.limits = limits
        self.clock = clock
        self._keys: dict[str, _KeyState] = {}
        self._lock = threading.Lock()
        self.refused = 0

    def _purge(self, state: _KeyState, now: float) -> None:
        edge = now - self.limits.window_s
        while state.requests and state.requests[0] <= edge:
            state.requests.popleft()
        while state.answers and state.answers[0][0] <= edge:
            state.answers.popleft()
        while state.errors and state.errors[0] <= edge:
            state.errors.popleft()

    def admit(self, key: str) -> int | None:
        """None if the request may proceed; else the Retry-After seconds of a 429."""
        with self._lock:
            now = self.clock()
            state = self._keys.setdefault(key, _KeyState())
            if state.locked_until > now:
                self.refused += 1
                return math.ceil(state.locked_until - now)
            self._purge(state, now)
            over = (
                len(state.requests) >= self.limits.max_requests
                or sum(b for _, b in state.answers) > self.limits.max_bytes
                or len(state.errors) > self.limits.max_errors
            )
            if over:
                state.locked_until = now + self.limits.lockout_s
                self.refused += 1
                return math.ceil(self.limits.lockout_s)
            state.requests.append(now)
            return None

    def record(self, key: str, nbytes: int, error: bool) -> None:
        with self._lock:
            now = self.clock()
            state = self._keys.setdefault(key, _KeyState())
            state.answers.append((now, nbytes))
            if error:
                state.errors.append(now)
