"""release_sensor: when one of the catalog's BEA releases has passed, add its date as a
partition and request a run — once BEA's API serves the new vintage.

BEA publishes at 08:30 Eastern, but the API may serve the new numbers a little later; a run
started too early would store the previous vintage under the new date. So the sensor probes
one table of the release: if its LastRevised is still older than the release date it skips
and looks again on the next tick; if it is newer (the release was superseded before we saw
it) it gives that date up. Its cursor remembers, per release, the last date it handled, so a
tick costs one calendar request when nothing is new.

A release date no newer than the newest one already captured (bronze) or loaded is handled
already, cursor or not: every capture holds every catalog table as BEA served it that day, so
an older date would store nothing newer. This is what a first tick on an instance that has run
the demo (or a restored one) finds: nothing to request.
"""

import json

import dagster as dg

from macro_assets.assets.results import key
from macro_assets.automation import vintage
from macro_assets.jobs import refresh_job
from macro_assets.partitions import release_date_partitions
from macro_assets.releases import materialized
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource

BRONZE, OBSERVATIONS = key("bronze"), key("observations")


def _newest_held(instance: dg.DagsterInstance) -> str | None:
    """The newest release date bronze holds or the warehouse has loaded, per the instance."""
    return max(materialized(instance, [BRONZE, OBSERVATIONS]), default=None)


@dg.sensor(
    target=refresh_job,
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds a partition and requests a run when a catalog release is out and BEA serves it.",
)
def release_sensor(
    context: dg.SensorEvaluationContext, bea: BeaApiResource, catalog: CatalogResource
) -> dg.SensorResult | dg.SkipReason:
    locked_out = bea.lockout_reason()
    if locked_out:
        # Runs launched now would fail at once: wait for the lockout to pass.
        return dg.SkipReason(locked_out)
    handled: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    held = _newest_held(context.instance)
    tables = catalog.load().tables
    moment = vintage.now()
    calendar = bea.release_calendar()
    new_keys: list[str] = []
    runs: list[dg.RunRequest] = []
    waiting: list[str] = []
    with bea.client() as client:
        for release in sorted({t.release_name for t in tables}):
            passed = [d for d in calendar.get(release, []) if d <= moment]
            if not passed:
                continue
            day = max(passed).date()
            if handled.get(release, "") >= day.isoformat():
                continue
            if held is not None and day.isoformat() <= held:
                handled[release] = day.isoformat()
                continue
            probes = [t for t in tables if t.release_name == release and vintage.can_probe(t)]
            # A release of unstamped answers only: BEA's calendar is all there is to go by.
            served = vintage.served_vintage(client, probes[0], moment.date()) if probes else day
            served = served or day
            if served < day:
                waiting.append(f"{release} of {day} (BEA still serves {probes[0].table} of {served})")
                continue
            handled[release] = day.isoformat()
            if served > day:
                context.log.warning(f"{release} of {day} was superseded by {served} before it was fetched")
                continue
            new_keys.append(day.isoformat())
            runs.append(dg.RunRequest(partition_key=day.isoformat(), run_key=f"{release}:{day}:{served}"))
    cursor = json.dumps(handled, sort_keys=True)
    if not runs:
        context.update_cursor(cursor)
        return dg.SkipReason("waiting for " + "; ".join(waiting) if waiting else "no new release")
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[release_date_partitions.build_add_request(sorted(set(new_keys)))],
        cursor=cursor,
    )
