"""The sensors that alert: a failed run (blocking check failures included), a stale warehouse."""

from __future__ import annotations

import dagster as dg

from macro_assets.alerts import messages
from macro_assets.alerts.destinations import AlertsResource
from macro_assets.assets.warehouse import OBSERVATIONS
from macro_assets.checks.freshness import NAME as FRESHNESS_CHECK
from macro_assets.failures import first_step_failure, root_cause

FRESHNESS_KEY = dg.AssetCheckKey(OBSERVATIONS, FRESHNESS_CHECK)


def _first_failure(
    instance: dg.DagsterInstance, run_id: str
) -> tuple[str | None, dg.SerializableErrorInfo | None]:
    """The first failed step of a run (its asset) and the exception that failed it."""
    failed = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    step, error = first_step_failure(record.dagster_event for record in failed)
    if step is not None:
        return step, error
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE):
        event = record.dagster_event
        data = event.event_specific_data if event else None
        return None, root_cause(getattr(data, "error", None))
    return None, None


def _failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    failed = []
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = record.dagster_event.event_specific_data if record.dagster_event else None
        if (
            evaluation is not None
            and not evaluation.passed
            and evaluation.severity == dg.AssetCheckSeverity.ERROR
        ):
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            failed.append(
                f"{name} failed: {evaluation.description}" if evaluation.description else f"{name} failed"
            )
    return failed


def _signature(instance: dg.DagsterInstance, run_id: str) -> tuple[str | None, str | None]:
    step, error = _first_failure(instance, run_id)
    return step, error.cls_name if error else None


def already_alerted(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    """True when the previous run of the same partition (or unpartitioned job) failed the same
    way: the operator heard about it then; a retry failing again is not news."""
    partition = run.tags.get("dagster/partition")
    filters = (
        dg.RunsFilter(tags={"dagster/partition": partition})
        if partition
        else dg.RunsFilter(job_name=run.job_name)
    )
    earlier = [r for r in instance.get_runs(filters=filters, limit=20) if r.run_id != run.run_id]
    created = {r.run_id: r for r in earlier}
    mine = instance.get_run_record_by_id(run.run_id)
    records = [instance.get_run_record_by_id(r.run_id) for r in created.values()]
    before = [r for r in records if r and mine and r.create_timestamp < mine.create_timestamp]
    if not before:
        return False
    previous = max(before, key=lambda r: r.create_timestamp).dagster_run
    if previous.status != dg.DagsterRunStatus.FAILURE:
        return False
    return _signature(instance, previous.run_id) == _signature(instance, run.run_id)


def job_label(run: dg.DagsterRun) -> str:
    # Assets materialized from the UI's asset graph (and its backfills) run under Dagster's
    # implicit job, whose name means nothing to a reader.
    return "asset materialization" if run.job_name.startswith("__ASSET_JOB") else run.job_name


def partition_label(run: dg.DagsterRun) -> str | None:
    """The run's release date, or ``first...last`` for a range run in one step."""
    if partition := run.tags.get("dagster/partition"):
        return partition
    start, end = (run.tags.get(f"dagster/asset_partition_range_{e}") for e in ("start", "end"))
    return f"{start}...{end}" if start and end else None


def alert_for(instance: dg.DagsterInstance, run: dg.DagsterRun, ui_url: str) -> messages.Alert:
    step, error = _first_failure(instance, run.run_id)
    error_class = error.cls_name if error else "UnknownError"
    checks = _failed_checks(instance, run.run_id) if error_class == "DagsterAssetCheckFailedError" else None
    return messages.run_failure(
        run_id=run.run_id,
        job=job_label(run),
        partition=partition_label(run),
        asset=step,
        error_class=error_class,
        error_message=error.message if error else "the run failed without an error",
        ui_url=ui_url,
        failed_checks=checks,
    )


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="One message per failed run (a failed blocking check fails its run): partition, "
    "asset, the error's category and a link to the run; repeats of the same failure are not re-sent.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext, alerts: AlertsResource) -> None:
    run = context.dagster_run
    if already_alerted(context.instance, run):
        context.log.info(f"run {run.run_id} failed as the previous run of its partition did: not re-sent")
        return
    alert = alert_for(context.instance, run, alerts.ui_url)
    sent = alerts.send(alert)
    context.log.info(f"alert {alert.key} sent to {', '.join(sent) or 'the log only (no destination set)'}")


@dg.sensor(
    name="alert_on_stale_warehouse",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=300,
    description="One alert when the freshness check of bea/observations fails for a release; "
    "again only for a newer overdue release.",
)
def alert_on_stale_warehouse(context: dg.SensorEvaluationContext, alerts: AlertsResource) -> dg.SkipReason:
    record = context.instance.get_latest_asset_check_evaluation_record(FRESHNESS_KEY)
    event = record.event.dagster_event if record and record.event else None
    evaluation = event.event_specific_data if event else None
    if evaluation is None:
        return dg.SkipReason("the freshness check has not run yet")
    if evaluation.passed:
        context.update_cursor("")
        return dg.SkipReason("the warehouse is current")
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    release, due = str(meta.get("newest_due_release", "?")), str(meta.get("newest_due", "?"))
    alert = messages.freshness(
        description=evaluation.description or "",
        release=release,
        due=due,
        run_id=record.run_id,
        ui_url=alerts.ui_url,
    )
    if context.cursor == alert.key:
        return dg.SkipReason(f"already alerted: {alert.key}")
    sent = alerts.send(alert)
    context.update_cursor(alert.key)
    return dg.SkipReason(f"alert {alert.key} sent to {', '.join(sent) or 'the log only'}")
