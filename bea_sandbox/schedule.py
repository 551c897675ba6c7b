"""BEA's release schedule as the sandbox publishes it (release_dates.json)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
RELEASE_TIME = time(8, 30)
FIRST_YEAR = 2024
LAST_YEAR = 2027

GDP = "Gross Domestic Product"
PIO = "Personal Income and Outlays"
GDP_BY_STATE = "GDP by State"
PI_BY_STATE = "Personal Income by State"
TRADE = "U.S. International Trade in Goods and Services"


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _at_release_time(day: date) -> datetime:
    return datetime.combine(day, RELEASE_TIME, tzinfo=EASTERN)


def release_schedule(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> dict[str, list[datetime]]:
    """Release datetimes per BEA news release title, the way BEA spreads them over a year.

    GDP comes on the last Thursday of a month, Personal Income and Outlays on the last Friday,
    trade early in the month, and the state releases once a quarter.
    """
    out: dict[str, list[datetime]] = {GDP: [], PIO: [], GDP_BY_STATE: [], PI_BY_STATE: [], TRADE: []}
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            out[GDP].append(_at_release_time(_last_weekday(year, month, calendar.THURSDAY)))
            out[PIO].append(_at_release_time(_last_weekday(year, month, calendar.FRIDAY)))
            out[TRADE].append(_at_release_time(_nth_weekday(year, month, calendar.TUESDAY, 1)))
            if month in (3, 6, 9, 12):
                out[GDP_BY_STATE].append(
                    _at_release_time(_nth_weekday(year, month, calendar.FRIDAY, 4) - timedelta(days=1))
                )
                out[PI_BY_STATE].append(_at_release_time(_nth_weekday(year, month, calendar.FRIDAY, 4)))
    return out


def latest_release(name: str, now: datetime) -> date | None:
    """The date of the newest release of ``name`` at or before ``now``."""
    passed = [d for d in release_schedule()[name] if d <= now]
    return max(passed).date() if passed else None


def annual_update(now: datetime) -> date | None:
    """The newest annual NIPA update (the GDP release in late September) at or before ``now``."""
    passed = [d for d in release_schedule()[GDP] if d.month == 9 and d <= now]
    return max(passed).date() if passed else None


def release_dates_document(file_last_updated: datetime) -> dict[str, object]:
    doc: dict[str, object] = {
        name: {"release_dates": [d.isoformat() for d in dates]} for name, dates in release_schedule().items()
    }
    doc["file_last_updated"] = file_last_updated.astimezone(EASTERN).isoformat()
    return doc
