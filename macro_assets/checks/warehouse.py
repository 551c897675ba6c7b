"""Checks of the warehouse after a load: it answers for the release exactly what silver held."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import polars as pl
import sqlalchemy as sa

from macro_assets.checks import Check, Outcome

ROWS_MATCH_SILVER = Check(
    "rows_match_silver",
    "Per table loaded from the release, the warehouse's rows as of the release date are exactly "
    "silver's, as many per table.",
)
NO_DUPLICATE_KEYS = Check(
    "no_duplicate_keys",
    "As of the release date no (table, line, geography, period) has two values: the vintage "
    "intervals do not overlap.",
)
CHECKS = (ROWS_MATCH_SILVER, NO_DUPLICATE_KEYS)

# Table by table (LATERAL): within one table the primary key's index yields rows in key order,
# so rows per key are counted without sorting the release (a sort of 2.6 million rows spilled
# to disk and took half the load's own time at full NIPA scale).
_AS_OF_COUNTS = """
SELECT r.dataset, r.table_name, k.n, k.distinct_keys
FROM bea.release_tables r
CROSS JOIN LATERAL (
    SELECT coalesce(sum(per_key.n), 0) AS n, count(*) AS distinct_keys
    FROM (
        SELECT count(*) AS n
        FROM bea.observations o
        WHERE o.dataset = r.dataset AND o.table_name = r.table_name
          AND o.published_in <= :d AND (o.replaced_in IS NULL OR o.replaced_in > :d)
        GROUP BY o.series_id, o.time_period
    ) per_key
) k
WHERE r.release_date = :d AND k.n > 0 AND r.dataset || chr(31) || r.table_name = ANY(:tables)
"""
_LOADED = "SELECT dataset, table_name, row_count FROM bea.release_tables WHERE release_date = :d"
# Tables are read on this many connections at once: PostgreSQL runs each on a core of its own.
READERS = 2


def silver_rows(silver: pl.DataFrame | pl.LazyFrame) -> dict[str, int]:
    """Silver's rows per table, as ``warehouse_checks`` expects them ("dataset/table": rows)."""
    counted = silver.lazy().group_by("dataset", "table_name").len().collect()
    return {f"{d}/{t}": n for d, t, n in counted.iter_rows()}


def warehouse_checks(engine: sa.Engine, release: date, expected: dict[str, int]) -> list[Outcome]:
    """Per table loaded from ``release`` (``expected``: silver's rows per "dataset/table"): the
    rows as of that day equal silver's, with no key twice."""
    with engine.connect() as conn:
        loaded = conn.execute(sa.text(_LOADED), {"d": release}).all()
    # The largest tables first, each to the reader with the fewest rows so far.
    shares: list[list[str]] = [[] for _ in range(READERS)]
    held = [0] * READERS
    for dataset, table_name, row_count in sorted(loaded, key=lambda t: -t[2]):
        least = held.index(min(held))
        shares[least].append(f"{dataset}\x1f{table_name}")
        held[least] += row_count

    def counted(tables: list[str]) -> list[sa.Row]:
        with engine.begin() as conn:
            # Each table's rows come in key order from the primary key's index (about 0.7 µs a
            # row at county scale). At the default cost of a random page the planner takes a
            # parallel scan of the whole table instead, once per table: 13 × 9.5 GB.
            conn.exec_driver_sql("SET LOCAL random_page_cost = 1.1")
            return conn.execute(sa.text(_AS_OF_COUNTS), {"d": release, "tables": tables}).all()

    with ThreadPoolExecutor(READERS, thread_name_prefix="mdi-check") as pool:
        rows = [row for part in pool.map(counted, [share for share in shares if share]) for row in part]
    if not expected:
        reason = f"silver holds no observations for {release}"
        return [ROWS_MATCH_SILVER.nothing_to_check(reason), NO_DUPLICATE_KEYS.nothing_to_check(reason)]
    stored = {f"{d}/{t}": n for d, t, n, _ in rows}
    duplicated = sorted(f"{d}/{t}" for d, t, n, distinct in rows if n != distinct)
    mismatched = sorted(k for k in expected if stored.get(k) != expected[k])
    return [
        ROWS_MATCH_SILVER.outcome(
            not mismatched,
            f"tables whose rows as of {release} differ from silver: "
            f"{[(k, stored.get(k), expected[k]) for k in mismatched[:3]]}",
            {"tables": len(expected)},
        ),
        NO_DUPLICATE_KEYS.outcome(
            not duplicated,
            f"tables with a key twice as of {release}: {duplicated[:3]}",
            {"tables": len(rows)},
        )
        if rows
        else NO_DUPLICATE_KEYS.nothing_to_check(f"the warehouse holds no rows as of {release}"),
    ]
