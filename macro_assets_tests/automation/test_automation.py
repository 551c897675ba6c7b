"""The release sensor and the daily schedule, evaluated with Dagster's test contexts against the
sandbox as its clock moves through a GDP morning."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.assets.checks import fresh_against_bea_calendar
from macro_assets.automation import vintage
from macro_assets.automation.schedules import daily_vintage_check
from macro_assets.automation.sensors import release_sensor
from macro_assets.definitions import ASSETS
from macro_assets.jobs import refresh_job
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource

CATALOG = """releases:
  Gross Domestic Product:
    - {dataset: NIPA, table: T10101, frequencies: [Q]}
  Personal Income and Outlays:
    - {dataset: NIPA, table: T20600, frequencies: [M]}
"""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api_key: str) -> Iterator[dict]:
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    bea_clock = Clock(datetime(2026, 10, 29, 12, 0, tzinfo=UTC))  # 08:00 Eastern: GDP not served yet
    our_clock = Clock(datetime(2026, 10, 29, 13, 0, tzinfo=UTC))  # 09:00 Eastern: the release time passed
    monkeypatch.setattr(vintage, "now", our_clock)
    with Sandbox(settings=SandboxSettings(clock=bea_clock)) as sandbox:
        resources = {
            "bea": BeaApiResource(
                api_key=api_key, api_url=sandbox.api_url, calendar_url=sandbox.calendar_url
            ),
            "catalog": CatalogResource(path=str(tmp_path / "catalog.yaml")),
            "lake": LakeResource(url=str(tmp_path / "lake")),
            "warehouse": WarehouseResource(database_url="postgresql://unused@127.0.0.1:9/none"),
        }
        home = tmp_path / "home"
        home.mkdir()
        with dg.instance_for_test(temp_dir=str(home)) as instance:
            yield {
                "bea_clock": bea_clock,
                "our_clock": our_clock,
                "resources": resources,
                "instance": instance,
            }


def definitions(world: dict) -> dg.Definitions:
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=[fresh_against_bea_calendar],
        jobs=[refresh_job],
        sensors=[release_sensor],
        schedules=[daily_vintage_check],
        resources=world["resources"],
    )


def tick(world: dict, cursor: str | None):  # noqa: ANN201
    defs = definitions(world)
    context = dg.build_sensor_context(
        instance_ref=world["instance"].get_ref(),
        definitions=defs,
        cursor=cursor,
        resources=world["resources"],
    )
    return release_sensor.evaluate_tick(context)


def test_sensor_waits_for_beas_api_then_requests_the_run(world: dict) -> None:
    first = tick(world, None)
    # Personal Income and Outlays of September 25 is served: run it. GDP of October 29 is not yet.
    assert [r.partition_key for r in first.run_requests] == ["2026-09-25"]
    assert first.dynamic_partitions_requests[0].partition_keys == ["2026-09-25"]
    assert "Gross Domestic Product" not in first.cursor

    world["bea_clock"].now = datetime(2026, 10, 29, 12, 45, tzinfo=UTC)  # BEA now serves the release
    second = tick(world, first.cursor)
    assert [r.partition_key for r in second.run_requests] == ["2026-10-29"]
    assert second.run_requests[0].run_key == "Gross Domestic Product:2026-10-29:2026-10-29"

    third = tick(world, second.cursor)
    assert not third.run_requests and third.skip_message == "no new release"


def test_sensor_skips_while_waiting_and_keeps_its_cursor(world: dict) -> None:
    world["our_clock"].now = datetime(2026, 10, 29, 13, 0, tzinfo=UTC)
    cursor = '{"Personal Income and Outlays": "2026-09-25"}'
    result = tick(world, cursor)
    assert not result.run_requests
    assert result.skip_message.startswith("waiting for Gross Domestic Product of 2026-10-29")
    assert "BEA still serves T10101 of 2026-09-24" in result.skip_message


def test_sensor_gives_up_a_superseded_release(world: dict) -> None:
    world["bea_clock"].now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # BEA already served November's GDP
    result = tick(world, '{"Personal Income and Outlays": "2026-10-30"}')
    assert not result.run_requests and '"Gross Domestic Product": "2026-10-29"' in result.cursor


def test_daily_schedule_adds_a_partition_for_an_unscheduled_revision(world: dict) -> None:
    instance: dg.DagsterInstance = world["instance"]
    instance.add_dynamic_partitions(release_date_partitions.name, ["2026-09-25"])
    world["bea_clock"].now = datetime(2026, 10, 30, 14, 0, tzinfo=UTC)
    context = dg.build_schedule_context(
        instance=instance,
        resources=world["resources"],
        repository_def=definitions(world).get_repository_def(),
        scheduled_execution_time=datetime(2026, 10, 30, 13, 0, tzinfo=UTC),
    )
    result = daily_vintage_check.evaluate_tick(context)
    assert [r.partition_key for r in result.run_requests] == ["2026-10-30"]
    assert "2026-10-30" in instance.get_dynamic_partitions(release_date_partitions.name)
    again = daily_vintage_check.evaluate_tick(context)
    assert not again.run_requests and again.skip_message == "no table revised after 2026-10-30"


def test_on_an_instance_that_ran_the_demo_the_first_tick_requests_nothing(
    world: dict, database_url: str
) -> None:
    """``make demo`` then ``make dev``: the sensor starts with no cursor on an instance whose
    newest release is captured and loaded, and launches nothing."""
    world["bea_clock"].now = datetime(2026, 10, 29, 12, 45, tzinfo=UTC)  # BEA serves GDP of the day
    resources = dict(world["resources"], warehouse=WarehouseResource(database_url=database_url))
    world["resources"] = resources
    instance = world["instance"]
    instance.add_dynamic_partitions(release_date_partitions.name, ["2026-10-29"])
    demo = (
        definitions(world)
        .resolve_job_def(refresh_job.name)
        .execute_in_process(partition_key="2026-10-29", instance=instance)
    )
    assert demo.success
    first = tick(world, None)
    assert first.run_requests == [] and first.skip_message == "no new release"
    # Both releases' newest dates are handled: the next GDP or income release is new again.
    assert json.loads(first.cursor) == {
        "Gross Domestic Product": "2026-10-29",
        "Personal Income and Outlays": "2026-09-25",
    }
