"""silver: one typed long table of observations per release (``macro_assets.lake.silver``)."""

from datetime import date

import dagster as dg

from macro_assets.assets.bronze import bronze
from macro_assets.assets.results import (
    as_metadata,
    asset_settings,
    check_results,
    key,
    merge_metadata,
    preview,
    releases_of,
    timed,
)
from macro_assets.checks import Outcome
from macro_assets.checks import silver as silver_checks
from macro_assets.lake import silver as lake_silver
from macro_assets.resources.lake import LakeResource
from macro_assets.transform.observations import COLUMNS, SCHEMA

# The preview: what identifies an observation and its value first, the labels after.
PREVIEW_COLUMNS = [
    "table_name",
    "series_id",
    "time_period",
    "value",
    "value_status",
    "unit_mult",
]
PREVIEW_COLUMNS += ["unit", "line_description"]


def column_schema(columns: list[str] | None = None) -> dg.TableSchema:
    columns = columns or list(SCHEMA)
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, str(dtype), description=COLUMNS[name]) for name, dtype in SCHEMA.items()
        ]
    )


@dg.asset(
    **asset_settings("silver"),
    deps=[bronze],
    kinds={"polars", "parquet"},
    description="Observations of every dataset: (dataset, table_name, series_id, time_period) → value "
    "or marker, with unit and the series' dimensions.",
    # Blocking: observations that break the contract must not reach gold or the warehouse.
    check_specs=[
        dg.AssetCheckSpec(c.name, asset=key("silver"), blocking=True, description=c.description)
        for c in silver_checks.CHECKS
    ],
)
def silver(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    per_release = {r: silver_release(context, r, lake) for r in releases_of(context)}
    return dg.MaterializeResult(
        metadata=merge_metadata({r: meta for r, (meta, _) in per_release.items()}),
        check_results=check_results({r: o for r, (_, o) in per_release.items()}, silver.key),
    )


@timed
def silver_release(
    context: dg.AssetExecutionContext, release: date, lake: LakeResource
) -> tuple[dict, list[Outcome]]:
    built = lake_silver.build(lake, release, context.log)
    metadata = as_metadata(built.metadata)
    metadata["dagster/column_schema"] = column_schema()
    # A kept silver has no preview: reading 2.6 million rows back for ten would undo the reuse.
    if built.latest is not None:
        shown = built.latest.sort("table_name", "line_number", "geo_fips", "series_id", "time_period").select(
            PREVIEW_COLUMNS
        )
        metadata["preview"] = preview(shown, column_schema(PREVIEW_COLUMNS))
    return metadata, built.outcomes
