"""The pipeline's log lines as JSON, as the production instance configures them
(infra/dagster/dagster.yaml, python_logs): run, partition, asset, stage, and never the API key."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
import yaml

from macro_assets.definitions import ASSETS
from macro_assets_tests.assets.test_pipeline import RELEASE, run

PRODUCTION_INSTANCE = Path(__file__).resolve().parents[2] / "infra" / "dagster" / "dagster.yaml"


def test_every_line_is_json_with_the_run_partition_asset_and_stage(
    tmp_path: Path,
    resources: dict,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = resources["bea"].api_key
    monkeypatch.setenv("BEA_API_KEY", key)
    python_logs = yaml.safe_load(PRODUCTION_INSTANCE.read_text())["python_logs"]
    with dg.instance_for_test(overrides={"python_logs": python_logs}, temp_dir=str(tmp_path)) as instance:
        result = run(instance, resources)
    assert result.success
    err = capfd.readouterr().err
    assert key not in err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assets = {"bea/" + a.op.name.removeprefix("bea__") for a in ASSETS}
    ours = [line for line in lines if line.get("asset") in assets and not line.get("event")]
    assert len(ours) > 10
    assert {line["run_id"] for line in lines} == {result.run_id}
    assert all(line["partition"] == RELEASE for line in ours)
    stages = {line["asset"]: line["stage"] for line in ours}
    assert {"bea/bea_raw", "bea/postgres_tables"} <= set(stages)
    assert (
        stages.items()
        <= {
            "bea/bea_raw": "fetch",
            "bea/bronze": "keep",
            "bea/silver": "parse",
            "bea/gold": "compute",
            "bea/postgres_tables": "load",
            "bea/iceberg_observations": "append",
        }.items()
    )
    load = next(line for line in ours if line["message"].startswith("bea.observations:"))
    assert load["level"] == "INFO" and "rows inserted" in load["message"]
    assert {line["level"] for line in lines} <= {"INFO", "WARNING", "ERROR"}
