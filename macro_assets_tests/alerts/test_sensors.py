"""The alerting sensors against real failed runs in an instance: one message per failure to the
webhook and to SNS, no re-send for the same failure, blocking checks named, freshness once."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.alerts import messages
from macro_assets.alerts.destinations import AlertsResource
from macro_assets.alerts.sensors import (
    alert_on_run_failure,
    alert_on_stale_warehouse,
    job_label,
    partition_label,
)
from macro_assets.assets.checks import fresh_against_bea_calendar
from macro_assets.automation import vintage
from macro_assets.definitions import ASSETS
from macro_assets.jobs import freshness_job
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets_tests.alerts.conftest import Topic, Webhook
from macro_assets_tests.assets.test_pipeline import run, unit_change_replay
from macro_assets_tests.conftest import SANDBOX_NOW


def evaluate_run_failure(
    instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult, alerts: AlertsResource
) -> None:
    (record,) = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    failure = record.dagster_event
    context = dg.build_run_status_sensor_context(
        sensor_name=alert_on_run_failure.name,
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        resources={"alerts": alerts},
    ).for_run_failure()
    alert_on_run_failure(context)


@pytest.fixture
def dead_bea() -> BeaApiResource:
    # Nothing listens on port 9: BEA is unreachable, a transient fault retried and then reported.
    return BeaApiResource(
        api_key="00000000-0000-4000-8000-0000000dead0",
        api_url="http://127.0.0.1:9/api/data",
        calendar_url="http://127.0.0.1:9/cal.json",
        max_tries=2,
        backoff_initial_s=0.01,
        timeout_s=1.0,
    )


def test_a_failed_run_is_announced_once(
    instance: dg.DagsterInstance, resources: dict, dead_bea: BeaApiResource, webhook: Webhook, topic: Topic
) -> None:
    alerts = AlertsResource(
        sns_topic_arn=topic.arn, webhook_url=webhook.url, ui_url="http://dagster.example:3000"
    )
    first = run(instance, dict(resources, bea=dead_bea), selection=["bea/bea_raw"])
    assert not first.success
    evaluate_run_failure(instance, first, alerts)
    (hook,) = webhook.received
    (sns,) = topic.messages()
    assert hook["partition"] == "2026-10-30" and hook["asset"] == "bea/bea_raw"
    assert hook["category"] == "unavailable" and hook["error_class"] == "BeaUnavailableError"
    assert hook["run_url"] == f"http://dagster.example:3000/runs/{first.run_id}"
    assert hook["detail"] == "BEA release calendar http://127.0.0.1:9/cal.json unreachable: ConnectionError"
    assert sns["Subject"] == "macro-data-ingest: bea/bea_raw for release 2026-10-30 failed (unavailable)"

    again = run(instance, dict(resources, bea=dead_bea), selection=["bea/bea_raw"])  # the same failure
    evaluate_run_failure(instance, again, alerts)
    assert len(webhook.received) == 1 and topic.messages() == []


def test_a_failed_blocking_check_is_announced_with_the_check(
    tmp_path: Path, instance: dg.DagsterInstance, resources: dict, api_key: str, webhook: Webhook
) -> None:
    replay_dir, catalog = unit_change_replay(tmp_path)
    with Sandbox(settings=SandboxSettings(replay_dir=replay_dir)) as replay:
        bea = BeaApiResource(api_key=api_key, api_url=replay.api_url, calendar_url=replay.calendar_url)
        result = run(
            instance, dict(resources, bea=bea, catalog=CatalogResource(path=str(catalog))), key="2026-10-29"
        )
    assert not result.success
    evaluate_run_failure(instance, result, AlertsResource(webhook_url=webhook.url))
    (hook,) = webhook.received
    assert hook["asset"] == "bea/silver" and hook["category"] == "check_failed"
    assert hook["detail"].startswith("bea/silver:one_unit_per_series failed: ")


def test_no_destination_means_only_a_log_line(
    instance: dg.DagsterInstance, resources: dict, dead_bea: BeaApiResource, caplog: pytest.LogCaptureFixture
) -> None:
    result = run(instance, dict(resources, bea=dead_bea), selection=["bea/bea_raw"])
    evaluate_run_failure(instance, result, AlertsResource())
    assert "no destination configured" in caplog.text


def test_a_stale_warehouse_is_announced_once_per_overdue_release(
    instance: dg.DagsterInstance, resources: dict, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vintage, "now", lambda: SANDBOX_NOW)
    defs = dg.Definitions(
        assets=ASSETS, asset_checks=[fresh_against_bea_calendar], jobs=[freshness_job], resources=resources
    )
    alerts = AlertsResource(webhook_url=webhook.url)

    def tick(cursor: str | None) -> str | None:
        context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"alerts": alerts})
        alert_on_stale_warehouse(context)
        return context.cursor

    assert tick(None) is None and webhook.received == []  # the check has not run yet
    defs.resolve_job_def("check_freshness").execute_in_process(instance=instance)  # nothing loaded
    cursor = tick(None)
    (hook,) = webhook.received
    assert hook["kind"] == "freshness" and hook["release"] == "Personal Income and Outlays"
    assert hook["due"] == "2026-10-30" and "is not loaded" in hook["detail"]
    assert tick(cursor) == cursor and len(webhook.received) == 1  # not re-sent every tick


def test_a_run_from_the_asset_graph_over_a_range_is_named_for_a_reader() -> None:
    ranged = dg.DagsterRun(
        job_name="__ASSET_JOB",
        run_id="r",
        tags={
            "dagster/asset_partition_range_start": "2026-10-29",
            "dagster/asset_partition_range_end": "2026-10-30",
        },
    )
    assert job_label(ranged) == "asset materialization"
    assert partition_label(ranged) == "2026-10-29...2026-10-30"
    one = dg.DagsterRun(job_name="refresh_release", run_id="s", tags={"dagster/partition": "2026-10-30"})
    assert (job_label(one), partition_label(one)) == ("refresh_release", "2026-10-30")
    alert = messages.run_failure(
        run_id="r",
        job=job_label(ranged),
        partition=partition_label(ranged),
        asset="bea/silver",
        error_class="DagsterAssetCheckFailedError",
        error_message="m",
        ui_url="http://127.0.0.1:3000",
    )
    assert alert.subject.startswith(
        "macro-data-ingest: bea/silver for releases 2026-10-29...2026-10-30 failed"
    )
