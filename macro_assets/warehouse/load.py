"""Idempotent partition loads: COPY into a staging table, then one upsert, in one transaction."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from macro_assets.transform import indicators, observations

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
# One advisory lock key for DDL, one per loaded table: concurrent loads queue, never interleave.
_DDL_LOCK = 7_320_001


@dataclass(frozen=True)
class Target:
    table: str
    key: list[str]
    columns: list[str]


OBSERVATIONS = Target("bea.observations", observations.KEY + ["release_date"], list(observations.SCHEMA))
INDICATORS = Target("bea.indicators", indicators.KEY + ["release_date"], list(indicators.SCHEMA))


@dataclass(frozen=True)
class LoadCounts:
    inserted: int
    updated: int
    deleted: int
    unchanged: int


def ensure_schema(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _DDL_LOCK})
        conn.exec_driver_sql(SCHEMA_SQL.read_text())


def _copy(conn: sa.Connection, staging: str, frame: pl.DataFrame) -> None:
    buf = io.BytesIO()
    frame.write_csv(buf, include_header=False, null_value=r"\N")
    buf.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.copy_expert(f"COPY {staging} FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf)


def _load_table(conn: sa.Connection, target: Target, frame: pl.DataFrame, release: date) -> LoadCounts:
    # Identifiers below come from the constant Targets above, never from input.
    staging = "staging_" + target.table.split(".")[1]
    cols = ", ".join(target.columns)
    key = ", ".join(target.key)
    non_key = [c for c in target.columns if c not in target.key]
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {staging} (LIKE {target.table} INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    _copy(conn, staging, frame.select(target.columns))
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in non_key)
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in non_key)
    upsert_sql = (
        f"INSERT INTO {target.table} AS t ({cols}) SELECT {cols} FROM {staging} "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET {assignments} WHERE {changed} "
        "RETURNING (t.xmax = 0) AS inserted"
    )
    upsert = conn.exec_driver_sql(upsert_sql).fetchall()
    inserted = sum(1 for (was_insert,) in upsert if was_insert)
    # Rows of this release that the new answer no longer has must go, or a re-run would keep them.
    same_key = " AND ".join(f"s.{c} = t.{c}" for c in target.key)
    delete_sql = (
        f"DELETE FROM {target.table} t WHERE t.release_date = :release "  # noqa: S608
        f"AND NOT EXISTS (SELECT 1 FROM {staging} s WHERE {same_key})"
    )
    deleted = conn.execute(sa.text(delete_sql), {"release": release}).rowcount
    return LoadCounts(inserted, len(upsert) - inserted, deleted, frame.height - len(upsert))


def load_release(
    engine: sa.Engine, release: date, obs: pl.DataFrame, ind: pl.DataFrame
) -> dict[str, LoadCounts]:
    """Replace one release's rows with ``obs`` and ``ind`` atomically; a re-run changes nothing."""
    for frame, name in ((obs, "observations"), (ind, "indicators")):
        if frame.height and frame["release_date"].unique().to_list() != [release]:
            raise ValueError(f"{name} for release {release} hold rows of another release date")
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:k, :r)"), {"k": _DDL_LOCK, "r": release.toordinal()}
        )
        return {
            "observations": _load_table(conn, OBSERVATIONS, obs, release),
            "indicators": _load_table(conn, INDICATORS, ind, release),
        }
