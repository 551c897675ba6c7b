"""The sandbox's clock: real time, a fixed moment, or stepped release by release by a test."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from bea_sandbox import schedule

# BEA's API serves a release's numbers a little after its 08:30 release time.
SERVED_AFTER = timedelta(minutes=5)


def release_times() -> list[datetime]:
    return sorted({d for dates in schedule.release_schedule().values() for d in dates})


class SteppedClock:
    """A clock that stands just after one release and moves on when told to publish the next."""

    def __init__(self, now: datetime):
        self._now = now
        self._lock = threading.Lock()

    @classmethod
    def after_releases(cls, count: int) -> SteppedClock:
        """Just after the ``count``-th release of the schedule: a history of ``count`` vintages."""
        times = release_times()
        if not 1 <= count <= len(times):
            raise ValueError(f"--vintages must be between 1 and {len(times)}")
        return cls(times[count - 1] + SERVED_AFTER)

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def publish_next(self) -> datetime:
        """Move to just after the next release; returns that release's time."""
        with self._lock:
            upcoming = [t for t in release_times() if t + SERVED_AFTER > self._now]
            if not upcoming:
                raise ValueError("the sandbox's schedule has no later release")
            self._now = upcoming[0] + SERVED_AFTER
            return upcoming[0]
