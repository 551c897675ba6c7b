"""Who loaded what: a bea.load_audit row for every table a load touches, and what is known of
each table's answers (BEA's release name, LastRevised, the bronze objects)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa

from macro_assets.warehouse.targets import TableRef


@dataclass
class LoadCounts:
    inserted: int = 0
    closed: int = 0
    extended: int = 0
    unchanged: int = 0  # rows of the release whose stored value already ran through it
    unchanged_tables: int = 0
    tables: int = 0
    # Rows staged for the fold: a table's every row, or only what it changed since the
    # previous release (new or revised rows, and dropped keys).
    staged: int = 0

    def add(self, other: LoadCounts) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class TableInfo:
    bea_release: str | None = None
    last_revised: date | None = None
    # The bronze answers the table was parsed from: {uri, sha256, last_revised, line_code}.
    bronze_objects: tuple[dict, ...] = ()
    # BEA's title of the table in this release ("Table 1.1.6. Real Gross Domestic Product, …").
    title: str | None = None


@dataclass(frozen=True)
class Audit:
    """Who is loading: written to bea.load_audit beside every table the load touches."""

    run_id: str | None = None
    asset: str = "postgres_tables"
    code_version: str = "unknown"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))


_INSERT = sa.text(
    "INSERT INTO bea.load_audit (run_id, release_date, asset, target, dataset, table_name, outcome, "
    "rows_in_release, rows_inserted, rows_closed, rows_extended, rows_unchanged, started_at, "
    "finished_at, code_version, bronze_objects) VALUES (:run, :r, :asset, :target, :d, :t, :outcome, "
    ":rows, :ins, :closed, :ext, :unch, :started, clock_timestamp(), :code, CAST(:objects AS jsonb))"
)


def write_audit(
    conn: sa.Connection,
    target: str,
    release: date,
    table: TableRef,
    outcome: str,
    rows: int,
    counts: LoadCounts,
    info: TableInfo,
    audit: Audit,
) -> None:
    """``outcome``: "folded", "same_as_previous" or "already_loaded"; ``target`` the table's
    warehouse table (e.g. bea.observations)."""
    conn.execute(
        _INSERT,
        {
            "run": audit.run_id,
            "r": release,
            "asset": audit.asset,
            "target": target,
            "d": table[0],
            "t": table[1],
            "outcome": outcome,
            "rows": rows,
            "ins": counts.inserted,
            "closed": counts.closed,
            "ext": counts.extended,
            "unch": counts.unchanged,
            "started": audit.started_at,
            "code": audit.code_version,
            "objects": json.dumps(list(info.bronze_objects), sort_keys=True),
        },
    )
