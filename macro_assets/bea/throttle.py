"""Self-throttling below BEA's per-key limits: requests, bytes and errors per sliding window,
counted for the key, not for the process.

BEA counts per API key, so every process that uses a key must see the same tally: the window
lives in a ``BudgetStore`` (``budget.py``: a locked file on one machine, a PostgreSQL row for
every ECS task, or process memory for the embedded sandbox). A 429 is remembered there too:
until its Retry-After has passed, no process sends the key to BEA.

Written here rather than taken from pyrate-limiter: two of BEA's three budgets (bytes and
errors) are known only after an answer arrives, while rate-limiting libraries charge a known
weight before the call. This limiter admits a request only if, counting what the window
already holds (and, for bytes, the largest answer seen for it and for every request still in
flight, in any process), all three budgets stay below a safety fraction of BEA's limits, then
books the answer's size and outcome when it is known.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# The process a booking belongs to: on this host a dead one's requests are ended at once.
OWNER = f"{socket.gethostname()}:{os.getpid()}"
# A request of another host still in flight after this long is taken for one that died with
# its process (its answer is counted as the largest seen).
IN_FLIGHT_LEASE_S = 900.0
# The largest answer seen is forgotten an hour after it was seen, unless matched again.
LARGEST_TTL_S = 3600.0


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

    def minimum_time_s(self, requests: int, nbytes: int) -> float:
        """The least time these limits allow for ``requests`` answers of ``nbytes`` in all."""
        windows = max(
            (requests - 1) // self.request_budget if requests else 0,
            math.ceil(nbytes / self.byte_budget) - 1 if nbytes else 0,
        )
        return windows * self.window_s


def utc_text(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class KeyLockedOut(Exception):  # noqa: N818 (a state, not a failure of ours)
    """BEA has locked the key out, as recorded by whichever process drew the 429."""

    def __init__(self, until: float, reason: str):
        self.until, self.reason = until, reason
        super().__init__(
            f"BEA has locked this API key out until {utc_text(until)} ({reason}); no request was sent"
        )


@dataclass
class KeyState:
    """One key's window, in a form every store can keep as JSON. Times are seconds on the
    store's clock (epoch seconds for files and PostgreSQL)."""

    # [booking id, started, ended (None while in flight), owner]
    requests: list[list[Any]] = field(default_factory=list)
    answers: list[list[float]] = field(default_factory=list)  # [ended, bytes]
    errors: list[float] = field(default_factory=list)
    largest: list[float] = field(default_factory=lambda: [0, 0.0])  # [bytes, seen at]
    locked_until: float = 0.0
    lockout_reason: str = ""

    @classmethod
    def from_json(cls, doc: dict[str, Any] | None) -> KeyState:
        return cls(**doc) if doc else cls()

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))

    def newest(self) -> float:
        stamps = [r[2] if r[2] is not None else r[1] for r in self.requests]
        return max([*stamps, *(a[0] for a in self.answers), *self.errors, self.locked_until], default=0.0)

    def is_empty(self) -> bool:
        return not (self.requests or self.answers or self.errors) and self.locked_until == 0.0


def _owner_alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != OWNER.rpartition(":")[0] or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def purge(state: KeyState, now: float, window_s: float) -> None:
    """Drop what has left the window; end the requests of processes that died mid-request."""
    largest = largest_seen(state, now)
    for request in state.requests:
        if request[2] is None and (now - request[1] > IN_FLIGHT_LEASE_S or not _owner_alive(request[3])):
            # BEA counted it; what it answered is unknown: take it for the largest answer.
            request[2] = now if now - request[1] <= IN_FLIGHT_LEASE_S else request[1] + IN_FLIGHT_LEASE_S
            state.answers.append([request[2], largest])
    edge = now - window_s
    state.requests = [r for r in state.requests if r[2] is None or r[2] > edge]
    state.answers = [a for a in state.answers if a[0] > edge]
    state.errors = [e for e in state.errors if e > edge]
    if state.largest[1] and now - state.largest[1] > LARGEST_TTL_S:
        state.largest = [0, 0.0]
    if state.locked_until and state.locked_until <= now:
        state.locked_until, state.lockout_reason = 0.0, ""


def largest_seen(state: KeyState, now: float) -> int:
    in_window = max((int(a[1]) for a in state.answers), default=0)
    remembered = int(state.largest[0]) if now - state.largest[1] <= LARGEST_TTL_S else 0
    return max(in_window, remembered)


def wait_needed(state: KeyState, now: float, lim: RateLimits, poll_s: float) -> float:
    """Seconds until one more request fits every budget (0 or less: it fits now)."""
    waits = []
    ended = sorted(r[2] for r in state.requests if r[2] is not None)
    in_flight = len(state.requests) - len(ended)
    if len(state.requests) >= lim.request_budget:
        # In-flight requests cannot expire yet: the oldest ended ones must make room.
        must_go = len(state.requests) - lim.request_budget
        waits.append(ended[must_go] + lim.window_s - now if must_go < len(ended) else poll_s)
    if len(state.errors) >= lim.error_budget:
        errors = sorted(state.errors)
        waits.append(errors[len(errors) - lim.error_budget] + lim.window_s - now)
    # Answers still in flight have sizes BEA will count but we do not know yet: each is
    # expected as large as the largest seen, like the one about to be admitted.
    largest = largest_seen(state, now)
    booked = sorted(state.answers)
    need = sum(b for _, b in booked) + largest * (in_flight + 1) - lim.byte_budget
    if largest and need > 0 and (booked or in_flight):
        freed, wait = 0.0, None
        for stamp, size in booked:
            freed += size
            if freed >= need:
                wait = stamp + lim.window_s - now
                break
        if wait is None:
            # Expiring every booked answer is not enough: wait for one in flight to end or,
            # with none, for the window to empty (an answer larger than the budget goes alone).
            wait = poll_s if in_flight else booked[-1][0] + lim.window_s - now
        waits.append(wait)
    return max(waits, default=0.0)


class Booking:
    """One admitted request, until ``finish`` dates it by when its answer ended.

    Dating a request by its end, not its start, keeps our window from expiring it before BEA's
    does: BEA counts a request when it arrives, which lies between the two."""

    __slots__ = ("id",)

    def __init__(self, booking_id: str) -> None:
        self.id = booking_id


class SlidingWindowLimiter:
    """One key's limiter in this process; processes sharing a store share the key's window."""

    def __init__(
        self,
        limits: RateLimits,
        store: Any = None,
        key_id: str = "local",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        from macro_assets.bea.budget import MemoryStore

        self.limits = limits
        self.store = store if store is not None else MemoryStore(clock)
        self.key_id = key_id
        self.sleep = sleep
        # Threads of one process take turns at the store: one of them polls while it waits.
        self._turn = threading.Lock()
        self.waited_s = 0.0

    def acquire(self, max_lockout_wait_s: float = 0.0) -> tuple[Booking, float]:
        """Block until a request fits every budget, then book it: (the booking, seconds waited).

        Raises ``KeyLockedOut`` without booking anything if the key is locked out for longer
        than ``max_lockout_wait_s``; a shorter lockout is waited out."""
        waited = 0.0
        with self._turn:
            while True:
                with self.store.session(self.key_id) as (state, now):
                    purge(state, now, self.limits.window_s)
                    if state.locked_until > now:
                        wait = state.locked_until - now
                        if wait > max_lockout_wait_s:
                            raise KeyLockedOut(state.locked_until, state.lockout_reason)
                    else:
                        wait = wait_needed(state, now, self.limits, self.store.poll_s)
                        if wait <= 0:
                            booking = Booking(uuid.uuid4().hex)
                            state.requests.append([booking.id, now, None, OWNER])
                            self.waited_s += waited
                            return booking, waited
                wait = max(wait, 0.001)
                self.sleep(wait)
                waited += wait

    def finish(self, booking: Booking, nbytes: int, error: bool) -> None:
        """Date the request by its end; book its answer's size and whether BEA counts it an error."""
        with self.store.session(self.key_id) as (state, now):
            for request in state.requests:
                if request[0] == booking.id:
                    request[2] = now
                    break
            else:
                state.requests.append([booking.id, now, now, OWNER])
            state.answers.append([now, nbytes])
            if nbytes >= state.largest[0] or now - state.largest[1] > LARGEST_TTL_S:
                state.largest = [nbytes, now]
            if error:
                state.errors.append(now)

    def record_lockout(self, retry_after_s: float, reason: str) -> float:
        """BEA answered 429: no process may send the key until Retry-After has passed. The end."""
        with self.store.session(self.key_id) as (state, now):
            until = now + retry_after_s
            if until > state.locked_until:
                state.locked_until, state.lockout_reason = until, f"{reason} at {utc_text(now)}"
            return state.locked_until

    def lockout(self) -> KeyLockedOut | None:
        """The key's recorded lockout, if one is still in force."""
        with self.store.session(self.key_id) as (state, now):
            purge(state, now, self.limits.window_s)
            return KeyLockedOut(state.locked_until, state.lockout_reason) if state.locked_until else None

    def snapshot(self) -> KeyState:
        with self.store.session(self.key_id) as (state, _):
            return KeyState.from_json(state.to_json())


_limiters: dict[tuple[int, str, RateLimits], SlidingWindowLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(api_key: str, host: str, limits: RateLimits, store: Any = None) -> SlidingWindowLimiter:
    """The process's limiter of one key at one API host, over ``store`` (process memory if None).
    The key is known to the store only by a keyed hash."""
    from macro_assets.bea.budget import process_store

    store = store if store is not None else process_store()
    key_id = store.identify(api_key, host)
    ident = (id(store), key_id, limits)
    with _registry_lock:
        if ident not in _limiters:
            _limiters[ident] = SlidingWindowLimiter(limits, store, key_id)
        return _limiters[ident]
