"""A release into the warehouse: atomically, idempotently, in any order of releases, in
bounded memory.

One transaction per release under an advisory lock: the schema brought to head, the source
checked, a release already loaded from the same inputs recognised at once, then observations
and indicators folded table by table (``fold``), the dimensions refreshed (``dimensions``) and
every table audited (``audit``). The rows are read through DuckDB (``rows``) and streamed to
PostgreSQL in batches: no step holds the release.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import polars as pl
import sqlalchemy as sa

from macro_assets.scratch import scratch_duckdb
from macro_assets.transform.digests import TableDigest
from macro_assets.warehouse import schema
from macro_assets.warehouse.audit import Audit, LoadCounts, TableInfo, write_audit
from macro_assets.warehouse.dimensions import describe, refresh_dimensions
from macro_assets.warehouse.fold import fold_release
from macro_assets.warehouse.rows import ReleaseRows
from macro_assets.warehouse.schema import VintageConflict
from macro_assets.warehouse.targets import OBSERVATIONS, TARGETS, TableRef, target_of

__all__ = ["Audit", "LoadCounts", "MixedSourcesError", "ReleaseData", "ReleaseInput", "Rows", "TableInfo"]
__all__ += ["VintageConflict", "load_release"]

_LOAD_LOCK = 7_320_002
SOURCES = ("bea", "sandbox")
Source = Literal["bea", "sandbox"]


class MixedSourcesError(RuntimeError):
    """The sandbox's made-up numbers and BEA's data must never sit in one warehouse."""


@dataclass(frozen=True)
class Rows:
    """Where rows are read from: a Parquet file (silver's, gold's) or a frame, with each table's
    digest when the file's writer recorded them (else they are computed)."""

    source: Path | pl.DataFrame
    digests: dict[TableRef, TableDigest] | None = None


@dataclass(frozen=True)
class ReleaseData:
    """One release's rows: silver's observations and gold's indicators."""

    observations: Rows
    indicators: Rows


@dataclass(frozen=True)
class ReleaseInput:
    """Everything a load of one release needs.

    ``read`` gives the rows, called only if the release is not already loaded from the same
    inputs (``inputs_sha256``, e.g. of the silver and gold files). ``earlier`` gives the
    observations of an earlier release if they are at hand (the lake's silver): a table whose
    rows there are the very data loaded for that release then stages only what changed since.
    ``tables`` says what is known of each table's answers (an indicator's table is ("gold",
    name)). ``source`` says what the data are: a warehouse holding the other kind is refused
    before anything is written."""

    release: date
    read: Callable[[], ReleaseData]
    tables: Mapping[TableRef, TableInfo] = field(default_factory=dict)
    audit: Audit = field(default_factory=Audit)
    inputs_sha256: str | None = None
    source: Source | None = None
    earlier: Callable[[date], Rows | None] = lambda _: None

    @classmethod
    def of(
        cls,
        release: date,
        observations: pl.DataFrame,
        indicators: pl.DataFrame,
        earlier: Mapping[date, pl.DataFrame] | None = None,
        **options: object,
    ) -> ReleaseInput:
        """Rows already in memory (``earlier``: other releases' observations, by date)."""
        data = ReleaseData(Rows(observations), Rows(indicators))
        held = {day: Rows(frame) for day, frame in (earlier or {}).items()}
        return cls(release, lambda: data, earlier=held.get, **options)  # type: ignore[arg-type]


def load_release(engine: sa.Engine, load: ReleaseInput) -> dict[str, LoadCounts]:
    """Fold one release into bea.observations and bea.indicators, in one transaction, with a
    bea.load_audit row per table; counts per target."""
    if load.source is not None and load.source not in SOURCES:
        raise ValueError(f"unknown data source {load.source!r}: expected one of {', '.join(SOURCES)}")
    schema.upgrade(engine)
    release = load.release
    with engine.begin() as conn:
        # Folds read their neighbours' rows: one load at a time, whatever the release.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOAD_LOCK})
        # A fold reaches the keys it changes through the primary key's index. At the default cost
        # of a random page (4, for spinning disks) the planner scans the whole table instead,
        # once per BEA table: 13 × 9.5 GB for a county release (8.5 s each against 2.5 s).
        conn.exec_driver_sql("SET LOCAL random_page_cost = 1.1")
        if load.source is not None:
            _refuse_mixing(conn, load.source)
        if load.inputs_sha256 and _loaded_from(conn, release, load.inputs_sha256):
            return _already_loaded(conn, release, load.audit)
        data = load.read()
        with scratch_duckdb("mdi-load-") as (con, _):
            rows = {
                "observations": ReleaseRows(
                    con, OBSERVATIONS, data.observations.source, data.observations.digests
                ),
                "indicators": ReleaseRows(con, TARGETS["indicators"], data.indicators.source),
            }
            for name, held in rows.items():
                if held.release_dates() not in ([], [release]):
                    raise ValueError(f"{name} for release {release} hold rows of another release date")

            @cache
            def earlier(day: date) -> ReleaseRows | None:
                found = load.earlier(day)
                return None if found is None else ReleaseRows(con, OBSERVATIONS, found.source, found.digests)

            # The release's lines and places are worked out by DuckDB while PostgreSQL folds (the
            # pool is left only when its work is done, even after a failure: the scratch
            # database closes after it).
            with ThreadPoolExecutor(1, thread_name_prefix="mdi-describe") as describing:
                described = describing.submit(describe, rows["observations"])
                counts = {
                    name: fold_release(
                        conn,
                        TARGETS[name],
                        held,
                        release,
                        dict(load.tables),
                        load.audit,
                        earlier if name == "observations" else lambda _: None,
                    )
                    for name, held in rows.items()
                }
                refresh_dimensions(conn, release, described.result())
        # The planner's statistics follow the rows (the as-of reads pick their index by them):
        # autovacuum would get there, minutes after a load of millions of rows. The block ranges
        # the load wrote are summarised now: until then every map read and release diff scans
        # them.
        for name, count in counts.items():
            if count.tables:
                conn.exec_driver_sql(f"ANALYZE {TARGETS[name].table}")
        written = counts["observations"]
        if written.inserted or written.closed or written.extended:
            for index in ("bea.observations_map", "bea.observations_published", "bea.observations_replaced"):
                conn.exec_driver_sql(f"SELECT brin_summarize_new_values('{index}')")
        if load.source is not None:
            conn.execute(
                sa.text(
                    "UPDATE bea.release_tables SET source = :s WHERE release_date = :r AND source IS NULL"
                ),
                {"s": load.source, "r": release},
            )
        if load.inputs_sha256:
            conn.execute(
                sa.text(
                    "INSERT INTO bea.release_loads (release_date, source_sha256, run_id) "
                    "VALUES (:r, :s, :run)"
                ),
                {"r": release, "s": load.inputs_sha256, "run": load.audit.run_id},
            )
        return counts


def _refuse_mixing(conn: sa.Connection, source: str) -> None:
    other = conn.execute(
        sa.text(
            "SELECT source, min(release_date), count(DISTINCT release_date) FROM bea.release_tables "
            "WHERE source IS NOT NULL AND source <> :s GROUP BY source"
        ),
        {"s": source},
    ).first()
    if other is not None:
        held, first, releases = other
        raise MixedSourcesError(
            f"this warehouse holds {held} data ({releases} releases from {first} on); refusing to load "
            f"{source} data into it: the sandbox's numbers are made up, so give each its own database "
            "(or drop schema bea and replay from bronze)"
        )


def _loaded_from(conn: sa.Connection, release: date, inputs_sha256: str) -> bool:
    found = conn.execute(
        sa.text("SELECT 1 FROM bea.release_loads WHERE release_date = :r AND source_sha256 = :s"),
        {"r": release, "s": inputs_sha256},
    ).first()
    return found is not None


def _already_loaded(conn: sa.Connection, release: date, audit: Audit) -> dict[str, LoadCounts]:
    """The same inputs were loaded before: record the re-run in the audit, change nothing else."""
    rows = conn.execute(
        sa.text(
            "SELECT dataset, table_name, row_count FROM bea.release_tables WHERE release_date = :r "
            "ORDER BY dataset, table_name"
        ),
        {"r": release},
    ).all()
    counts = {name: LoadCounts() for name in TARGETS}
    for dataset, table_name, row_count in rows:
        name = target_of((dataset, table_name))
        table_counts = LoadCounts(unchanged=row_count, unchanged_tables=1, tables=1)
        counts[name].add(table_counts)
        write_audit(
            conn,
            TARGETS[name].table,
            release,
            (dataset, table_name),
            "already_loaded",
            row_count,
            table_counts,
            TableInfo(),
            audit,
        )
    return counts
