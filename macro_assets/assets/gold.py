"""gold: analysis-ready indicators per release."""

from datetime import date

import dagster as dg
import polars as pl

from macro_assets import lake_layout
from macro_assets.assets.common import (
    BACKFILL_POLICY,
    GROUP,
    merge_metadata,
    preview,
    read_parquet,
    releases_of,
    write_parquet,
)
from macro_assets.assets.silver import silver
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.lake import LakeResource
from macro_assets.transform.indicators import SCHEMA, indicators_frame


@dg.asset(
    partitions_def=release_date_partitions,
    backfill_policy=BACKFILL_POLICY,
    deps=[silver],
    group_name=GROUP,
    kinds={"polars", "parquet"},
    description="Indicators: real and nominal GDP, real GDP growth (SAAR), PCE and core PCE "
    "inflation (year over year), the personal saving rate.",
)
def gold(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata=merge_metadata({r: gold_release(context, r, lake) for r in releases_of(context)})
    )


def gold_release(context: dg.AssetExecutionContext, release: date, lake: LakeResource) -> dict:
    frame = indicators_frame(read_parquet(lake, lake_layout.silver_observations(release)))
    write_parquet(lake, lake_layout.gold_indicators(release), frame)
    latest = (
        frame.sort("period_end")
        .group_by("indicator", "frequency", maintain_order=True)
        .last()
        .filter(pl.col("frequency") != "A")
        .sort("indicator")
    )
    schema = dg.TableSchema(columns=[dg.TableColumn(n, str(t)) for n, t in SCHEMA.items()])
    metadata: dict[str, object] = {
        "dagster/row_count": frame.height,
        "dagster/column_schema": schema,
        "latest": preview(latest, schema, rows=latest.height),
    }
    # Plain floats plot across partitions in the UI.
    for row in latest.iter_rows(named=True):
        metadata[f"latest_{row['indicator']}"] = float(row["value"])
    return metadata
