"""What one release changed, table by table: new periods and series, revised values ranked by
size, values it dropped — against what the warehouse held just before it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import polars as pl
import sqlalchemy as sa

from macro_assets.query.frames import read_frame
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

# The rows a release started (its new or revised values) and the rows it ended (the values it
# revised or dropped), read at once on two connections that share one snapshot: each side is
# found by its own index, and PostgreSQL writes each on a core of its own. Polars pairs them (a
# key on both sides was revised, only started is new, only ended was dropped), works out the
# changes and ranks them (_ranked). One query pairing and ranking them took three times as long
# for an annual update (~200,000 changes): its sort of the wide rows, and one core writing them.
_KEY = ("dataset", "table_name", "series_id", "time_period")
_STARTED = """
SELECT dataset, table_name, series_id, time_period, value, value_status, line_description, geo_name
FROM bea.observations WHERE published_in = :r {tables}
"""
# The ended rows' descriptions only matter for the values the release dropped (a revised value
# is described by its started row), which are few: they are read after the pairing, if any.
_ENDED = """
SELECT dataset, table_name, series_id, time_period, value, value_status, published_in
FROM bea.observations WHERE replaced_in = :r {tables}
"""
_DROPPED = """
SELECT dataset, table_name, series_id, time_period, line_description, geo_name
FROM bea.observations WHERE replaced_in = :r {tables} AND table_name = ANY(:dropped_tables)
"""
_STARTED_COLUMNS = {
    c: DIFF_COLUMNS[c] for c in (*_KEY, "value", "value_status", "line_description", "geo_name")
}
_ENDED_COLUMNS = {
    **{c: DIFF_COLUMNS[c] for c in _KEY},
    "previous_value": pl.Float64(),
    "previous_status": pl.String(),
    "previous_release": pl.Date(),
}
_DESCRIBED_COLUMNS = {c: DIFF_COLUMNS[c] for c in (*_KEY, "line_description", "geo_name")}
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
# What the loads of a release recorded of each table: a fold that started s rows and closed c
# changed at least max(s, c) values (a revision is one of each). Only a guide to how many tables
# a ``limit`` reaches (``_reach``); the answer never rests on it.
_RECORDED = """
SELECT dataset, table_name, max(greatest(rows_inserted, rows_closed))
FROM bea.load_audit WHERE release_date = :r AND target = 'bea.observations' {tables}
GROUP BY dataset, table_name
"""
# The tables up to one, in the answer's order: polars sorts text by its bytes, as collation "C".
_THROUGH = ' AND (dataset COLLATE "C", table_name COLLATE "C") <= (:through_dataset, :through_table)'


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
    tables, params = "", {"r": day}
    if dataset is not None:
        tables += " AND dataset = :dataset"
        params["dataset"] = dataset
    if table_name is not None:
        tables += " AND table_name = :table_name"
        params["table_name"] = table_name
    # REPEATABLE READ: the snapshot the other connection takes up is this transaction's.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        _loaded(conn, day)
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        through = None if limit is None else _reach(conn, tables, params, limit, per_table)
        ranked = None
        if through is not None:
            bounded = _changes(engine, conn, snapshot, tables + _THROUGH, {**params, **through}, per_table)
            # The tables up to ``through`` answer a limit they fill; else every table is read.
            ranked = bounded if bounded.height >= limit else None  # type: ignore[operator]
        if ranked is None:
            ranked = _changes(engine, conn, snapshot, tables, params, per_table)
    return ranked if limit is None else ranked.head(limit)


def _changes(
    engine: sa.Engine, conn: sa.Connection, snapshot: str, tables: str, params: dict, per_table: int | None
) -> pl.DataFrame:
    """The rows the release started and ended, read at once (the other in ``snapshot``), ranked;
    ``per_table``: each table's first ranks only."""
    with ThreadPoolExecutor(1, thread_name_prefix="mdi-diff") as other:
        ended = other.submit(_read_in, engine, snapshot, _ENDED.format(tables=tables), params, _ENDED_COLUMNS)
        started = read_frame(conn, _STARTED.format(tables=tables), params, _STARTED_COLUMNS)
        ranked = _ranked(started, ended.result())
    if per_table is not None:
        ranked = ranked.filter(pl.col("rank") <= per_table)
    dropped = ranked.filter(pl.col("change_kind") == "dropped")
    if dropped.is_empty():
        return ranked
    names = {**params, "dropped_tables": dropped.get_column("table_name").unique().to_list()}
    described = read_frame(conn, _DROPPED.format(tables=tables), names, _DESCRIBED_COLUMNS)
    described = described.join(dropped.select(_KEY), on=list(_KEY), how="semi")
    return ranked.update(described, on=list(_KEY), how="left", maintain_order="left")


def _reach(
    conn: sa.Connection, tables: str, params: dict, limit: int, per_table: int | None
) -> dict[str, str] | None:
    """The last table, in the answer's order, that the first ``limit`` changes reach by what the
    loads recorded (``_RECORDED``); None when they reach every table. The annual update's first
    100,000 changes are half its tables'; the first 1,000 (the HTTP default) a few tables'."""
    recorded = conn.execute(sa.text(_RECORDED.format(tables=tables)), params).all()
    reached = 0
    for dataset, table_name, changed in sorted(recorded, key=lambda row: (row[0], row[1])):
        reached += changed if per_table is None else min(changed, per_table)
        if reached >= limit:
            return {"through_dataset": dataset, "through_table": table_name}
    return None


def _read_in(
    engine: sa.Engine, snapshot: str, query: str, params: dict, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """``query``'s rows as of an exported snapshot (``pg_export_snapshot``)."""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.exec_driver_sql("SET TRANSACTION SNAPSHOT %s", (snapshot,))
        return read_frame(conn, query, params, schema)


def _ranked(started: pl.DataFrame, ended: pl.DataFrame) -> pl.DataFrame:
    """The changes (the same double arithmetic as PostgreSQL's), in order: by table, then
    revisions first, the largest relative change first; ``rank`` within each table."""
    pairs = started.with_columns(_started=pl.lit(True)).join(ended, on=list(_KEY), how="full", coalesce=True)
    value, previous = pl.col("value"), pl.col("previous_value")
    changes = pairs.with_columns(
        change_kind=pl.when(pl.col("previous_release").is_null())
        .then(pl.lit("new"))
        .when(pl.col("_started").is_null())
        .then(pl.lit("dropped"))
        .otherwise(pl.lit("revised")),
        change=value - previous,
        percent_change=pl.when(previous != 0).then((value / previous - 1) * 100),
    )
    kinds = {k: i for i, k in enumerate(CHANGE_KINDS)}
    kind = pl.col("change_kind").replace_strict(kinds, return_dtype=pl.Int8)
    order = [pl.col("percent_change").abs(), pl.col("change").abs(), "series_id", "time_period"]
    ranked = changes.sort(
        ["dataset", "table_name", kind, *order],
        descending=[False, False, False, True, True, False, False],
        nulls_last=True,
    ).with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("dataset", "table_name"))
    return ranked.select(list(DIFF_COLUMNS))


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
