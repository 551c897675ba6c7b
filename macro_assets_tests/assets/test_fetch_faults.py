"""BEA's failures through the whole graph: the run recovers with the right data, or fails with
the right message and stores nothing."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from bea_sandbox.faults import Fault, FaultPlan
from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.lake import LakeResource
from macro_assets_tests.assets.test_pipeline import RELEASE, failure, run
from macro_assets_tests.conftest import SANDBOX_NOW


@pytest.fixture
def faults() -> FaultPlan:
    return FaultPlan()


@pytest.fixture
def faulty_resources(resources: dict, faults: FaultPlan, api_key: str) -> Iterator[dict]:
    with Sandbox(settings=SandboxSettings(clock=lambda: SANDBOX_NOW, faults=faults)) as s:
        bea = BeaApiResource(
            api_key=api_key,
            api_url=s.api_url,
            calendar_url=s.calendar_url,
            backoff_initial_s=0.01,
            timeout_s=2.0,
        )
        yield dict(resources, bea=bea)


def lake_keys(lake: LakeResource, prefix: str) -> list[str]:
    root = Path(lake.url)
    return sorted(str(p.relative_to(root)) for p in root.glob(f"{prefix}/**/*") if p.is_file())


def test_transient_faults_recover_with_the_right_data(
    instance: dg.DagsterInstance, faulty_resources: dict, faults: FaultPlan, lake: LakeResource
) -> None:
    for fault in (
        Fault("5xx", "T10101", 2),
        Fault("truncated", "SAINC1", 1),
        Fault("empty", "T20804", 1),
        Fault("drop", "SAGDP2", 1),
        Fault("html", "T10106", 1),
    ):
        faults.add(fault)
    result = run(instance, faulty_resources)
    assert result.success
    raw_meta = result.asset_materializations_for_node("bea__bea_raw")[0].metadata
    assert raw_meta["retries"].value == 6 and raw_meta["http_429"].value == 0
    manifest = json.loads(lake.get(f"bronze/release_date={RELEASE}/_manifest.json"))
    t10101 = next(o for o in manifest["objects"] if o["table"] == "T10101")
    answer = json.loads(gzip.decompress(lake.get(t10101["key"])))
    assert len(answer["BEAAPI"]["Results"]["Data"]) == t10101["rows"] == 1310
    assert len(faults.fired) == 6


@pytest.mark.parametrize(
    "fault, message",
    [
        (
            Fault("api_error", "SAGDP2"),
            "BEA error 201 for Regional/SAGDP2 line 1: Error retrieving NIPA/Fixed Assets "
            "data.: Injected fault",
        ),
        (
            Fault("missing_field", "T20804"),
            "BEA answer for NIPA/T20804 lacks required field UNIT_MULT in a Data row",
        ),
    ],
)
def test_permanent_faults_fail_with_the_cause_and_store_nothing(
    instance: dg.DagsterInstance,
    faulty_resources: dict,
    faults: FaultPlan,
    lake: LakeResource,
    fault: Fault,
    message: str,
) -> None:
    faults.add(fault)
    result = run(instance, faulty_resources)
    assert not result.success
    assert message in failure(result)
    # Nothing in bronze, no landing manifest; answers already landed stay, for a re-run to resume.
    assert lake_keys(lake, "bronze") == []
    landed = lake_keys(lake, "landing")
    assert not any(k.endswith("_manifest.json") for k in landed)
    answers = {k for k in landed if k.endswith(".json.gz")}
    assert len([k for k in landed if "/_entries/" in k]) == len(answers)


def test_an_extra_field_is_tolerated_and_kept_in_bronze(
    instance: dg.DagsterInstance, faulty_resources: dict, faults: FaultPlan, lake: LakeResource
) -> None:
    faults.add(Fault("extra_field", "T10105", 1))
    assert run(instance, faulty_resources).success
    key = f"bronze/release_date={RELEASE}/dataset=NIPA/table=T10105.json.gz"
    rows = json.loads(gzip.decompress(lake.get(key)))["BEAAPI"]["Results"]["Data"]
    assert all(row["EXTRA_FIELD"] == "schema drift" for row in rows)


def test_a_release_date_after_today_is_refused_before_any_request(
    instance: dg.DagsterInstance, faulty_resources: dict, lake: LakeResource
) -> None:
    """Today's vintage stored under a future date would claim a release BEA has not made (issue 19)."""
    result = run(instance, faulty_resources, key="2099-01-01")
    assert not result.success
    assert "release date 2099-01-01 is after today (" in failure(result)
    assert lake_keys(lake, "landing") == [] and lake_keys(lake, "bronze") == []


def test_a_failed_capture_resumes_fetching_only_what_it_lacks(
    instance: dg.DagsterInstance, faulty_resources: dict, faults: FaultPlan, lake: LakeResource
) -> None:
    """A permanent fault on one table ends the run after other answers landed; once the fault is
    gone the re-run keeps those and asks BEA only for the rest, without planning again."""
    faults.add(Fault("api_error", "SAGDP2", times=1))
    assert not run(instance, faulty_resources, selection=["bea/bea_raw"]).success
    landed = len([k for k in lake_keys(lake, "landing") if "/_entries/" in k])
    assert 0 < landed < 45

    result = run(instance, faulty_resources, selection=["bea/bea_raw", "bea/bronze"])
    assert result.success
    meta = {k: v.value for k, v in result.asset_materializations_for_node("bea__bea_raw")[0].metadata.items()}
    assert meta["answers_resumed"] == landed and meta["answers_fetched"] == 45 - landed
    assert meta["planned_requests"] == 45 - landed and meta["plan_lookups"] == 0
    assert meta["api_calls"] == 45 - landed
    logs = [e.message for e in instance.all_logs(result.run_id) if e.message]
    resumed = f"resuming release {RELEASE}: {landed} of 45 answers already landed"
    assert any(m.startswith(resumed) for m in logs)
    manifest = json.loads(lake.get(f"bronze/release_date={RELEASE}/_manifest.json"))
    assert len(manifest["objects"]) == 45 and manifest["source"] == "bea"
