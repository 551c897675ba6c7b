"""A capture killed while it writes bronze, then BEA revises the tables, then the re-run
(issue 19): what was captured of the vintage is used, from landing or from bronze itself; a
table is reported gone only when no copy of its vintage is anywhere in the lake."""

from __future__ import annotations

import json
import os
import shutil
import signal
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.definitions import ASSETS
from macro_assets.lake import layout
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets_tests.conftest import CORE_CATALOG
from macro_assets_tests.drills.test_drills import R1, driver, fresh_key, materialize, wait_for

CAPTURED_AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
# Just after the next GDP release: T10101, T10105 and T10106 are revised.
REVISED_AT = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
GDP = ("T10101", "T10105", "T10106")


class Clock:
    def __init__(self) -> None:
        self.now = CAPTURED_AT

    def __call__(self) -> datetime:
        return self.now


RELEASE = date.fromisoformat(R1)


def manifest_of(lake: LakeResource) -> dict[str, dict]:
    doc = json.loads(lake.get(layout.bronze_manifest(RELEASE)))
    return {o["key"].split("/", 2)[-1]: o for o in doc["objects"]}


def silver_rows(lake: LakeResource) -> pl.DataFrame:
    frame = pl.read_parquet(Path(lake.url) / layout.silver_observations(RELEASE))
    return frame.group_by("table_name").len().sort("table_name")


@pytest.mark.parametrize("landing_kept", [True, False], ids=["from-landing", "from-bronze"])
def test_a_table_captured_before_a_crash_survives_a_revision(tmp_path: Path, landing_kept: bool) -> None:
    clock = Clock()
    up_to_silver = ASSETS[:3]
    with Sandbox(settings=SandboxSettings(clock=clock)) as sandbox, dg.instance_for_test() as instance:

        def resources(lake: LakeResource) -> dict:
            bea = BeaApiResource(
                api_key=fresh_key(), api_url=sandbox.api_url, calendar_url=sandbox.calendar_url
            )
            return {"bea": bea, "lake": lake, "catalog": CatalogResource(path=str(CORE_CATALOG))}

        control = LakeResource(url=str(tmp_path / "control"))
        assert materialize(up_to_silver, R1, resources(control), instance).success

        lake = LakeResource(url=str(tmp_path / "lake"))
        marker = tmp_path / "mid-write"
        spec = {
            "mode": "capture",
            "partition": R1,
            "lake": lake.url,
            "api_key": fresh_key(),
            "api_url": sandbox.api_url,
            "calendar_url": sandbox.calendar_url,
            "stall": "bronze:2",  # T10101 written whole, the next object torn
            "marker": str(marker),
        }
        proc = driver(spec, tmp_path)
        wait_for(marker.exists, "bronze's second object to be half written")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        bronze_t10101 = layout.bronze_object(RELEASE, "NIPA", "T10101")
        assert lake.exists(bronze_t10101)
        assert not lake.exists(layout.bronze_manifest(RELEASE))
        if not landing_kept:
            shutil.rmtree(Path(lake.url) / "landing")

        clock.now = REVISED_AT  # BEA revises the GDP tables
        rerun = materialize(up_to_silver, R1, resources(lake), instance)
        assert rerun.success
        said = [e.user_message for e in instance.all_logs(rerun.run_id)]

    captured, expected = manifest_of(lake), manifest_of(control)
    t10101 = "dataset=NIPA/table=T10101.json.gz"
    assert captured[t10101]["sha256"] == expected[t10101]["sha256"]
    assert captured[t10101]["last_revised"] == "2026-10-29"
    if landing_kept:
        # Every answer had been landed (T20600 and T20804 were revised on 10-30 already): the
        # re-run is the control capture, row for row.
        assert any(m.startswith(f"resuming release {R1}: 43 of 45 answers") for m in said)
        assert {k: o["sha256"] for k, o in captured.items()} == {k: o["sha256"] for k, o in expected.items()}
        assert silver_rows(lake).equals(silver_rows(control))
    else:
        # T10105 and T10106 have no copy of their vintage left anywhere: gone, and said so.
        assert not {f"dataset=NIPA/table={t}.json.gz" for t in GDP[1:]} & set(captured)
        rows = dict(silver_rows(lake).iter_rows())
        assert rows["T10101"] == dict(silver_rows(control).iter_rows())["T10101"]
        assert any(
            m.startswith(f"Gross Domestic Product of {R1} is gone from BEA's API (NIPA/T1010") for m in said
        )
        assert sum("was revised on 2026-11-26, after 2026-10-29" in m for m in said) == 2
