"""What the datasets beyond NIPA and Regional share: deterministic paths per series, revised
by each vintage in their recent years as BEA revises, and the periods a vintage covers."""

from __future__ import annotations

import hashlib
import math
from datetime import date

# Years a vintage may still revise: older numbers stay as first revised (until a comprehensive
# update, which the sandbox does not model for these datasets).
REVISED_YEARS = 3


def noise(*parts: object) -> float:
    """A deterministic number in [-1, 1) for the given parts."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**63 - 1.0


def level(key: str, t: float, base: float, growth: float, release: date, first_year: int = 1999) -> float:
    """The series ``key`` at time ``t`` (years, fractional for quarters) as published in the
    vintage of ``release``: a growth path with a cycle and a little noise; periods of the last
    REVISED_YEARS years differ from one vintage to the next."""
    years = t - first_year
    cycle = 0.04 * math.sin(
        2 * math.pi * years / (6 + 3 * abs(noise(key, "cycle"))) + math.pi * noise(key, "phase")
    )
    value = base * (1 + growth) ** years * (1 + cycle + 0.01 * noise(key, round(t, 2)))
    if release.year - int(t) <= REVISED_YEARS:
        value *= 1 + 0.003 * noise(key, round(t, 2), release.isoformat())
    return value


def last_year(release: date) -> int:
    """The newest year with annual figures in a vintage (the year before its release)."""
    return release.year - 1


def last_quarter(release: date, lag_months: int = 2) -> tuple[int, int]:
    """The newest quarter a vintage covers: the last one ended at least ``lag_months`` ago."""
    months = release.year * 12 + release.month - 1 - lag_months
    year, month = divmod(months, 12)
    quarter = (month + 1) // 3
    return (year, quarter) if quarter else (year - 1, 4)


def quarters(first_year: int, release: date, lag_months: int = 2) -> list[tuple[int, int]]:
    end = last_quarter(release, lag_months)
    return [(y, q) for y in range(first_year, end[0] + 1) for q in range(1, 5) if (y, q) <= end]


def chosen(raw: str, known: list[str]) -> list[str] | None:
    """A comma-separated parameter value against the values a dataset knows (any case): the
    known ones asked for, in the dataset's order; ALL: every one; None when one is unknown."""
    text = raw.strip()
    if text.upper() in ("ALL", "X"):
        return list(known)
    by_upper = {k.upper(): k for k in known}
    wanted = [v.strip().upper() for v in text.split(",") if v.strip()]
    if not wanted or any(w not in by_upper for w in wanted):
        return None
    return [k for k in known if k.upper() in wanted]


def years_of(raw: str) -> set[int] | None:
    text = raw.strip().upper()
    if text in ("", "ALL", "X"):
        return None
    return {int(y) for y in text.split(",") if y.strip().isdigit()}
