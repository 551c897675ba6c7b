"""A series by name, and the errors a query refuses with (one line each, naming the cause)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


class QueryError(ValueError):
    """A question the warehouse cannot answer as asked: a bad date, an unknown series, a window
    that ends before it starts. The message is one line."""


class UnknownError(QueryError):
    """The question names a series or a release the warehouse does not hold."""


@dataclass(frozen=True)
class Series:
    """One series of ``bea.observations``: its dataset, table and ``series_id`` (NIPA-shaped
    tables: the line number; Regional: "line|place"; other datasets: their dimension values)."""

    dataset: str
    table_name: str
    series_id: str

    @classmethod
    def parse(cls, name: str) -> Series:
        """``"dataset/table/series_id"``, e.g. ``"NIPA/T10101/1"`` or ``"Regional/CAINC1/3|01001"``
        (the series id may itself hold slashes: everything after the second one)."""
        parts = name.split("/", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise QueryError(f"series {name!r}: expected dataset/table/series_id, e.g. NIPA/T10101/1")
        return cls(*parts)

    def __str__(self) -> str:
        return f"{self.dataset}/{self.table_name}/{self.series_id}"

    def params(self) -> dict[str, str]:
        return {"dataset": self.dataset, "table_name": self.table_name, "series_id": self.series_id}


def as_series(series: Series | str) -> Series:
    return series if isinstance(series, Series) else Series.parse(series)


def as_date(value: date | str | None, what: str) -> date | None:
    """A date given as a date or as ``YYYY-MM-DD`` text; None stays None."""
    if isinstance(value, datetime):  # its day alone would drop a time of day
        raise QueryError(f"{what} {value.isoformat()}: expected a date, not a date and time")
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise QueryError(f"{what} {value!r}: expected a date as YYYY-MM-DD") from None
