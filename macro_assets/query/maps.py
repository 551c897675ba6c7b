"""One line of a Regional table in one period, every place, as BEA published it on a day: what a
choropleth of states or counties draws."""

from __future__ import annotations

from datetime import date

import polars as pl
import sqlalchemy as sa

from macro_assets.query.series import QueryError, UnknownError
from macro_assets.query.vintages import window

MAP_COLUMNS: dict[str, pl.DataType] = {
    "geo_fips": pl.String(),
    "geo_name": pl.String(),
    "geo_level": pl.String(),
    "value": pl.Float64(),
    "value_status": pl.String(),
    "unit": pl.String(),
    "unit_mult": pl.Int64(),
    "published_in": pl.Date(),
}
# Valid on the day, as observations_as_of; the line's rows are found by the block-range index
# on (dataset, table_name, line_number, time_period) (migration 0004).
_MAP = sa.text(
    """
SELECT geo_fips, geo_name, geo_level, value, value_status, unit, unit_mult, published_in
FROM bea.observations
WHERE dataset = 'Regional' AND table_name = :table_name AND line_number = :line_number
  AND time_period = :time_period
  AND published_in <= :day AND (replaced_in IS NULL OR replaced_in > :day)
ORDER BY geo_fips
"""
)


def regional_map(
    engine: sa.Engine,
    table_name: str,
    line_number: int,
    time_period: str,
    *,
    as_of: date | str | None = None,
    today: date | None = None,
) -> pl.DataFrame:
    """Every place's value of ``table_name`` line ``line_number`` for ``time_period`` (a year,
    e.g. ``"2023"``), as BEA published it on ``as_of`` (default today): ``MAP_COLUMNS`` by FIPS.
    A line or period the warehouse never held on that day is refused with ``UnknownError``."""
    if not time_period.strip():
        raise QueryError("time_period: give a period, e.g. 2023")
    day, _ = window("as_of", as_of, None, None, today)
    params = {"table_name": table_name, "line_number": line_number, "time_period": time_period, "day": day}
    with engine.connect() as conn:
        rows = conn.execute(_MAP, params).all()
    if not rows:
        raise UnknownError(
            f"Regional/{table_name} line {line_number} has no value for {time_period} as of {day}"
        )
    return pl.DataFrame(rows, schema=MAP_COLUMNS, orient="row")
