"""BEA time periods: ``2023`` (A), ``2023Q1`` (Q), ``2023M01`` or ``2023M1`` (M)."""

from __future__ import annotations

import calendar
import re
from datetime import date

_PERIOD = re.compile(r"^(\d{4})(?:(Q)([1-4])|(M)(\d{1,2}))?$")


def parse_period(text: str) -> tuple[str, date, date]:
    """(frequency, first day, last day) of a BEA time period; ValueError on anything else."""
    m = _PERIOD.match(text.strip())
    if not m:
        raise ValueError(f"unrecognised BEA time period {text!r}")
    year = int(m.group(1))
    if m.group(2):
        q = int(m.group(3))
        first, last = 3 * q - 2, 3 * q
        return "Q", date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    if m.group(4):
        month = int(m.group(5))
        if not 1 <= month <= 12:
            raise ValueError(f"unrecognised BEA time period {text!r}")
        return "M", date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return "A", date(year, 1, 1), date(year, 12, 31)


def canonical_period(frequency: str, end: date) -> str:
    """The period label ending on ``end``, in BEA's zero-padded spelling."""
    if frequency == "A":
        return str(end.year)
    if frequency == "Q":
        return f"{end.year}Q{(end.month - 1) // 3 + 1}"
    return f"{end.year}M{end.month:02d}"
