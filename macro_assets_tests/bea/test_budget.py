"""The stores that share a key's window between processes: a locked file, a PostgreSQL row."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from macro_assets.bea.budget import FileStore, PostgresStore
from macro_assets.bea.throttle import OWNER, KeyLockedOut, RateLimits, SlidingWindowLimiter, purge

KEY = "5AED0000-0000-4000-8000-000000000001"
LIMITS = RateLimits(max_requests=10, window_s=600)  # budget: 9 requests


def stop_at_first_wait(lim: SlidingWindowLimiter) -> list[float]:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise TimeoutError

    lim.sleep = sleep  # type: ignore[method-assign]
    return waits


def two_processes(make_store) -> tuple[SlidingWindowLimiter, SlidingWindowLimiter]:  # noqa: ANN001
    """Two limiters of one key over two store objects on the same storage, as two processes have."""
    first, second = make_store(), make_store()
    return (
        SlidingWindowLimiter(LIMITS, first, first.identify(KEY, "apps.bea.gov")),
        SlidingWindowLimiter(LIMITS, second, second.identify(KEY, "apps.bea.gov")),
    )


def shares_the_window(a: SlidingWindowLimiter, b: SlidingWindowLimiter) -> None:
    for _ in range(9):
        booking, waited = a.acquire()
        a.finish(booking, 100, error=False)
        assert waited == 0.0
    waits = stop_at_first_wait(b)
    with pytest.raises(TimeoutError):
        b.acquire()
    assert waits and 590 < waits[0] <= 600  # until a's first request leaves the window


def remembers_a_lockout(a: SlidingWindowLimiter, b: SlidingWindowLimiter) -> None:
    booked = len(b.snapshot().requests)
    until = a.record_lockout(3600, "HTTP 429 for NIPA/T10101")
    with pytest.raises(KeyLockedOut, match="no request was sent") as raised:
        b.acquire()
    assert raised.value.until == until and "HTTP 429 for NIPA/T10101" in str(raised.value)
    assert b.lockout() is not None and len(b.snapshot().requests) == booked  # nothing booked


def test_a_file_shares_one_window_between_processes(tmp_path: Path) -> None:
    a, b = two_processes(lambda: FileStore(tmp_path / "budget.json"))
    shares_the_window(a, b)
    remembers_a_lockout(a, b)
    assert KEY not in (tmp_path / "budget.json").read_text()


def test_postgresql_shares_one_window_between_processes(database_url: str) -> None:
    a, b = two_processes(lambda: PostgresStore(database_url))
    shares_the_window(a, b)
    remembers_a_lockout(a, b)
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT key_id, state::text FROM bea_budget.key_state")).all()
    engine.dispose()
    assert len(stored) == 1 and KEY not in stored[0][0] + stored[0][1]


def test_postgresql_unreachable_is_one_line() -> None:
    from macro_assets.bea.budget import BudgetUnavailableError

    with pytest.raises(
        BudgetUnavailableError, match=r"^BEA request budget in PostgreSQL .* unreachable"
    ) as e:
        PostgresStore("postgresql+psycopg2://nobody:secret@127.0.0.1:9/none")
    assert "\n" not in str(e.value) and "secret" not in str(e.value)


def test_a_request_of_a_dead_process_is_ended_not_held_forever() -> None:
    from macro_assets.bea.throttle import KeyState

    host = OWNER.rpartition(":")[0]
    state = KeyState(requests=[["dead", 100.0, None, f"{host}:999999999"], ["alive", 100.0, None, OWNER]])
    purge(state, 200.0, 60.0)
    ended = {r[0]: r[2] for r in state.requests}
    assert ended == {"dead": 200.0, "alive": None}
    # Another host's request is trusted until its lease runs out.
    far = KeyState(requests=[["far", 0.0, None, "elsewhere:1"]])
    purge(far, 100.0, 60.0)
    assert far.requests[0][2] is None
    purge(far, 2000.0, 60.0)
    assert far.requests == [] and far.answers == []
