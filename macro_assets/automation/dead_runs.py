"""Runs whose process is gone: found, marked failed, and what they left in the lake swept.

Dagster's run monitoring asks the run launcher whether a run's worker is alive; the default
launcher (local runs) cannot say, so a run killed with SIGKILL would stay "started" for ever
and keep its `bea_api` pool slot. Here a started run of this machine whose orchestrating
process no longer exists is marked failed; Dagster's own setting
(`run_monitoring.free_slots_after_run_end_seconds`) then frees its slots, as it does for a
run an operator marks failed.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from macro_assets.lake import landing
from macro_assets.resources.lake import LakeResource

IN_PROGRESS = (
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)


def process_alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    if stat.parent.parent.is_dir() and Path("/proc/self").exists():
        try:
            # A killed process its parent has not reaped yet is a zombie: gone all the same.
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orchestrator_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The first process the run recorded: the run worker, or the process executing in-process;
    the one that reports the run's end."""
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        data = event.engine_event_data if event else None
        pid = data.metadata.get("pid") if data else None
        if pid is not None:
            return int(pid.value)  # type: ignore[arg-type]
    return None


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every started run whose orchestrating process is gone; their ids. Only for
    the default launcher: elsewhere a run's processes are on other machines, and Dagster's run
    monitoring asks their launcher."""
    if not isinstance(instance.run_launcher, dg.DefaultRunLauncher):
        return []
    failed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        run = record.dagster_run
        pid = orchestrator_pid(instance, run.run_id)
        if pid is None or process_alive(pid):
            continue
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status != dg.DagsterRunStatus.STARTED:
            continue  # it ended while we looked
        instance.report_run_failed(
            current, f"the run's process (pid {pid}) is gone (killed?): marked failed, its pool slots freed"
        )
        failed.append(run.run_id)
    return failed


def live_run_ids(instance: dg.DagsterInstance) -> set[str]:
    return {r.dagster_run.run_id for r in instance.get_run_records(dg.RunsFilter(statuses=list(IN_PROGRESS)))}


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed the runs whose process is gone (so their pool slots are freed) and "
    "sweeps what ended runs left in landing and half-written files in bronze.",
)
def dead_run_sensor(context: dg.SensorEvaluationContext, lake: LakeResource) -> dg.SkipReason:
    failed = fail_dead_runs(context.instance)
    swept = landing.sweep(lake, live_run_ids(context.instance))
    for run_id in failed:
        context.log.warning(f"run {run_id}: its process is gone; marked failed")
    return dg.SkipReason(
        f"{len(failed)} dead runs marked failed; {swept.landing_objects} landed objects of ended runs "
        f"and {swept.partials} half-written files swept"
        + (f" (releases {', '.join(swept.releases)})" if swept.releases else "")
    )
