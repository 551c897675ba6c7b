"""daily_vintage_check: every morning, catch what the calendar does not say.

A table whose LastRevised is newer than the newest release partition (a revision BEA made
outside its schedule, or a release the calendar missed) gets a partition keyed by that date,
and a run. Schedules cannot return new partitions, so this one adds them through the instance
before requesting the run (adding an existing key is a no-op).
"""

import dagster as dg

from macro_assets.automation import vintage
from macro_assets.jobs import freshness_job, refresh_job
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource


@dg.schedule(
    cron_schedule="0 9 * * *",
    execution_timezone="America/New_York",
    target=refresh_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="09:00 Eastern: a table revised after the newest partition gets a partition and a run.",
)
def daily_vintage_check(
    context: dg.ScheduleEvaluationContext, bea: BeaApiResource, catalog: CatalogResource
) -> dg.RunRequest | dg.SkipReason:
    keys = context.instance.get_dynamic_partitions(release_date_partitions.name)
    newest = max(keys, default="")
    today = vintage.now().date()
    found: dict[str, str] = {}
    with bea.client() as client:
        for table in catalog.load().tables:
            stamp = vintage.served_vintage(client, table, today)
            if stamp is not None and stamp.isoformat() > newest:
                found[f"{table.dataset}/{table.table}"] = stamp.isoformat()
    if not found:
        return dg.SkipReason(f"no table revised after {newest or 'the first partition'}")
    key = max(found.values())
    context.instance.add_dynamic_partitions(release_date_partitions.name, [key])
    context.log.info(f"revised after {newest}: {found}; partition {key} added")
    return dg.RunRequest(partition_key=key, run_key=f"daily:{key}:{','.join(sorted(found))}")


freshness_schedule = dg.ScheduleDefinition(
    name="hourly_freshness_check",
    cron_schedule="15 * * * *",
    execution_timezone="America/New_York",
    job=freshness_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every hour: fails the freshness check of bea/observations when a catalog release BEA "
    "has published is not loaded within the grace period.",
)
