"""Silver of one release, rebuilt from an existing bronze on a given set of cores.

The benchmark runs this twice, on one core and on all of them, to measure how silver scales
with cores: on the 2-core machine it is CPU-bound, so the figure says what more cores buy.
Silver is built into a scratch lake beside a link to the given bronze, never into it.

    .venv/bin/python bench/silver_cores.py --lake LAKE --release 2026-10-29 --cpus 0 --out OUT
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, required=True, help="a lake folder holding the release's bronze")
    parser.add_argument("--release", type=date.fromisoformat, required=True)
    parser.add_argument("--cpus", default="", help="comma-separated core numbers; all when empty")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.cpus:
        # Before polars is imported: its thread pool is sized from this process's affinity.
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})

    sys.path.insert(0, str(ROOT))
    import logging

    import psutil

    from macro_assets.assets.silver import silver_release
    from macro_assets.resources.lake import LakeResource

    class Context:
        log = logging.getLogger("silver_cores")

    with tempfile.TemporaryDirectory(prefix="mdi-silver-cores-") as scratch:
        (Path(scratch) / "bronze").symlink_to((args.lake / "bronze").resolve())
        lake = LakeResource(url=scratch)
        me = psutil.Process()
        cpu_before = sum(me.cpu_times()[:2])
        started = time.monotonic()
        metadata, _ = silver_release(Context(), args.release, lake)
        seconds = time.monotonic() - started
        cpu = sum(me.cpu_times()[:2]) - cpu_before
    rows = int(metadata["dagster/row_count"])
    args.out.write_text(
        json.dumps(
            {
                "cores": len(os.sched_getaffinity(0)),
                "seconds": round(seconds, 2),
                "cpu_s": round(cpu, 2),
                "rows": rows,
                "rows_per_s": round(rows / seconds),
            }
        )
    )


if __name__ == "__main__":
    main()
