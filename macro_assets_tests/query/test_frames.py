"""Answers read as PostgreSQL's CSV hold the very values the database holds."""

from __future__ import annotations

import math
import struct
from datetime import date

import polars as pl
import sqlalchemy as sa

from macro_assets.query.frames import read_frame

SCHEMA: dict[str, pl.DataType] = {
    "name": pl.String(),
    "value": pl.Float64(),
    "day": pl.Date(),
    "n": pl.Int64(),
}
VALUES = [0.1 + 0.2, 1e-300, -123456789.123456789, 5e-324, 1.7976931348623157e308, 2.0 / 3.0, None]


def bits(x: float | None) -> bytes | None:
    return None if x is None else struct.pack("<d", x)


def test_doubles_nulls_and_texts_read_back_exactly(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE t (name text, value double precision, day date, n bigint)")
        rows = [
            {"name": name, "value": value, "day": date(2026, 1, i + 1), "n": i}
            for i, (name, value) in enumerate(
                zip(["a,b", 'say "x"', "", None, "line\nbreak", "100%", "ünï"], VALUES, strict=True)
            )
        ]
        conn.execute(sa.text("INSERT INTO t VALUES (:name, :value, :day, :n)"), rows)
        frame = read_frame(conn, "SELECT name, value, day, n FROM t ORDER BY n", {}, SCHEMA)
        assert frame.schema == pl.Schema(SCHEMA)
        assert frame.get_column("name").to_list() == [r["name"] for r in rows]
        assert [bits(v) for v in frame.get_column("value").to_list()] == [bits(r["value"]) for r in rows]
        assert frame.get_column("day").to_list() == [r["day"] for r in rows]
        # A parameter is bound by the driver, quotes and all, never pasted in as SQL.
        sly = "a' OR '1'='1"
        found = read_frame(
            conn, "SELECT name, value, day, n FROM t WHERE name = :name", {"name": sly}, SCHEMA
        )
        assert found.is_empty() and found.schema == pl.Schema(SCHEMA)
        nan = read_frame(conn, "SELECT 'x', CAST('NaN' AS double precision), NULL, :n", {"n": 7}, SCHEMA)
        assert math.isnan(nan.item(0, "value")) and nan.row(0)[2:] == (None, 7)
    engine.dispose()
