"""Run part of the pipeline in a process of its own, for a drill to kill or race.

    python -m macro_assets_tests.drills.driver SPEC.json

SPEC: ``mode`` ("load": postgres_tables; "capture": bea_raw and bronze), ``partition``,
``lake``, ``database_url`` or the BEA sandbox's ``api_url``/``calendar_url``/``api_key``;
``ready`` (a file touched once imports are done), ``go`` (wait for this file before starting:
two drivers start together), ``stall`` ("copy": stop in the middle of COPY's data stream;
"bronze:N": stop halfway through writing the Nth bronze object) and ``marker`` (touched when
the stall begins, so the drill knows when to strike). A capture may also name ``budget_url``
(where the key's limits are shared), ``max_requests`` and ``window_s`` (BEA's limits, as the
sandbox applies them) and ``catalog`` (a catalog file). ``dagster_home``: a folder with a
dagster.yaml, for runs that share one persistent instance (its pools, its run records); else
each run has an ephemeral instance of its own. Exit status 0 when the run succeeded;
a failed step's message is printed on stderr.

The stalls are the only thing patched: the run itself is the production code.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from macro_assets.assets.bronze import bronze
from macro_assets.assets.raw import bea_raw
from macro_assets.assets.warehouse import postgres_tables
from macro_assets.lake import stores as lake_module
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource
from macro_assets.warehouse import bulk
from macro_assets_tests.conftest import CORE_CATALOG

FOREVER = 3600.0


def stall_copy(marker: Path) -> None:
    """The first COPY of observations with rows to send stops after its first chunk: the server
    is mid-COPY, waiting."""
    original = bulk.copy_rows

    def stalling_copy(conn: Any, staging: str, frames: Any, columns: list[str] | None = None) -> int:
        # The observations' rows, whether a table new to the warehouse goes straight in or a
        # changed one is staged for its fold.
        if staging not in ("staging_observations", "bea.observations"):
            return original(conn, staging, frames, columns)
        parts = [frames] if isinstance(frames, pl.DataFrame) else list(frames)
        if not any(part.height for part in parts):  # stall in a COPY that has rows to send
            return original(conn, staging, parts, columns)
        frame = pl.concat(parts).select(columns or parts[0].columns)
        data = io.BytesIO()
        frame.write_csv(data, include_header=False, null_value=r"\N")
        data.seek(0)

        class Stream:
            chunks = 0

            def read(self, size: int = 8192) -> bytes:
                self.chunks += 1
                if self.chunks == 2:
                    marker.touch()
                    time.sleep(FOREVER)
                return data.read(size)

            readline = read

        cursor = conn.connection.dbapi_connection.cursor()
        columns = ", ".join(frame.columns)
        cursor.copy_expert(f"COPY {staging} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", Stream())
        return frame.height

    bulk.copy_rows = stalling_copy


def stall_bronze(marker: Path, nth: int) -> None:
    """The Nth file written under bronze/ gets half its bytes, then the process hangs."""
    real_os = os
    seen = {"n": 0}

    class TornFile:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def write(self, data: bytes) -> int:
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            marker.touch()
            time.sleep(FOREVER)
            return 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.fh, name)

        def __enter__(self) -> TornFile:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

    class Os:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_os, name)

        def fdopen(self, fd: int, *args: Any, **kwargs: Any) -> Any:
            fh = real_os.fdopen(fd, *args, **kwargs)
            if "/bronze/" in real_os.readlink(f"/proc/self/fd/{fd}"):
                seen["n"] += 1
                if seen["n"] == nth:
                    return TornFile(fh)
            return fh

    lake_module.os = Os()  # type: ignore[assignment]


def main(spec: dict[str, Any]) -> int:
    if spec.get("stall") == "copy":
        stall_copy(Path(spec["marker"]))
    elif str(spec.get("stall", "")).startswith("bronze:"):
        stall_bronze(Path(spec["marker"]), int(spec["stall"].split(":")[1]))
    lake = LakeResource(url=spec["lake"])
    if spec["mode"] == "load":
        assets, resources = (
            [postgres_tables],
            {
                "lake": lake,
                "warehouse": WarehouseResource(database_url=spec["database_url"], unavailable_retries=0),
            },
        )
    else:
        assets, resources = (
            [bea_raw, bronze],
            {
                "lake": lake,
                "bea": BeaApiResource(
                    api_key=spec["api_key"],
                    api_url=spec["api_url"],
                    calendar_url=spec["calendar_url"],
                    budget_url=spec.get("budget_url"),
                    max_requests_per_window=spec.get("max_requests", 100),
                    window_s=spec.get("window_s", 60.0),
                    max_lockout_wait_s=0,
                ),
                "catalog": CatalogResource(path=spec.get("catalog") or str(CORE_CATALOG)),
            },
        )
    home = spec.get("dagster_home")
    with dg.DagsterInstance.from_config(home) if home else dg.instance_for_test() as instance:
        if not instance.has_dynamic_partition(release_date_partitions.name, spec["partition"]):
            instance.add_dynamic_partitions(release_date_partitions.name, [spec["partition"]])
        if spec.get("ready"):
            Path(spec["ready"]).touch()
        while spec.get("go") and not Path(spec["go"]).exists():
            time.sleep(0.01)
        result = dg.materialize(
            assets,
            partition_key=spec["partition"],
            instance=instance,
            resources=resources,
            raise_on_error=False,
        )
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data.error:
                print(event.step_failure_data.error.message.strip(), file=sys.stderr)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(json.loads(Path(sys.argv[1]).read_text())))
