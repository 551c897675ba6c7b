"""postgres_tables: silver and gold loaded into PostgreSQL, idempotently per release."""

from datetime import date

import dagster as dg

from macro_assets import lake_layout
from macro_assets.assets.common import (
    BACKFILL_POLICY,
    GROUP,
    check_results,
    merge_metadata,
    read_json,
    read_parquet,
    releases_of,
)
from macro_assets.assets.gold import gold
from macro_assets.checks import Outcome
from macro_assets.checks import warehouse as warehouse_checks
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource
from macro_assets.warehouse.load import TableInfo, load_release


def table_infos(manifest: dict) -> dict[tuple[str, str], TableInfo]:
    """BEA release name and LastRevised per table, from the bronze manifest."""
    infos: dict[tuple[str, str], TableInfo] = {}
    for obj in manifest["objects"]:
        unit = (obj["dataset"], obj["table"])
        revised = date.fromisoformat(obj["last_revised"])
        known = infos.get(unit)
        if known is None or (known.last_revised and revised > known.last_revised):
            infos[unit] = TableInfo(obj.get("release"), revised)
    return infos


@dg.asset(
    partitions_def=release_date_partitions,
    backfill_policy=BACKFILL_POLICY,
    deps=[gold],
    group_name=GROUP,
    kinds={"postgres"},
    description="bea.observations and bea.indicators, keeping every vintage without repeating "
    "unrevised values: COPY into staging, then a fold per table, in one transaction; "
    "releases load in any order and re-running one changes nothing.",
    check_specs=[dg.AssetCheckSpec(name, asset="postgres_tables") for name in warehouse_checks.CHECK_NAMES],
)
def postgres_tables(
    context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    per_release = {r: postgres_tables_release(context, r, lake, warehouse) for r in releases_of(context)}
    return dg.MaterializeResult(
        metadata=merge_metadata({r: meta for r, (meta, _) in per_release.items()}),
        check_results=check_results([o for _, o in per_release.values()], "postgres_tables"),
    )


def postgres_tables_release(
    context: dg.AssetExecutionContext, release: date, lake: LakeResource, warehouse: WarehouseResource
) -> tuple[dict, list[Outcome]]:
    obs = read_parquet(lake, lake_layout.silver_observations(release))
    ind = read_parquet(lake, lake_layout.gold_indicators(release))
    infos = table_infos(read_json(lake, lake_layout.bronze_manifest(release)))
    engine = warehouse.engine()
    try:
        counts = load_release(engine, release, obs, ind, infos, context.run_id)
        outcomes = warehouse_checks.warehouse_checks(engine, release, obs)
    finally:
        engine.dispose()
    metadata: dict[str, object] = {"dagster/row_count": obs.height + ind.height}
    for table, c in counts.items():
        context.log.info(
            f"bea.{table}: {c.inserted} rows inserted, {c.closed} closed (revised or dropped), "
            f"{c.extended} extended; {c.unchanged_tables} of {c.tables} tables unchanged"
        )
        metadata.update({f"{table}_{k}": v for k, v in vars(c).items()})
    return metadata, outcomes
