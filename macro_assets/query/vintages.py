"""What BEA said about one series, and when: ALFRED's four outputs over the warehouse's vintages.

A stored row holds one value of one period from ``published_in`` (the release that first
published it) until ``replaced_in`` (the release that revised or dropped it). A question is
asked for a real-time window ``[realtime_start, realtime_end]`` (for "as of" a single day) and
sees only what was published by the window's end: rows published later are left out, and a
later release that replaced a row is never shown — the row reads as still current at the
window's end. So no answer about a day depends on anything BEA published after it
(``macro_assets_tests/query/test_point_in_time.py`` holds every output to that).

Each row of an answer carries ``realtime_start`` and ``realtime_end``: the first and last day,
within the window, on which the value was BEA's latest word (ALFRED's convention; the release
that first published it is ``published_in``).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl
import sqlalchemy as sa

from macro_assets.query.series import QueryError, Series, UnknownError, as_date, as_series

Output = Literal["as_of", "all", "new_or_revised", "initial"]
# ALFRED's output types 1 (one day), 1 (a window), 3 and 4; its type 2 is a wide pivot of "all".
OUTPUTS: tuple[Output, ...] = ("as_of", "all", "new_or_revised", "initial")
# ALFRED's "from the beginning of real time".
EARLIEST = date(1776, 7, 4)

COLUMNS: dict[str, pl.DataType] = {
    "time_period": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "frequency": pl.String(),
    "value": pl.Float64(),
    "value_status": pl.String(),
    "unit": pl.String(),
    "unit_mult": pl.Int64(),
    "published_in": pl.Date(),
    "realtime_start": pl.Date(),
    "realtime_end": pl.Date(),
}
REVISION_COLUMNS: dict[str, pl.DataType] = {
    "time_period": pl.String(),
    "period_start": pl.Date(),
    "revision": pl.Int64(),
    "published_in": pl.Date(),
    "value": pl.Float64(),
    "value_status": pl.String(),
    "previous_value": pl.Float64(),
    "change": pl.Float64(),
    "latest": pl.Boolean(),
    "realtime_end": pl.Date(),
}

# The series' rows published by the window's end, a replacement after the end unseen.
_KNOWN = """
WITH known AS (
    SELECT time_period, period_start, period_end, frequency, value, value_status, unit, unit_mult,
           published_in, CASE WHEN replaced_in <= :end THEN replaced_in END AS replaced_in
    FROM bea.observations
    WHERE dataset = :dataset AND table_name = :table_name AND series_id = :series_id
      AND published_in <= :end
)
"""
_VALUES = (
    "time_period, period_start, period_end, frequency, value, value_status, unit, unit_mult, "
    "published_in, {start} AS realtime_start, coalesce(replaced_in - 1, :end) AS realtime_end"
)
_WINDOWED = _VALUES.format(start="greatest(published_in, :start)")
# Built from the constants above only: every value is a bound parameter.
_SQL: dict[Output, str] = {
    # Valid on the day: published by then and not replaced by then.
    "as_of": f"SELECT {_WINDOWED} FROM known WHERE replaced_in IS NULL ORDER BY period_start, time_period",  # noqa: S608
    # Every value that was BEA's at some day of the window.
    "all": (
        f"SELECT {_WINDOWED} FROM known WHERE replaced_in IS NULL OR replaced_in > :start "  # noqa: S608
        "ORDER BY period_start, time_period, published_in"
    ),
    # Only the values a release of the window published new or revised.
    "new_or_revised": (
        f"SELECT {_VALUES.format(start='published_in')} FROM known WHERE published_in >= :start "  # noqa: S608
        "ORDER BY period_start, time_period, published_in"
    ),
    # Each period's first published value.
    "initial": (
        f"SELECT DISTINCT ON (period_start, time_period) {_VALUES.format(start='published_in')} "  # noqa: S608
        "FROM known ORDER BY period_start, time_period, published_in"
    ),
}
_REVISIONS = """
SELECT time_period, period_start,
       row_number() OVER w - 1 AS revision, published_in, value, value_status,
       lag(value) OVER w AS previous_value, value - lag(value) OVER w AS change,
       replaced_in IS NULL AS latest, coalesce(replaced_in - 1, :end) AS realtime_end
FROM known
WINDOW w AS (PARTITION BY period_start, time_period ORDER BY published_in)
ORDER BY period_start, time_period, published_in
"""
_EXISTS = sa.text(
    "SELECT EXISTS (SELECT 1 FROM bea.observations WHERE dataset = :dataset "
    "AND table_name = :table_name AND series_id = :series_id)"
)


def observations(
    engine: sa.Engine,
    series: Series | str,
    *,
    as_of: date | str | None = None,
    realtime_start: date | str | None = None,
    realtime_end: date | str | None = None,
    output: Output = "as_of",
    today: date | None = None,
) -> pl.DataFrame:
    """A series' observations, ALFRED's way (``COLUMNS``, by period):

    - ``as_of``: the values BEA published as of that day (default: ``realtime_end``, else today);
    - ``all``: every value that was BEA's on some day of ``[realtime_start, realtime_end]``, each
      with the days it was (default window: all of real time up to today);
    - ``new_or_revised``: only the values a release within the window published new or revised;
    - ``initial``: each period's first published value (up to the window's end).
    """
    target = as_series(series)
    start, end = window(output, as_of, realtime_start, realtime_end, today)
    params = {**target.params(), "start": start, "end": end}
    with engine.connect() as conn:
        _known_series(conn, target)
        rows = conn.execute(sa.text(_KNOWN + _SQL[output]), params).all()
    return pl.DataFrame(rows, schema=COLUMNS, orient="row")


def revisions(
    engine: sa.Engine, series: Series | str, *, as_of: date | str | None = None, today: date | None = None
) -> pl.DataFrame:
    """Every value each period of a series has had, as of a day (default today): ``revision`` 0
    is the first release, each later row a revision with the release that made it
    (``published_in``), the value before it and the change; ``latest`` marks the value current
    on that day."""
    target = as_series(series)
    _, end = window("as_of", as_of, None, None, today)
    with engine.connect() as conn:
        _known_series(conn, target)
        rows = conn.execute(sa.text(_KNOWN + _REVISIONS), {**target.params(), "end": end}).all()
    return pl.DataFrame(rows, schema=REVISION_COLUMNS, orient="row")


def window(
    output: str,
    as_of: date | str | None,
    realtime_start: date | str | None,
    realtime_end: date | str | None,
    today: date | None = None,
) -> tuple[date, date]:
    """The real-time window a question asks about, checked: ``(start, end)``."""
    if output not in OUTPUTS:
        raise QueryError(f"output {output!r}: expected one of {', '.join(OUTPUTS)}")
    day, start, end = (
        as_date(as_of, "as_of"),
        as_date(realtime_start, "realtime_start"),
        as_date(realtime_end, "realtime_end"),
    )
    today = today or date.today()
    if output == "as_of":
        if day is not None and (start is not None or end is not None):
            raise QueryError("give as_of or a real-time window (realtime_start, realtime_end), not both")
        if start is not None and end is not None and start != end:
            raise QueryError(
                f"output as_of answers for one day: realtime_start {start} and realtime_end {end} differ"
            )
        day = day or end or start or today
        return day, day
    if day is not None:
        raise QueryError(f"as_of is for output as_of; output {output} takes realtime_start and realtime_end")
    start, end = start or EARLIEST, end or today
    if start > end:
        raise QueryError(f"realtime_start {start} is after realtime_end {end}")
    return start, end


def _known_series(conn: sa.Connection, series: Series) -> None:
    if not conn.execute(_EXISTS, series.params()).scalar_one():
        raise UnknownError(f"unknown series {series}: the warehouse holds no observation of it")
