"""postgres_tables: silver and gold loaded into PostgreSQL, idempotently per release."""

import dagster as dg

from macro_assets import lake_layout
from macro_assets.assets.common import GROUP, read_parquet, release_of
from macro_assets.assets.gold import gold
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource
from macro_assets.warehouse.load import load_release


@dg.asset(
    partitions_def=release_date_partitions,
    deps=[gold],
    group_name=GROUP,
    kinds={"postgres"},
    description="bea.observations and bea.indicators: COPY into staging and one upsert per "
    "release in one transaction; re-running a release changes nothing.",
)
def postgres_tables(
    context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    release = release_of(context.partition_key)
    obs = read_parquet(lake, lake_layout.silver_observations(release))
    ind = read_parquet(lake, lake_layout.gold_indicators(release))
    engine = warehouse.engine()
    try:
        counts = load_release(engine, release, obs, ind)
    finally:
        engine.dispose()
    metadata: dict[str, object] = {"dagster/row_count": obs.height + ind.height}
    for table, c in counts.items():
        context.log.info(
            f"bea.{table}: {c.inserted} inserted, {c.updated} updated, {c.deleted} deleted, "
            f"{c.unchanged} unchanged"
        )
        metadata.update({f"{table}_{k}": v for k, v in vars(c).items()})
    return dg.MaterializeResult(metadata=metadata)
