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
