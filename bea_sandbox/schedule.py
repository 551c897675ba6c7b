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
# The releases of the other datasets, titled as BEA titles its news releases.
GDP_BY_INDUSTRY = "GDP by Industry"
INPUT_OUTPUT = "Input-Output Accounts"
FIXED_ASSETS = "Fixed Assets"
INTERNATIONAL_TRANSACTIONS = "U.S. International Transactions"
INTERNATIONAL_INVESTMENT_POSITION = "U.S. International Investment Position"
INTERNATIONAL_SERVICES = "U.S. International Services"
DIRECT_INVESTMENT = "Direct Investment by Country and Industry"
PI_BY_COUNTY = "Personal Income by County, Metro, and Other Areas"


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
    trade early in the month, the state releases once a quarter; GDP by industry with the
    quarter's third GDP estimate, the international transactions and investment position once
    a quarter, and the annual ones (fixed assets, international services, direct investment,
    county income, input-output) once a year.
    """
    out: dict[str, list[datetime]] = {
        name: []
        for name in (
            GDP, PIO, GDP_BY_STATE, PI_BY_STATE, TRADE, GDP_BY_INDUSTRY, INPUT_OUTPUT, FIXED_ASSETS,
            INTERNATIONAL_TRANSACTIONS, INTERNATIONAL_INVESTMENT_POSITION, INTERNATIONAL_SERVICES,
            DIRECT_INVESTMENT, PI_BY_COUNTY,
        )
    }  # fmt: skip
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
                out[GDP_BY_INDUSTRY].append(_at_release_time(_last_weekday(year, month, calendar.THURSDAY)))
                out[INTERNATIONAL_TRANSACTIONS].append(
                    _at_release_time(_nth_weekday(year, month, calendar.THURSDAY, 3))
                )
                out[INTERNATIONAL_INVESTMENT_POSITION].append(
                    _at_release_time(_last_weekday(year, month, calendar.WEDNESDAY))
                )
        out[FIXED_ASSETS].append(_at_release_time(_nth_weekday(year, 10, calendar.THURSDAY, 1)))
        out[INTERNATIONAL_SERVICES].append(_at_release_time(_nth_weekday(year, 7, calendar.WEDNESDAY, 1)))
        out[DIRECT_INVESTMENT].append(_at_release_time(_nth_weekday(year, 7, calendar.THURSDAY, 3)))
        out[PI_BY_COUNTY].append(_at_release_time(_nth_weekday(year, 11, calendar.THURSDAY, 3)))
        out[INPUT_OUTPUT].append(_at_release_time(_nth_weekday(year, 11, calendar.THURSDAY, 2)))
    return out


def latest_release(name: str, now: datetime) -> date | None:
    """The date of the newest release of ``name`` at or before ``now``. Before the first
    release the schedule publishes, the vintage in force is the one of the year before (BEA
    served numbers before the schedule began): every table has a vintage at any moment."""
    passed = [d for d in release_schedule(FIRST_YEAR - 1)[name] if d <= now]
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
