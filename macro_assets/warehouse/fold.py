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

A table whose data at R hash the same as at P needs no row changes at all; a release already
loaded with the same data is refused if its data differ (``VintageConflict``).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import cache

import polars as pl
import sqlalchemy as sa

from macro_assets.warehouse import bulk
from macro_assets.warehouse.audit import Audit, LoadCounts, TableInfo, write_audit
from macro_assets.warehouse.schema import VintageConflict
from macro_assets.warehouse.targets import LEGACY_SHA, TABLE_COLUMNS, TableRef, Target

_HASHERS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="data-sha256")


def data_sha256(frame: pl.DataFrame, key: list[str]) -> str:
    """A table's data at one release, independent of row order and of BEA's envelope."""
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


def statements(target: Target) -> dict[str, str]:
    """The fold's statements (tails, cut, extend, start), run in that order (tails and extend only
    when a later release is loaded). PostgreSQL runs them here; DuckDB runs the very same for the
    lake's Iceberg table (``macro_assets.lake.iceberg``). Identifiers come from the constant
    Targets, values are bound (``:r`` the release, ``:n`` the next loaded one)."""
    t, s = target.table, target.staging
    key = " AND ".join(f"x.{c} = y.{c}" for c in target.key)
    same = " AND ".join(f"x.{c} IS NOT DISTINCT FROM y.{c}" for c in target.attrs)
    of_table = "{a}.dataset = :dataset AND {a}.table_name = :table_name"
    cols = ", ".join(target.columns)
    covers_r = "x.published_in < :r AND (x.replaced_in IS NULL OR x.replaced_in > :r)"
    kept = f"EXISTS (SELECT 1 FROM {s} y WHERE {of_table.format(a='y')} AND {key} AND {same})"
    return {
        "tails": (
            f"INSERT INTO {t} ({cols}, published_in, replaced_in) "
            f"SELECT {', '.join('x.' + c for c in target.columns)}, :n, x.replaced_in FROM {t} x "
            f"WHERE {of_table.format(a='x')} AND {covers_r} "
            f"AND (x.replaced_in IS NULL OR x.replaced_in > :n) AND NOT {kept}"
        ),
        "cut": (
            f"UPDATE {t} x SET replaced_in = :r WHERE {of_table.format(a='x')} AND {covers_r} AND NOT {kept}"
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


_LOADED = sa.text(
    "SELECT release_date, data_sha256 FROM bea.release_tables WHERE dataset = :d AND table_name = :t"
)
_RECORD = sa.text(
    "INSERT INTO bea.release_tables (release_date, dataset, table_name, bea_release, last_revised, "
    "row_count, data_sha256, run_id) VALUES (:r, :d, :t, :br, :lr, :rows, :sha, :run)"
)


def fold_table(
    conn: sa.Connection,
    target: Target,
    release: date,
    table: TableRef,
    sha: str,
    rows: int,
    info: TableInfo,
    audit: Audit,
    copied: bool = False,
    legacy_sha: Callable[[], str] | None = None,
) -> LoadCounts:
    """Fold one table's rows at R (in ``target.staging``) into its intervals; ``copied``: the
    table had no release loaded and its rows were copied straight into the target as open rows
    from R (what the fold gives). ``legacy_sha``: the data's hash as the target's columns were
    before a migration, for releases whose recorded hash is of that kind."""
    dataset, table_name = table
    loaded = dict(conn.execute(_LOADED, {"d": dataset, "t": table_name}).all())
    counts = LoadCounts(tables=1)

    def same(recorded: str) -> bool:
        if recorded.startswith(LEGACY_SHA) and legacy_sha is not None:
            return recorded == LEGACY_SHA + legacy_sha()
        return recorded == sha

    if release in loaded:
        if not same(loaded[release]):
            raise VintageConflict(
                f"release {release} of {dataset}/{table_name} was loaded from different data; "
                "drop schema bea and replay the releases from bronze"
            )
        counts.unchanged_tables = 1
        counts.unchanged = rows
        write_audit(conn, target.table, release, table, "already_loaded", rows, counts, info, audit)
        return counts
    earlier = [d for d in loaded if d < release]
    later = [d for d in loaded if d > release]
    prev, nxt = (max(earlier) if earlier else None), (min(later) if later else None)
    if copied:
        counts.inserted = rows
        outcome = "folded"
    elif prev is not None and same(loaded[prev]):
        counts.unchanged_tables = 1  # R repeats P: every value already runs through R
        counts.unchanged = rows
        outcome = "same_as_previous"
    else:
        outcome = "folded"
        params = {"dataset": dataset, "table_name": table_name, "r": release, "n": nxt}
        sql = statements(target)
        if nxt is not None:
            counts.inserted += conn.execute(sa.text(sql["tails"]), params).rowcount
        counts.closed += conn.execute(sa.text(sql["cut"]), params).rowcount
        if nxt is not None:
            counts.extended += conn.execute(sa.text(sql["extend"]), params).rowcount
        started = conn.execute(sa.text(sql["start"]), params).rowcount
        counts.inserted += started
        counts.unchanged = rows - started - counts.extended
    conn.execute(
        _RECORD,
        {
            "r": release,
            "d": dataset,
            "t": table_name,
            "br": info.bea_release,
            "lr": info.last_revised,
            "rows": rows,
            "sha": sha,
            "run": audit.run_id,
        },
    )
    write_audit(conn, target.table, release, table, outcome, rows, counts, info, audit)
    return counts


def fold_release(
    conn: sa.Connection,
    target: Target,
    frame: pl.DataFrame,
    release: date,
    infos: dict[TableRef, TableInfo],
    audit: Audit,
) -> LoadCounts:
    """Every table of ``frame`` (one release's rows of ``target``) folded into ``target``."""
    frame = frame.with_columns(
        *(pl.lit(v).alias(k) for k, v in target.defaults.items()),
        *(pl.col(src).alias(k) for k, src in target.copies.items()),
    )
    frame, parts = tables_of(frame)
    seen = {
        tuple(r) for r in conn.execute(sa.text("SELECT DISTINCT dataset, table_name FROM bea.release_tables"))
    }
    # A table never loaded before has no intervals to fold into: its rows go straight into the
    # target by COPY (open rows from R), as fast as PostgreSQL takes rows in.
    fresh = [table for table in parts if table not in seen]
    known = [table for table in parts if table in seen]
    # Each table's data hash (sorting and writing it) on the other core while COPY runs.
    hashing = _HASHERS.submit(
        lambda: {t: data_sha256(part.select(target.columns), list(target.key)) for t, part in parts.items()}
    )
    if fresh:
        rows = frame if not known else pl.concat([parts[t] for t in fresh])
        bulk.copy_rows(
            conn,
            target.table,
            rows.select(target.columns).with_columns(pl.lit(release).alias("published_in")),
        )
    if known:
        bulk.temp_table_like(conn, target.staging, target.table, target.columns)
        bulk.copy_rows(conn, target.staging, pl.concat([parts[t] for t in known]).select(target.columns))
        conn.exec_driver_sql(f"ANALYZE {target.staging}")
    counts = LoadCounts()
    hashes = hashing.result()
    for table, part in parts.items():
        ref = (str(table[0]), str(table[1]))
        counts.add(
            fold_table(
                conn,
                target,
                release,
                ref,
                hashes[table],
                part.height,
                infos.get(ref, TableInfo()),
                audit,
                copied=table in fresh,
                legacy_sha=_legacy_hasher(target, part),
            )
        )
    return counts


def _legacy_hasher(target: Target, part: pl.DataFrame) -> Callable[[], str] | None:
    """The part's hash over the target's columns before its migration, computed only if asked
    (a table that holds releases loaded before the migration), and at most once."""
    if target.legacy_hash is None:
        return None
    columns, key = target.legacy_hash
    return cache(lambda: data_sha256(part.select(columns), list(key)))
