"""Checks of the warehouse after a load: it answers for the release exactly what silver held."""

from __future__ import annotations

from datetime import date

import polars as pl
import sqlalchemy as sa

from macro_assets.checks import Outcome

# Rows per key first (the primary key's order: no sort), then per table: one pass over the
# release's rows, where count(DISTINCT (…)) sorted every table.
_AS_OF_COUNTS = """
SELECT dataset, table_name, sum(n) AS n, count(*) AS distinct_keys
FROM (
    SELECT o.dataset, o.table_name, o.line_number, o.geo_fips, o.time_period, count(*) AS n
    FROM bea.observations_as_of(:d) o
    JOIN bea.release_tables r ON (r.dataset, r.table_name, r.release_date) = (o.dataset, o.table_name, :d)
    GROUP BY o.dataset, o.table_name, o.line_number, o.geo_fips, o.time_period
) per_key
GROUP BY dataset, table_name
"""


def warehouse_checks(engine: sa.Engine, release: date, silver: pl.DataFrame) -> list[Outcome]:
    """Per table loaded from ``release``: the rows as of that day equal silver's, with no key twice."""
    expected = dict(
        silver.group_by("dataset", "table_name")
        .len()
        .select(pl.concat_str("dataset", pl.lit("/"), "table_name"), "len")
        .iter_rows()
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.text(_AS_OF_COUNTS), {"d": release}).all()
    stored = {f"{d}/{t}": n for d, t, n, _ in rows}
    duplicated = sorted(f"{d}/{t}" for d, t, n, distinct in rows if n != distinct)
    mismatched = sorted(k for k in expected if stored.get(k) != expected[k])
    return [
        Outcome(
            "rows_match_silver",
            not mismatched,
            f"tables whose rows as of {release} differ from silver: "
            f"{[(k, stored.get(k), expected[k]) for k in mismatched[:3]]}",
            {"tables": len(expected)},
        ),
        Outcome(
            "no_duplicate_keys",
            not duplicated,
            f"tables with a key twice as of {release}: {duplicated[:3]}",
            {"tables": len(rows)},
        ),
    ]


CHECK_NAMES = ("rows_match_silver", "no_duplicate_keys")
