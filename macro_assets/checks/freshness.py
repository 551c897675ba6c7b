"""Freshness: the warehouse is not behind BEA's release calendar."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from macro_assets.checks import Outcome, nothing_to_check

NAME = "fresh_against_bea_calendar"


def freshness(
    loaded: Iterable[date],
    calendar: dict[str, list[datetime]],
    releases: Iterable[str],
    now: datetime,
    grace: timedelta,
) -> Outcome:
    """Passed when the newest loaded release date is no older than the newest catalog release
    that BEA's release calendar says came out more than ``grace`` ago (the API may lag the 08:30
    publication, and a run takes minutes)."""
    releases = list(releases)
    if not any(name in calendar for name in releases):
        # The catalog's release names and BEA's calendar do not meet: this check would be blind.
        return nothing_to_check(
            NAME, f"none of the catalog's releases {releases} is in BEA's release calendar"
        )
    due = [(stamp, name) for name in releases for stamp in calendar.get(name, []) if stamp + grace <= now]
    newest_loaded = max(loaded, default=None)
    metadata: dict[str, object] = {
        "newest_loaded": newest_loaded.isoformat() if newest_loaded else "none",
        "grace_hours": grace.total_seconds() / 3600,
    }
    if not due:
        return Outcome(NAME, True, "no catalog release is due yet", metadata)
    stamp, name = max(due)
    day = stamp.date()
    metadata |= {"newest_due": day.isoformat(), "newest_due_release": name}
    if newest_loaded is not None and newest_loaded >= day:
        return Outcome(NAME, True, f"loaded through {newest_loaded}; {name} of {day} is in", metadata)
    behind = f"the newest loaded release is {newest_loaded}" if newest_loaded else "no release is loaded"
    hours = (now - stamp).total_seconds() / 3600
    metadata["hours_overdue"] = round(hours, 1)
    return Outcome(
        NAME,
        False,
        f"{name} of {day} (published {stamp.isoformat()}) is not loaded {hours:.1f} h later: {behind}",
        metadata,
    )
