"""Jobs: one to refresh a release through every layer, one to check the warehouse is current."""

import dagster as dg

from macro_assets.assets.checks import fresh_against_bea_calendar

# The freshness check looks at every partition at once: it runs on its own, not per release.
refresh_job = dg.define_asset_job(
    "refresh_release",
    selection=dg.AssetSelection.groups("bea") - dg.AssetSelection.checks(fresh_against_bea_calendar),
    description="Fetch, keep, parse, compute and load one BEA release date.",
)

freshness_job = dg.define_asset_job(
    "check_freshness",
    selection=dg.AssetSelection.checks(fresh_against_bea_calendar),
    description="Is the newest release in PostgreSQL as new as BEA's release calendar says it should be?",
)
