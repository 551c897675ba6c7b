"""The sweep of what ended runs left in the lake (issue 19)."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

from macro_assets.lake import landing, layout
from macro_assets.resources.lake import LakeResource

DONE, PENDING = date(2026, 10, 30), date(2026, 11, 25)


def test_the_sweep_removes_only_what_ended_runs_left_of_complete_releases(tmp_path: Path) -> None:
    lake = LakeResource(url=str(tmp_path))
    lake.put(layout.bronze_manifest(DONE), b"{}")
    for release in (DONE, PENDING):
        for run in ("dead", "live"):
            lake.put(layout.landing_object(release, run, "NIPA", "T10101"), b"answer")
            lake.put(layout.landing_entry(release, run, "NIPA", "T10101"), b"{}")
    lake.put(layout.landing_plan(DONE), b"{}")
    old, fresh = tmp_path / "bronze/release_date=2026-10-30/.tmp-old.part", tmp_path / "bronze/.tmp-x.part"
    for partial in (old, fresh, tmp_path / "bronze/release_date=2026-10-30/.tmp-new.part"):
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(b"half")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))

    swept = landing.sweep(lake, live_runs={"live"})

    assert (swept.landing_objects, swept.partials, swept.releases) == (2, 1, ["2026-10-30"])
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == [
        "bronze/.tmp-x.part",  # outside any complete release
        "bronze/release_date=2026-10-30/.tmp-new.part",  # young: a writer may still hold it
        "bronze/release_date=2026-10-30/_manifest.json",
        "landing/release_date=2026-10-30/_plan.json",
        "landing/release_date=2026-10-30/run_id=live/_entries/dataset=NIPA/table=T10101.json",
        "landing/release_date=2026-10-30/run_id=live/dataset=NIPA/table=T10101.json.gz",
        # No bronze yet: the next run resumes from these.
        "landing/release_date=2026-11-25/run_id=dead/_entries/dataset=NIPA/table=T10101.json",
        "landing/release_date=2026-11-25/run_id=dead/dataset=NIPA/table=T10101.json.gz",
        "landing/release_date=2026-11-25/run_id=live/_entries/dataset=NIPA/table=T10101.json",
        "landing/release_date=2026-11-25/run_id=live/dataset=NIPA/table=T10101.json.gz",
    ]
    assert landing.sweep(lake, live_runs={"live"}).landing_objects == 0
