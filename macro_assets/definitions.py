"""The code location: every asset, job, sensor, schedule and resource, wired once."""

import dagster as dg

from macro_assets.alerts.sensors import alert_on_run_failure, alert_on_stale_warehouse
from macro_assets.assets.bronze import bronze
from macro_assets.assets.checks import fresh_against_bea_calendar
from macro_assets.assets.gold import gold
from macro_assets.assets.lake_table import iceberg_observations
from macro_assets.assets.raw import bea_raw
from macro_assets.assets.silver import silver
from macro_assets.assets.warehouse import postgres_tables
from macro_assets.automation.dead_runs import dead_run_sensor
from macro_assets.automation.schedules import daily_vintage_check, freshness_schedule
from macro_assets.automation.sensors import release_sensor
from macro_assets.jobs import freshness_job, refresh_job
from macro_assets.resources import resources_from_env

ASSETS = [bea_raw, bronze, silver, gold, postgres_tables, iceberg_observations]
ASSET_KEYS = [key for asset in ASSETS for key in asset.keys]

defs = dg.Definitions(
    # Each asset links to the file and line that defines it, in the UI.
    assets=dg.with_source_code_references(ASSETS),
    asset_checks=[fresh_against_bea_calendar],
    jobs=[refresh_job, freshness_job],
    sensors=[release_sensor, dead_run_sensor, alert_on_run_failure, alert_on_stale_warehouse],
    schedules=[daily_vintage_check, freshness_schedule],
    resources=resources_from_env(),
)
