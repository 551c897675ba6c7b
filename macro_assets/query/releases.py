"""What one release changed, table by table: new periods and series, revised values ranked by
size, values it dropped — against what the warehouse held just before it."""

from __future__ import annotations

from datetime import date

import polars as pl
import sqlalchemy as sa

from macro_assets.query.series import QueryError, UnknownError, as_date

DIFF_COLUMNS: dict[str, pl.DataType] = {
    "dataset": pl.String(),
    "table_name": pl.String(),
    "series_id": pl.String(),
    "time_period": pl.String(),
    "change_kind": pl.String(),
    "rank": pl.Int64(),
    "value": pl.Float64(),
    "value_status": pl.String(),
    "previous_value": pl.Float64(),
    "previous_status": pl.String(),
    "change": pl.Float64(),
    "percent_change": pl.Float64(),
    "previous_release": pl.Date(),
    "line_description": pl.String(),
    "geo_name": pl.String(),
}
CHANGE_KINDS = ("revised", "new", "dropped")

# The rows the release started (its new or revised values) against the rows it ended (the
# values it revised or dropped): a key in both was revised, only started is new, only ended was
# dropped. Revisions first, the largest relative change first, within each table.
_DIFF = """
WITH started AS (
    SELECT dataset, table_name, series_id, time_period, value, value_status, line_description, geo_name
    FROM bea.observations WHERE published_in = :r {tables}
), ended AS (
    SELECT dataset, table_name, series_id, time_period, value, value_status, published_in,
           line_description, geo_name
    FROM bea.observations WHERE replaced_in = :r {tables}
), paired AS (
    SELECT dataset, table_name, series_id, time_period,
           CASE WHEN e.series_id IS NULL THEN 'new' WHEN s.series_id IS NULL THEN 'dropped'
                ELSE 'revised' END AS change_kind,
           s.value, s.value_status, e.value AS previous_value, e.value_status AS previous_status,
           s.value - e.value AS change, 100 * (s.value / NULLIF(e.value, 0) - 1) AS percent_change,
           e.published_in AS previous_release,
           coalesce(s.line_description, e.line_description) AS line_description,
           coalesce(s.geo_name, e.geo_name) AS geo_name
    FROM started s FULL JOIN ended e USING (dataset, table_name, series_id, time_period)
)
SELECT * FROM (
SELECT dataset, table_name, series_id, time_period, change_kind,
       row_number() OVER (
           PARTITION BY dataset, table_name
           ORDER BY array_position(ARRAY['revised', 'new', 'dropped'], change_kind),
                    abs(percent_change) DESC NULLS LAST, abs(change) DESC NULLS LAST,
                    series_id, time_period
       ) AS rank,
       value, value_status, previous_value, previous_status, change, percent_change,
       previous_release, line_description, geo_name
FROM paired
) ranked
WHERE CAST(:per_table AS integer) IS NULL OR rank <= :per_table
ORDER BY dataset, table_name, rank
LIMIT :limit
"""
SUMMARY_COLUMNS: dict[str, pl.DataType] = {
    "dataset": pl.String(),
    "table_name": pl.String(),
    "revised": pl.Int64(),
    "new": pl.Int64(),
    "dropped": pl.Int64(),
}
# Per table the release loaded: how many values it revised, added and dropped (a table it
# loaded without changing anything counts zeros).
_SUMMARY = """
WITH started AS (
    SELECT dataset, table_name, series_id, time_period FROM bea.observations WHERE published_in = :r
), ended AS (
    SELECT dataset, table_name, series_id, time_period FROM bea.observations WHERE replaced_in = :r
), paired AS (
    SELECT dataset, table_name, s.series_id IS NOT NULL AS has_new, e.series_id IS NOT NULL AS had_old
    FROM started s FULL JOIN ended e USING (dataset, table_name, series_id, time_period)
), counted AS (
    SELECT dataset, table_name,
           count(*) FILTER (WHERE has_new AND had_old) AS revised,
           count(*) FILTER (WHERE has_new AND NOT had_old) AS new,
           count(*) FILTER (WHERE had_old AND NOT has_new) AS dropped
    FROM paired GROUP BY dataset, table_name
)
SELECT t.dataset, t.table_name, coalesce(c.revised, 0), coalesce(c.new, 0), coalesce(c.dropped, 0)
FROM bea.release_tables t LEFT JOIN counted c USING (dataset, table_name)
WHERE t.release_date = :r AND t.dataset <> 'gold'
ORDER BY t.dataset, t.table_name
"""
_LOADED = sa.text("SELECT EXISTS (SELECT 1 FROM bea.release_tables WHERE release_date = :r)")


def release_diff(
    engine: sa.Engine,
    release: date | str,
    *,
    dataset: str | None = None,
    table_name: str | None = None,
    limit: int | None = None,
    per_table: int | None = None,
) -> pl.DataFrame:
    """What ``release`` changed (``DIFF_COLUMNS``), per table, ranked (``rank`` 1 the largest
    revision); ``dataset``/``table_name`` narrow it to one dataset or table, ``per_table`` to
    the first ranks of each table, ``limit`` to the first rows (by table, then rank)."""
    day = _release_day(release)
    for name, cap in (("limit", limit), ("per_table", per_table)):
        if cap is not None and cap < 1:
            raise QueryError(f"{name} {cap}: expected at least 1")
    tables, params = "", {"r": day, "limit": limit, "per_table": per_table}
    if dataset is not None:
        tables += " AND dataset = :dataset"
        params["dataset"] = dataset
    if table_name is not None:
        tables += " AND table_name = :table_name"
        params["table_name"] = table_name
    with engine.connect() as conn:
        _loaded(conn, day)
        rows = conn.execute(sa.text(_DIFF.format(tables=tables)), params).all()
    return pl.DataFrame(rows, schema=DIFF_COLUMNS, orient="row")


def release_summary(engine: sa.Engine, release: date | str) -> pl.DataFrame:
    """How many values ``release`` revised, added and dropped in each table it loaded
    (``SUMMARY_COLUMNS``; the gold indicators left out)."""
    day = _release_day(release)
    with engine.connect() as conn:
        _loaded(conn, day)
        rows = conn.execute(sa.text(_SUMMARY), {"r": day}).all()
    return pl.DataFrame(rows, schema=SUMMARY_COLUMNS, orient="row")


def _release_day(release: date | str) -> date:
    day = as_date(release, "release")
    if day is None:
        raise QueryError("release: a release date is required")
    return day


def _loaded(conn: sa.Connection, day: date) -> None:
    if not conn.execute(_LOADED, {"r": day}).scalar_one():
        raise UnknownError(f"release {day} is not loaded: bea.releases lists the loaded releases")
