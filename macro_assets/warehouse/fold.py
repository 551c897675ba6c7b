"""The vintage fold: one release's rows of one table folded into the table's intervals.

Each stored row is one value of one key over a run of loaded releases: ``published_in`` (the
release that first published it) up to ``replaced_in`` (the release that revised or dropped
it; NULL while current). Folding release R into a table whose loaded releases are known
touches only the neighbourhood of R (its predecessor P and successor N), so releases can be
loaded in any order and give the same rows:

A1. a row covering R and N whose value R revises or drops gets a copy from N on (its tail);
A2. that row is cut at R;
B1. a row starting at N with R's value is extended back to R;
B2. R's remaining values start new rows at R, ending at N (or open if R is the newest).

What is staged for a table is R's rows, or, when P's rows are at hand and are the very data
loaded for P (their digests agree), only what R changed since P: its new or revised rows, and
the keys whose value at P it revises or drops. A1 and A2 then look only at those keys, so a
revision of a few percent of a table costs a few percent of a fold; when R is also the table's
newest release the touched keys' current rows are closed in place (HOT updates, on the room
each page keeps) and the changed rows then go straight in by COPY. A table never loaded goes
straight in by COPY too; a table whose data at R digest the same as at P needs no row changes at all; a
release already loaded with other data is refused (``VintageConflict``).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Literal

import polars as pl
import sqlalchemy as sa

from macro_assets.transform import digests
from macro_assets.warehouse import bulk
from macro_assets.warehouse.audit import Audit, LoadCounts, TableInfo, write_audit
from macro_assets.warehouse.rows import Changes, ReleaseRows
from macro_assets.warehouse.schema import VintageConflict
from macro_assets.warehouse.targets import LEGACY_SHA, TABLE_COLUMNS, TableRef, Target


def data_sha256(frame: pl.DataFrame, key: list[str]) -> str:
    """The digest recorded before ``macro_assets.transform.digests`` (sha256 of the table sorted
    by key, as CSV): still computed to compare with releases loaded then."""
    buf = io.BytesIO()
    frame.sort(key).write_csv(buf, include_header=True, null_value=r"\N")
    return hashlib.sha256(buf.getvalue()).hexdigest()


def tables_of(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[TableRef, pl.DataFrame]]:
    """Each table's rows as a zero-copy slice: silver holds a table's rows together (answers are
    concatenated table by table); a frame that does not is sorted first."""
    runs = (
        frame.select(*TABLE_COLUMNS)
        .with_row_index("row")
        .group_by(*TABLE_COLUMNS, maintain_order=True)
        .agg(pl.col("row").min().alias("start"), pl.len().alias("n"), pl.col("row").max().alias("last"))
    )
    if runs.filter(pl.col("last") - pl.col("start") + 1 != pl.col("n")).height:
        return tables_of(frame.sort(*TABLE_COLUMNS, maintain_order=True))
    return frame, {(d, t): frame.slice(start, n) for d, t, start, n, _ in runs.iter_rows()}


def statements(target: Target, touched: str | None = None) -> dict[str, str]:
    """The fold's statements (tails, cut, extend, start), run in that order (tails and extend only
    when a later release is loaded). PostgreSQL runs them here; DuckDB runs the very same for the
    lake's Iceberg table (``macro_assets.lake.iceberg``). Identifiers come from the constant
    Targets, values are bound (``:r`` the release, ``:n`` the next loaded one). ``touched``: a
    table of the keys whose value at P R revises or drops, when only R's changes since P are
    staged; tails and cut then look at those keys only (the others hold P's values, which R
    kept), and when R is the newest release ``cut_newest`` and ``start_newest`` do the same."""
    t, s = target.table, target.staging
    key = " AND ".join(f"x.{c} = y.{c}" for c in target.key)
    same = " AND ".join(f"x.{c} IS NOT DISTINCT FROM y.{c}" for c in target.attrs)
    of_table = "{a}.dataset = :dataset AND {a}.table_name = :table_name"
    cols = ", ".join(target.columns)
    covers_r = "x.published_in < :r AND (x.replaced_in IS NULL OR x.replaced_in > :r)"
    kept = f"EXISTS (SELECT 1 FROM {s} y WHERE {of_table.format(a='y')} AND {key} AND {same})"
    among = ""
    if touched is not None:
        among = f" AND EXISTS (SELECT 1 FROM {touched} y WHERE {key})"
    sql = {
        "tails": (
            f"INSERT INTO {t} ({cols}, published_in, replaced_in) "
            f"SELECT {', '.join('x.' + c for c in target.columns)}, :n, x.replaced_in FROM {t} x "
            f"WHERE {of_table.format(a='x')} AND {covers_r} "
            f"AND (x.replaced_in IS NULL OR x.replaced_in > :n){among} AND NOT {kept}"
        ),
        "cut": (
            f"UPDATE {t} x SET replaced_in = :r WHERE {of_table.format(a='x')} AND {covers_r}{among} "
            f"AND NOT {kept}"
        ),
        "extend": (
            f"UPDATE {t} x SET published_in = :r FROM {s} y WHERE {of_table.format(a='x')} "
            f"AND {of_table.format(a='y')} AND {key} AND {same} AND x.published_in = :n"
        ),
        "start": (
            f"INSERT INTO {t} ({cols}, published_in, replaced_in) "
            f"SELECT {', '.join('y.' + c for c in target.columns)}, :r, :n FROM {s} y "
            f"WHERE {of_table.format(a='y')} AND NOT EXISTS (SELECT 1 FROM {t} x WHERE {key} "
            "AND x.published_in <= :r AND (x.replaced_in IS NULL OR x.replaced_in > :r))"
        ),
    }
    if touched is not None:
        # R is the table's newest release and only its changes since P were staged: there are no
        # tails or extensions (no N), every changed row starts a row (copied straight in), and
        # the rows to cut are exactly the touched keys' current ones, whose values R revises or
        # drops by construction. The same rows as the four statements, without comparing
        # values again: a fifth of their time at county scale.
        sql["cut_newest"] = (
            f"UPDATE {t} x SET replaced_in = :r FROM {touched} y WHERE {of_table.format(a='x')} "
            f"AND {key} AND x.published_in < :r AND x.replaced_in IS NULL"
        )
    return sql


_LOADED = sa.text(
    "SELECT dataset, table_name, release_date, data_sha256 FROM bea.release_tables "
    "WHERE dataset = ANY(:datasets) AND table_name = ANY(:tables)"
)
_RECORD = sa.text(
    "INSERT INTO bea.release_tables (release_date, dataset, table_name, bea_release, last_revised, "
    "row_count, data_sha256, run_id, title) VALUES (:r, :d, :t, :br, :lr, :rows, :sha, :run, :title)"
)
TOUCHED = "staging_touched"

# What a load does with one table: COPY it in (never loaded), nothing (already loaded, or the
# same data as P), fold R's changes since P, or fold all of R's rows.
Action = Literal["fresh", "already_loaded", "same_as_previous", "changes", "fold"]


@dataclass
class TablePlan:
    table: TableRef
    rows: int
    digest: str
    action: Action
    nxt: date | None = None
    # P's rows, when only R's changes since P are staged.
    earlier: ReleaseRows | None = None
    staged: int = 0
    # Rows closed while staging (``appends``).
    closed: int = 0

    @property
    def appends(self) -> bool:
        """R is the table's newest release and its changes since P go straight in."""
        return self.action == "changes" and self.nxt is None


class _Recorded:
    """Compares a table's digest at R with recorded ones, of whatever kind: the current kind
    directly, older kinds (``LEGACY_SHA``, bare sha256 of the sorted CSV) by computing them from
    the table's rows, once, only if asked."""

    def __init__(self, target: Target, rows: ReleaseRows, table: TableRef, digest: str) -> None:
        self.target, self.rows, self.table, self.digest = target, rows, table, digest

    @cached_property
    def _frame(self) -> pl.DataFrame:
        return self.rows.frame(self.table)

    @cached_property
    def _bare(self) -> str:
        return data_sha256(self._frame.select(self.target.columns), list(self.target.key))

    @cached_property
    def _v1(self) -> str | None:
        if self.target.legacy_hash is None:
            return None
        columns, key = self.target.legacy_hash
        return LEGACY_SHA + data_sha256(self._frame.select(columns), list(key))

    def same(self, recorded: str) -> bool:
        if recorded.startswith(digests.KIND):
            return recorded == self.digest
        if recorded.startswith(LEGACY_SHA):
            return recorded == self._v1
        return recorded == self._bare


def plan_tables(
    conn: sa.Connection,
    target: Target,
    rows: ReleaseRows,
    release: date,
    earlier: Callable[[date], ReleaseRows | None],
) -> list[TablePlan]:
    """What the load does with each table of ``rows``, from the releases loaded of each."""
    tables = rows.tables()
    loaded: dict[TableRef, dict[date, str]] = {}
    found = conn.execute(
        _LOADED,
        {"datasets": sorted({d for d, _ in tables}), "tables": sorted({t for _, t in tables})},
    )
    for dataset, table_name, day, sha in found:
        if (dataset, table_name) in tables:
            loaded.setdefault((dataset, table_name), {})[day] = sha
    plans = []
    for table, summary in tables.items():
        held = loaded.get(table, {})
        recorded = _Recorded(target, rows, table, summary.digest)
        plan = TablePlan(table, summary.rows, summary.digest, "fold")
        prev, plan.nxt = neighbours(held, release)
        if release in held:
            if not recorded.same(held[release]):
                raise VintageConflict(
                    f"release {release} of {table[0]}/{table[1]} was loaded from different data; "
                    "drop schema bea and replay the releases from bronze"
                )
            plan.action = "already_loaded"
        elif not held:
            plan.action = "fresh"
        elif prev is not None and recorded.same(held[prev]):
            plan.action = "same_as_previous"  # R repeats P: every value already runs through R
        elif prev is not None and held[prev].startswith(digests.KIND):
            # P's rows stand for what is stored as of P only if they are the data loaded then.
            before = earlier(prev)
            if before is not None and before.tables().get(table, _NONE).digest == held[prev]:
                plan.action, plan.earlier = "changes", before
        if plan.action == "fold":
            plan.staged = plan.rows
        plans.append(plan)
    return plans


_NONE = digests.TableDigest(0, "")


def neighbours(loaded: Collection[date], release: date) -> tuple[date | None, date | None]:
    """The loaded releases just before and just after ``release`` (the fold's P and N)."""
    earlier = [d for d in loaded if d < release]
    later = [d for d in loaded if d > release]
    return (max(earlier) if earlier else None), (min(later) if later else None)


def fold_table(
    conn: sa.Connection, target: Target, release: date, plan: TablePlan, info: TableInfo, audit: Audit
) -> LoadCounts:
    """One table's rows at R (staged in ``target.staging``, or copied in when fresh) folded into
    its intervals, recorded in bea.release_tables and audited."""
    dataset, table_name = plan.table
    counts = LoadCounts(tables=1, staged=plan.staged)
    if plan.action == "already_loaded":
        counts.unchanged_tables = 1
        counts.unchanged = plan.rows
        write_audit(conn, target.table, release, plan.table, "already_loaded", plan.rows, counts, info, audit)
        return counts
    if plan.action == "fresh":
        counts.inserted = plan.rows
        outcome = "folded"
    elif plan.action == "same_as_previous":
        counts.unchanged_tables = 1
        counts.unchanged = plan.rows
        outcome = "same_as_previous"
    else:
        outcome = "folded"
        params = {"dataset": dataset, "table_name": table_name, "r": release, "n": plan.nxt}
        sql = statements(target, TOUCHED if plan.action == "changes" else None)
        if plan.appends:
            counts.closed = plan.closed
            started = plan.staged
        else:
            if plan.nxt is not None:
                counts.inserted += conn.execute(sa.text(sql["tails"]), params).rowcount
            counts.closed += conn.execute(sa.text(sql["cut"]), params).rowcount
            if plan.nxt is not None:
                counts.extended += conn.execute(sa.text(sql["extend"]), params).rowcount
            started = conn.execute(sa.text(sql["start"]), params).rowcount
        counts.inserted += started
        counts.unchanged = plan.rows - started - counts.extended
    conn.execute(
        _RECORD,
        {
            "r": release,
            "d": dataset,
            "t": table_name,
            "br": info.bea_release,
            "lr": info.last_revised,
            "rows": plan.rows,
            "sha": plan.digest,
            "run": audit.run_id,
            "title": info.title,
        },
    )
    write_audit(conn, target.table, release, plan.table, outcome, plan.rows, counts, info, audit)
    return counts


def _stage_changes(
    conn: sa.Connection, target: Target, release: date, plan: TablePlan, found: Changes
) -> None:
    """A table's changes since P, and the keys they touch into ``TOUCHED``. When R is the
    table's newest release, the touched keys' current rows are closed first (``cut_newest``),
    then the changes go straight into the target (what the fold would insert); else they go
    into staging for the fold."""
    bulk.copy_rows(conn, TOUCHED, found.touched(), list(target.key))
    if not plan.appends:
        plan.staged = bulk.copy_rows(conn, target.staging, found.changed(), target.columns)
        return
    # Closing before the COPY: each closed version then fits in the room its page keeps
    # (fillfactor, migration 0011) as a HOT update, which the new rows would otherwise take.
    conn.exec_driver_sql(f"ANALYZE {TOUCHED}")
    dataset, table_name = plan.table
    params = {"dataset": dataset, "table_name": table_name, "r": release}
    plan.closed = conn.execute(sa.text(statements(target, TOUCHED)["cut_newest"]), params).rowcount
    plan.staged = bulk.copy_rows(
        conn,
        target.table,
        (b.with_columns(published_in=pl.lit(release)) for b in found.changed()),
        [*target.columns, "published_in"],
    )


def fold_release(
    conn: sa.Connection,
    target: Target,
    rows: ReleaseRows,
    release: date,
    infos: dict[TableRef, TableInfo],
    audit: Audit,
    earlier: Callable[[date], ReleaseRows | None] = lambda _: None,
) -> LoadCounts:
    """Every table of ``rows`` (one release's rows of ``target``) folded into ``target``, the rows
    streamed in batches: tables never loaded COPYed straight in (open rows from R, what the fold
    gives), the others staged (whole, or only their changes since P) and folded."""
    plans = plan_tables(conn, target, rows, release, earlier)
    fresh = [p.table for p in plans if p.action == "fresh"]
    if fresh:
        bulk.copy_rows(
            conn,
            target.table,
            (b.with_columns(published_in=pl.lit(release)) for b in rows.in_key_order(fresh)),
            [*target.columns, "published_in"],
        )
    whole = [p.table for p in plans if p.action == "fold"]
    # The smallest first: PostgreSQL waits only for the first table's changes, the others are
    # worked out while it takes in the one before.
    changes = sorted((p for p in plans if p.action == "changes"), key=lambda p: p.rows)
    bulk.temp_table_like(conn, target.staging, target.table, target.columns)
    if whole:
        bulk.copy_rows(conn, target.staging, rows.batches(whole), target.columns)
    if changes:
        bulk.temp_table_like(conn, TOUCHED, target.table, list(target.key))
        # DuckDB works out the next table's changes while PostgreSQL takes in this one's (the
        # pool is left only when its work is done, even after a failure: the scratch database,
        # with whatever a failure leaves in it, closes after it).
        with ThreadPoolExecutor(1, thread_name_prefix="mdi-changes") as ahead:
            following = ahead.submit(rows.changes_since, changes[0].earlier, changes[0].table)
            for i, plan in enumerate(changes):
                found = following.result()
                if i + 1 < len(changes):
                    following = ahead.submit(rows.changes_since, changes[i + 1].earlier, changes[i + 1].table)
                try:
                    _stage_changes(conn, target, release, plan, found)
                finally:
                    found.close()
        conn.exec_driver_sql(f"ANALYZE {TOUCHED}")
    conn.exec_driver_sql(f"ANALYZE {target.staging}")
    counts = LoadCounts()
    for plan in plans:
        counts.add(fold_table(conn, target, release, plan, infos.get(plan.table, TableInfo()), audit))
    return counts
