"""Lines and geographies: what each line of a table and each place is called, as of the newest
release that described them (so releases may load in any order), and each line's parent in its
table. Datasets without lines or places (the international accounts, GDP by industry, …) name
their series in bea.observations itself (line_description, dimensions)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import sqlalchemy as sa
import yaml

from macro_assets.warehouse import bulk
from macro_assets.warehouse.fold import tables_of

LAYOUTS = Path(__file__).with_name("layouts.yaml")

_SERIES_SQL = """
INSERT INTO bea.series AS t (dataset, table_name, line_number, series_code, line_description, unit,
                             unit_mult, as_of_release)
SELECT dataset, table_name, line_number, series_code, line_description, unit, unit_mult, :r
FROM staging_series
ON CONFLICT (dataset, table_name, line_number) DO UPDATE
SET series_code = EXCLUDED.series_code, line_description = EXCLUDED.line_description, unit = EXCLUDED.unit,
    unit_mult = EXCLUDED.unit_mult, as_of_release = EXCLUDED.as_of_release
WHERE t.as_of_release <= EXCLUDED.as_of_release
"""
_GEOGRAPHIES_SQL = """
INSERT INTO bea.geographies AS t (geo_fips, geo_name, geo_level, as_of_release)
SELECT geo_fips, geo_name, geo_level, :r FROM staging_geographies
ON CONFLICT (geo_fips) DO UPDATE
SET geo_name = EXCLUDED.geo_name, geo_level = EXCLUDED.geo_level, as_of_release = EXCLUDED.as_of_release
WHERE t.as_of_release <= EXCLUDED.as_of_release
"""
_PARENTS_SQL = sa.text(
    "UPDATE bea.series SET parent_line = :p WHERE table_name = :t AND line_number = :l "
    "AND dataset IN ('NIPA', 'NIUnderlyingDetail') AND parent_line IS DISTINCT FROM :p"
)
_LINE = ["dataset", "table_name", "line_number"]
_SERIES = [*_LINE, "series_code", "line_description", "unit", "unit_mult"]
_GEO = ["geo_fips", "geo_name", "geo_level"]


def refresh_dimensions(conn: sa.Connection, release: date, observations: pl.DataFrame) -> None:
    """bea.series and bea.geographies from one release's observations. Their distinct rows are
    computed here, so only a few thousand rows go to PostgreSQL."""
    # Table by table (zero-copy slices): a window over the whole release would allocate its
    # size again, the load's peak memory at full scale.
    series_parts, geo_parts = [], []
    for part in tables_of(observations)[1].values():
        if part["line_number"].null_count() == part.height:
            continue
        series_parts.append(
            part.filter(pl.col("line_number").is_not_null())
            .filter(pl.col("period_end") == pl.col("period_end").max().over(_LINE))
            .unique(subset=_LINE, keep="first", maintain_order=True)
            .select(_SERIES)
        )
        geo_parts.append(part.select(_GEO).drop_nulls("geo_fips").unique(subset=["geo_fips"], keep="first"))
    series = pl.concat(series_parts) if series_parts else observations.select(_SERIES).head(0)
    geographies = (pl.concat(geo_parts) if geo_parts else observations.select(_GEO).head(0)).unique(
        subset=["geo_fips"], keep="first"
    )
    for name, frame, table in (
        ("staging_series", series, "bea.series"),
        ("staging_geographies", geographies, "bea.geographies"),
    ):
        bulk.temp_table_like(conn, name, table, frame.columns)
        bulk.copy_rows(conn, name, frame)
    conn.execute(sa.text(_SERIES_SQL), {"r": release})
    conn.execute(sa.text(_GEOGRAPHIES_SQL), {"r": release})
    parents = [
        {"t": table, "l": line, "p": parent}
        for table, lines in (yaml.safe_load(LAYOUTS.read_text()) or {}).items()
        for line, parent in lines.items()
    ]
    conn.execute(_PARENTS_SQL, parents)
