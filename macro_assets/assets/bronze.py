"""bronze: the answers kept immutably in the lake, with a manifest (``macro_assets.lake.bronze``)."""

import dagster as dg

from macro_assets.assets.raw import bea_raw
from macro_assets.assets.results import (
    as_metadata,
    asset_settings,
    check_results,
    key,
    merge_metadata,
    releases_of,
    timed,
)
from macro_assets.checks import bronze as bronze_checks
from macro_assets.lake import bronze as lake_bronze
from macro_assets.resources.lake import LakeResource


@dg.asset(
    **asset_settings("bronze"),
    deps=[bea_raw],
    kinds={"json"},
    description="Immutable, redacted BEA answers per release date, with a manifest "
    "(request, sha256, bytes, HTTP status, LastRevised, UTCProductionTime, fetched_at, title).",
    # Blocking: an answer that is not what the manifest says must not be parsed into silver.
    check_specs=[
        dg.AssetCheckSpec(c.name, asset=key("bronze"), blocking=True, description=c.description)
        for c in bronze_checks.CHECKS
    ],
)
def bronze(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    keep = timed(lake_bronze.keep)
    releases = releases_of(context)
    metadata = {r: as_metadata(keep(lake, r, context.run_id, context.log)) for r in releases}
    outcomes = {r: lake_bronze.check(lake, r) for r in releases}
    return dg.MaterializeResult(
        metadata=merge_metadata(metadata), check_results=check_results(outcomes, bronze.key)
    )
