"""Asset checks that run on their own job, not in an asset's step: the warehouse's freshness."""

import os
from datetime import timedelta

import dagster as dg

from macro_assets.assets.warehouse import OBSERVATIONS
from macro_assets.automation import vintage
from macro_assets.checks import freshness
from macro_assets.partitions import parse_release_key
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource


class FreshnessConfig(dg.Config):
    # How long after BEA's publication time a release may be missing before the check fails
    # (and alert_on_stale_warehouse alerts): MDI_FRESHNESS_GRACE_HOURS, default 3.
    grace_hours: float = float(os.environ.get("MDI_FRESHNESS_GRACE_HOURS", "3"))


@dg.asset_check(
    asset=OBSERVATIONS,
    name=freshness.NAME,
    description="The newest release loaded into PostgreSQL is not behind the newest catalog release "
    "in BEA's release calendar (published more than grace_hours ago).",
)
def fresh_against_bea_calendar(
    context: dg.AssetCheckExecutionContext,
    config: FreshnessConfig,
    bea: BeaApiResource,
    catalog: CatalogResource,
) -> dg.AssetCheckResult:
    loaded = [parse_release_key(key) for key in context.instance.get_materialized_partitions(OBSERVATIONS)]
    outcome = freshness.freshness(
        loaded,
        bea.release_calendar(),
        catalog.load().release_names,
        vintage.now(),
        timedelta(hours=config.grace_hours),
    )
    if not outcome.passed:
        context.log.warning(outcome.description)
    return dg.AssetCheckResult(
        passed=outcome.passed,
        description=outcome.description,
        metadata=outcome.metadata,
    )
