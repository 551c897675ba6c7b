"""iceberg_observations: silver's every vintage as an open Iceberg table (``macro_assets.lake.iceberg``)."""

from datetime import date

import dagster as dg

from macro_assets.assets.results import asset_settings, merge_metadata, releases_of, timed
from macro_assets.assets.silver import silver
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource


@dg.asset(
    **asset_settings("lake"),
    deps=[silver],
    kinds={"iceberg", "parquet"},
    description="Every vintage of silver as the Iceberg table bea.observations (the warehouse's rows, "
    "published_in to replaced_in), partitioned by dataset and table: what DuckDB, Athena, Trino "
    "or Spark read (`mdi lake sql`). One commit per release.",
)
def iceberg_observations(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    from macro_assets.lake import iceberg  # pyiceberg: imported by the step that uses it

    lake_table = lake.table(warehouse.url())

    @timed
    def append(release: date) -> dict:
        done = iceberg.append_silver(lake, lake_table, release, context.log)
        return {
            "tables": done.tables,
            "folded_tables": done.folded_tables,
            "unchanged_tables": done.unchanged_tables,
            "rows_written": done.rows_written,
            "snapshot_id": str(done.snapshot_id),
            "metadata_location": dg.MetadataValue.path(done.metadata_location),
        }

    return dg.MaterializeResult(metadata=merge_metadata({r: append(r) for r in releases_of(context)}))
