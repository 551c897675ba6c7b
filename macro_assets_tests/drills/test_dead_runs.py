"""A run killed with SIGKILL during bea_raw must not block later runs (issue 19): the instance
of dagster_home/dagster.yaml (pools, run monitoring), the capture in a process of its own."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import dagster as dg
import pytest
import yaml

from bea_sandbox.limits import Limits
from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.automation.dead_runs import dead_run_sensor, fail_dead_runs, live_run_ids
from macro_assets.lake import layout
from macro_assets.resources.lake import LakeResource
from macro_assets_tests.conftest import SANDBOX_NOW
from macro_assets_tests.drills.test_drills import fresh_key, wait_for
from macro_assets_tests.drills.test_shared_budget import (
    RELEASE,
    capture_spec,
    driver,
    entries_landed,
    errors_of,
)

ROOT = Path(__file__).resolve().parents[2]


def free_slots_of_ended_runs(instance: dg.DagsterInstance) -> None:
    """One pass of the daemon's own loop that applies run_monitoring.free_slots_after_run_end_seconds."""
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import EmptyWorkspaceTarget
    from dagster._daemon.monitoring.concurrency import execute_concurrency_slots_iteration

    with WorkspaceProcessContext(instance, EmptyWorkspaceTarget()) as context:
        list(execute_concurrency_slots_iteration(context, logging.getLogger("daemon")))


def slot_holders(instance: dg.DagsterInstance) -> set[str]:
    return {slot.run_id for slot in instance.event_log_storage.get_concurrency_info("bea_api").claimed_slots}


@pytest.fixture
def dagster_home(tmp_path: Path) -> Path:
    """The local instance as shipped, with the slots of an ended run freed after 1 s, not 60."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    assert config["run_monitoring"]["free_slots_after_run_end_seconds"] == 60
    config["run_monitoring"]["free_slots_after_run_end_seconds"] = 1
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def test_a_run_killed_during_bea_raw_gives_its_slot_back_and_the_next_run_completes(
    tmp_path: Path, dagster_home: Path
) -> None:
    limits = Limits(max_requests=2, window_s=1.0, lockout_s=3600)
    with Sandbox(settings=SandboxSettings(clock=lambda: SANDBOX_NOW, limits=limits)) as sandbox:
        spec = capture_spec(
            sandbox,
            tmp_path,
            "killed",
            fresh_key(),
            max_requests=2,
            window_s=1.0,
            dagster_home=str(dagster_home),
        )
        spec.pop("go")
        lake = Path(spec["lake"])
        proc = driver(spec, tmp_path)
        wait_for(lambda: entries_landed(lake) >= 2, "two landed answers")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            (killed,) = instance.get_run_records()
            run_id = killed.dagster_run.run_id
            # What blocked every later run: the dead run is "started" and holds bea_api's slot.
            assert killed.dagster_run.status == dg.DagsterRunStatus.STARTED
            assert slot_holders(instance) == {run_id}

            lake_resource = LakeResource(url=str(lake))
            skipped = dead_run_sensor(
                dg.build_sensor_context(instance=instance, resources={"lake": lake_resource})
            )
            assert isinstance(skipped, dg.SkipReason)
            assert skipped.skip_message.startswith("1 dead runs marked failed; 0 landed objects")
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
            assert fail_dead_runs(instance) == []  # once only
            wait_for(
                lambda: (free_slots_of_ended_runs(instance), not slot_holders(instance))[1], "the slot freed"
            )

        spec["ready"] = str(tmp_path / "rerun.ready")
        assert driver(spec, tmp_path).wait(timeout=180) == 0, errors_of(tmp_path)

    assert (lake / layout.bronze_manifest(RELEASE)).exists()
    killed_landing = lake / layout.landing_prefix(RELEASE) / f"run_id={run_id}"
    assert sum(1 for p in killed_landing.rglob("*") if p.is_file()) >= 4  # two answers, two entries
    runs_landing = (lake / layout.landing_prefix(RELEASE)).glob("run_id=*/**/*")
    left = sum(1 for p in runs_landing if p.is_file())  # the killed run's and the re-run's
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert run_id not in live_run_ids(instance)
        swept = dead_run_sensor(dg.build_sensor_context(instance=instance, resources={"lake": lake_resource}))
    # Bronze is complete now: what the killed run landed is swept; nothing else in bronze goes.
    assert swept.skip_message.startswith(f"0 dead runs marked failed; {left} landed objects of ended runs")
    assert not any(p.is_file() for p in (lake / layout.landing_prefix(RELEASE)).glob("run_id=*/**/*"))
    assert (lake / layout.bronze_manifest(RELEASE)).exists()
