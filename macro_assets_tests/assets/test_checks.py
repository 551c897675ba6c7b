"""The freshness check as Dagster runs it: its own job, the instance's partitions, BEA's calendar
from the sandbox over HTTP."""

from __future__ import annotations

import dagster as dg
import pytest

from macro_assets.assets.checks import fresh_against_bea_calendar
from macro_assets.automation import vintage
from macro_assets.definitions import ASSETS
from macro_assets.jobs import freshness_job
from macro_assets.partitions import release_date_partitions
from macro_assets_tests.conftest import SANDBOX_NOW


def check(instance: dg.DagsterInstance, resources: dict) -> dg.AssetCheckEvaluation:
    defs = dg.Definitions(
        assets=ASSETS, asset_checks=[fresh_against_bea_calendar], jobs=[freshness_job], resources=resources
    )
    result = defs.resolve_job_def("check_freshness").execute_in_process(instance=instance)
    assert result.success  # a failed check is a warning in the UI, not a failed run
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def loaded(instance: dg.DagsterInstance, *keys: str) -> None:
    instance.add_dynamic_partitions(release_date_partitions.name, list(keys))
    for key in keys:
        instance.report_runless_asset_event(dg.AssetMaterialization(["bea", "observations"], partition=key))


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vintage, "now", lambda: SANDBOX_NOW)


def test_behind_when_the_newest_release_is_not_loaded(instance: dg.DagsterInstance, resources: dict) -> None:
    loaded(instance, "2026-09-25", "2026-10-29")
    evaluation = check(instance, resources)
    assert not evaluation.passed
    assert evaluation.description.startswith("Personal Income and Outlays of 2026-10-30")
    assert evaluation.metadata["newest_loaded"].value == "2026-10-29"


def test_current_once_it_is(instance: dg.DagsterInstance, resources: dict) -> None:
    loaded(instance, "2026-10-29", "2026-10-30")
    evaluation = check(instance, resources)
    assert evaluation.passed, evaluation.description
    assert evaluation.metadata["newest_due"].value == "2026-10-30"
