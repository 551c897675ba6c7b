"""Lines, geographies and the series of datasets without lines: what each line of a table, each
place and each such series (the international accounts, GDP by industry, input-output, …) is
called, as of the newest release that described them (so releases may load in any order), and
each line's parent in its table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import sqlalchemy as sa
import yaml

from macro_assets.warehouse import bulk
from macro_assets.warehouse.rows import ReleaseRows

LAYOUTS = Path(__file__).with_name("layouts.yaml")

_SERIES_SQL = """
INSERT INTO bea.series AS t (dataset, table_name, line_number, series_code, line_description, unit,
                             unit_mult, metric_name, as_of_release)
SELECT dataset, table_name, line_number, series_code, line_description, unit, unit_mult, metric_name, :r
FROM staging_series
ON CONFLICT (dataset, table_name, line_number) DO UPDATE
SET series_code = EXCLUDED.series_code, line_description = EXCLUDED.line_description, unit = EXCLUDED.unit,
    unit_mult = EXCLUDED.unit_mult, metric_name = EXCLUDED.metric_name, as_of_release = EXCLUDED.as_of_release
WHERE t.as_of_release <= EXCLUDED.as_of_release
"""
_GEOGRAPHIES_SQL = """
INSERT INTO bea.geographies AS t (geo_fips, geo_name, geo_level, as_of_release)
SELECT geo_fips, geo_name, geo_level, :r FROM staging_geographies
ON CONFLICT (geo_fips) DO UPDATE
SET geo_name = EXCLUDED.geo_name, geo_level = EXCLUDED.geo_level, as_of_release = EXCLUDED.as_of_release
WHERE t.as_of_release <= EXCLUDED.as_of_release
"""
_DATASET_SERIES_SQL = """
INSERT INTO bea.dataset_series AS t (dataset, table_name, series_id, description, dimensions, unit, unit_mult,
                                     as_of_release)
SELECT dataset, table_name, series_id, description, dimensions, unit, unit_mult, :r
FROM staging_dataset_series
ON CONFLICT (dataset, table_name, series_id) DO UPDATE
SET description = EXCLUDED.description, dimensions = EXCLUDED.dimensions, unit = EXCLUDED.unit,
    unit_mult = EXCLUDED.unit_mult, as_of_release = EXCLUDED.as_of_release
WHERE t.as_of_release <= EXCLUDED.as_of_release
"""
_PARENTS_SQL = sa.text(
    "UPDATE bea.series SET parent_line = :p WHERE table_name = :t AND line_number = :l "
    "AND dataset IN ('NIPA', 'NIUnderlyingDetail') AND parent_line IS DISTINCT FROM :p"
)
_LINE = ["dataset", "table_name", "line_number"]
_SERIES = [*_LINE, "series_code", "line_description", "unit", "unit_mult", "metric_name"]
_GEO = ["geo_fips", "geo_name", "geo_level"]
_KEY = ["dataset", "table_name", "series_id"]
_DATASET_SERIES = [*_KEY, "description", "dimensions", "unit", "unit_mult"]
# Each line as its newest period describes it (ties broken by the values themselves, so a
# re-run picks the same), each place by its name: computed by DuckDB over the release's rows,
# so only a few thousand rows go to PostgreSQL.
_DESCRIBED = (
    f"SELECT {', '.join(_LINE)}, unnest(d) FROM (SELECT {', '.join(_LINE)}, "  # noqa: S608
    f"arg_max(struct_pack({', '.join(_SERIES[3:])}), struct_pack(period_end, {', '.join(_SERIES[3:])})) AS d "
    f"FROM {{rows}} WHERE line_number IS NOT NULL GROUP BY ALL)"
)
# A series without a line is described by BEA's line description, else (input-output) its row
# and column, else its own id: migration 0006 applies the same rule to rows loaded before it.
_UNLINED = (
    f"SELECT {', '.join(_KEY)}, unnest(d) FROM (SELECT {', '.join(_KEY)}, "  # noqa: S608
    "arg_max(struct_pack(description := coalesce(line_description, nullif(concat_ws(' / ', "
    "json_extract_string(dimensions, '$.RowDescr'), json_extract_string(dimensions, '$.ColDescr')), ''), "
    "series_id), dimensions, unit, unit_mult), struct_pack(period_end, dimensions, value)) AS d "
    "FROM {rows} WHERE line_number IS NULL GROUP BY ALL)"
)
_PLACES = (
    "SELECT geo_fips, unnest(p) FROM (SELECT geo_fips, max(struct_pack(geo_name, geo_level)) AS p "  # noqa: S608
    "FROM {rows} WHERE geo_fips IS NOT NULL GROUP BY ALL)"
)


@dataclass(frozen=True)
class Described:
    """What one release says of its lines, places and series without lines (a few thousand
    rows)."""

    series: pl.DataFrame
    places: pl.DataFrame
    unlined: pl.DataFrame


def describe(rows: ReleaseRows) -> Described:
    """The release's lines, places and series without lines, worked out by DuckDB over its
    observations (three passes; safe on another thread while the load folds)."""
    return Described(
        _collected(rows, _DESCRIBED, _SERIES),
        _collected(rows, _PLACES, _GEO),
        _collected(rows, _UNLINED, _DATASET_SERIES),
    )


def _collected(rows: ReleaseRows, sql: str, columns: list[str]) -> pl.DataFrame:
    parts = list(rows.batches(sql=sql))
    return pl.concat(parts) if parts else pl.DataFrame(schema=dict.fromkeys(columns))


def refresh_dimensions(conn: sa.Connection, release: date, described: Described) -> None:
    """bea.series, bea.geographies and bea.dataset_series from one release's lines, places and
    series without lines."""
    for name, frame, columns, table in (
        ("staging_series", described.series, _SERIES, "bea.series"),
        ("staging_geographies", described.places, _GEO, "bea.geographies"),
        ("staging_dataset_series", described.unlined, _DATASET_SERIES, "bea.dataset_series"),
    ):
        bulk.temp_table_like(conn, name, table, columns)
        if frame.height:
            bulk.copy_rows(conn, name, frame, columns)
    conn.execute(sa.text(_SERIES_SQL), {"r": release})
    conn.execute(sa.text(_GEOGRAPHIES_SQL), {"r": release})
    conn.execute(sa.text(_DATASET_SERIES_SQL), {"r": release})
    parents = [
        {"t": table, "l": line, "p": parent}
        for table, lines in (yaml.safe_load(LAYOUTS.read_text()) or {}).items()
        for line, parent in lines.items()
    ]
    conn.execute(_PARENTS_SQL, parents)
