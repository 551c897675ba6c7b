"""The fetch-rate benchmark runs to the end and reports every figure (its timings are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_fetch_rate_benchmark_completes(tmp_path: Path) -> None:
    out = tmp_path / "fetch_rate.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "fetch_rate.py"),
            "--window",
            "0.5",
            "--requests",
            "40",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = json.loads(out.read_text())
    assert result["requests"] == 40 and result["http_429"] == 0
    assert set(result) >= {"fetch_rate_fraction", "elapsed_s", "achieved_rate_per_s", "allowed_rate_per_s"}
    shared = result["back_to_back"]
    assert shared["captures"] == 3 and shared["requests"] == 39 and shared["http_429"] == 0
    assert 0 < shared["fetch_rate_fraction"] <= 1.0


def test_full_scale_benchmark_completes_and_writes_every_key(tmp_path: Path) -> None:
    """A small run (three generated tables, no dlt, no fetch-rate run): every stage runs and
    bench/results.json gets every key; the figures themselves are `make bench`'s business."""
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "full_scale.py"),
            "--tables",
            "3",
            "--window",
            "1",
            "--skip-dlt",
            "--skip-fetch-rate",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert set(result) >= {
        "observations",
        "load_vs_copy",
        "dlt_vs_ours",
        "dlt_arrow_vs_ours",
        "silver_rows_per_s",
        "silver_rows_per_cpu_s",
        "silver_by_cores",
        "rerun_vs_first",
        "peak_rss_mb",
        "fetch_rate_fraction",
        "stages",
        "machine",
    }
    assert result["observations"] == 3 * 9984
    assert set(result["stages"]) == {"fetch", "keep", "parse", "compute", "load"}
    by_cores = result["silver_by_cores"]
    assert by_cores["1"]["cores"] == 1 and by_cores["1"]["rows"] == result["observations"]
    assert by_cores["speedup"] > 0
    assert all(stage["seconds"] > 0 and stage["cpu_s"] >= 0 for stage in result["stages"].values())
    assert result["load_vs_copy"] > 0 and result["rerun_vs_first"] > 0 and result["peak_rss_mb"] > 0
