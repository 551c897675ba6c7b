"""Benchmark: every stage of one partition at full NIPA scale, against plain COPY and dlt.

The BEA sandbox (its own process) serves ~260 detail tables, 1929 on, ≈2.6 million
observations; BEA's limits apply on a shortened window. The pipeline materializes bea/bea_raw,
bronze, silver, gold and the warehouse tables for one release, stage by stage, then again (an
unchanged partition). On the same rows and the same PostgreSQL: a plain COPY of silver into an
empty table with the same key, and dlt (its own virtualenv, bench/.venv-dlt) merging them,
fed as Python records and as an Arrow table with the CSV loader. Writes bench/results.json.
Not a test: nothing here asserts a time.

    .venv/bin/python bench/full_scale.py [--tables 260] [--window 10] [--dlt-python PATH]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import psutil
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bea_sandbox import fullscale  # noqa: E402
from macro_assets.definitions import ASSETS  # noqa: E402
from macro_assets.lake import layout  # noqa: E402
from macro_assets.partitions import release_date_partitions  # noqa: E402
from macro_assets.resources.bea import BeaApiResource  # noqa: E402
from macro_assets.resources.catalog import CatalogResource  # noqa: E402
from macro_assets.resources.lake import LakeResource  # noqa: E402
from macro_assets.resources.warehouse import WarehouseResource, normalise_url  # noqa: E402

RELEASE = "2026-10-29"
NOW = "2026-11-02T12:00:00+00:00"
KEY = "BE4C0000-0000-4000-8000-0000000f0115"
STAGES = [
    ("fetch", ["bea/bea_raw"]),
    ("keep", ["bea/bronze"]),
    ("parse", ["bea/silver"]),
    ("compute", ["bea/gold"]),
    ("load", ["bea/observations", "bea/indicators"]),
]
OBS_KEY = ["dataset", "table_name", "series_id", "time_period"]


class PeakRss:
    """Samples the resident memory of this process, its children and PostgreSQL's every 50 ms;
    ``peak()`` is the largest single process since the last ``reset()``."""

    def __init__(self, extra_pids: list[int]) -> None:
        self.extra = extra_pids
        self._peak: tuple[float, str] = (0.0, "")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _processes(self) -> list[psutil.Process]:
        me = psutil.Process()
        procs = [me, *me.children(recursive=True)]
        for pid in self.extra:
            try:
                root = psutil.Process(pid)
                procs += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        return procs

    def _run(self) -> None:
        # The process list is refreshed once a second (walking /proc is the sampler's main
        # cost, which would otherwise be charged to the stages it measures); RSS every 50 ms.
        procs: list[psutil.Process] = []
        tick = 0
        while not self._stop.wait(0.05):
            if tick % 20 == 0:
                procs = self._processes()
            tick += 1
            for proc in procs:
                try:
                    rss = proc.memory_info().rss / 2**20
                    if rss > self._peak[0]:
                        self._peak = (rss, f"{proc.pid} {' '.join(proc.cmdline()[:3])}"[:120])
                except psutil.Error:
                    pass

    def reset(self) -> None:
        self._peak = (0.0, "")

    def peak(self) -> tuple[float, str]:
        return self._peak

    def stop(self) -> None:
        self._stop.set()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
    }


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def sandbox(window: float, port: int, now: str = NOW, *options: str):  # noqa: ANN201
    """The BEA sandbox in its own process (``options``: more of its flags), until the block ends."""
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "bea-sandbox"),
            *options,
            "--port",
            str(port),
            "--now",
            now,
            "--window-seconds",
            str(window),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the BEA sandbox did not start") from None
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def catalog_file(path: Path, tables: int) -> Path:
    lines = ["releases:", "  Gross Domestic Product:"]
    lines += [
        f"    - {{dataset: NIPA, table: {name}, frequencies: [A, Q]}}" for name in fullscale.names(tables)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def materialize(
    instance: dg.DagsterInstance, resources: dict, names: list[str]
) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    result = dg.materialize(
        ASSETS,
        partition_key=RELEASE,
        instance=instance,
        resources=resources,
        selection=names,
        raise_on_error=True,
    )
    elapsed = time.monotonic() - started
    meta = {}
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        meta[materialization.asset_key.to_user_string()] = {
            k: getattr(v, "value", v) for k, v in materialization.metadata.items()
        }
    return elapsed, meta


def copy_csv(url: str, csv: Path, columns: list[str], rows: int) -> dict[str, float]:
    """A plain COPY of a CSV file of observations (``columns``) into an empty table keyed as
    bea.observations is: the physical limit the load is measured against."""
    engine = sa.create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS public.copy_baseline")
        conn.exec_driver_sql("CREATE TABLE public.copy_baseline (LIKE bea.observations INCLUDING DEFAULTS)")
        conn.exec_driver_sql(
            "ALTER TABLE public.copy_baseline DROP COLUMN published_in, DROP COLUMN replaced_in"
        )
        conn.exec_driver_sql(f"ALTER TABLE public.copy_baseline ADD PRIMARY KEY ({', '.join(OBS_KEY)})")
    with engine.begin() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        started = time.monotonic()
        with csv.open("rb") as fh:
            cursor.copy_expert(
                f"COPY public.copy_baseline ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                fh,
                size=1 << 20,
            )
    elapsed = time.monotonic() - started
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE public.copy_baseline")
    engine.dispose()
    return {"seconds": elapsed, "rows_per_s": rows / elapsed}


def copy_baseline(url: str, silver: pl.DataFrame, workdir: Path) -> dict[str, float]:
    """A plain COPY of silver's rows from a CSV file into an empty table with the same key."""
    csv = workdir / "silver.csv"
    frame = silver.drop("release_date")
    frame.write_csv(csv, include_header=False, null_value=r"\N")
    return copy_csv(url, csv, frame.columns, silver.height)


def dlt_runs(dlt_python: Path, url: str, parquet: Path, rss: PeakRss) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("records", "arrow"):
        rss.reset()
        done = subprocess.run(
            [
                str(dlt_python),
                str(ROOT / "bench" / "dlt_load.py"),
                "--parquet",
                str(parquet),
                "--dsn",
                url,
                "--mode",
                mode,
            ],
            capture_output=True,
            text=True,
            timeout=7200,
        )
        if done.returncode != 0:
            raise RuntimeError(f"dlt ({mode}) failed: {done.stderr[-2000:]}")
        out[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        # Sampled from here: ru_maxrss inside a child inherits its parent's high-water mark.
        out[mode]["peak_rss_mb"] = round(rss.peak()[0])
    return out


def silver_by_cores(lake_dir: Path, workdir: Path) -> dict[str, Any]:
    """Silver rebuilt from the same bronze outside Dagster, on one core and on all of them:
    how it scales with cores, the figure a machine with more of them would change."""
    runs: dict[str, Any] = {}
    everything = sorted(os.sched_getaffinity(0))
    for cpus in ([everything[0]], everything):
        out = workdir / f"silver_cores_{len(cpus)}.json"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "silver_cores.py"),
                "--lake",
                str(lake_dir),
                "--release",
                RELEASE,
                "--cpus",
                ",".join(map(str, cpus)),
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=900,
        )
        runs[str(len(cpus))] = json.loads(out.read_text())
    one, all_ = runs["1"], runs[str(len(everything))]
    runs["speedup"] = round(all_["rows_per_s"] / one["rows_per_s"], 2)
    return runs


def start_postgres(workdir: Path) -> tuple[str, list[int], Any]:
    """DATABASE_URL if set, else pgserver's PostgreSQL listening on 127.0.0.1 (dlt needs TCP)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], [], None
    from macro_assets_tests.conftest import TcpPostgres

    pg = TcpPostgres(workdir / "pg")
    pid = int((pg.pgdata / "postmaster.pid").read_text().split()[0])
    return f"postgresql://postgres:postgres@127.0.0.1:{pg.port}/postgres", [pid], pg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=fullscale.COUNT)
    parser.add_argument("--window", type=float, default=10.0, help="rate-limit window in seconds (BEA: 60)")
    parser.add_argument("--dlt-python", type=Path, default=ROOT / "bench" / ".venv-dlt" / "bin" / "python")
    parser.add_argument("--skip-dlt", action="store_true", help="small runs (the test): no dlt comparison")
    parser.add_argument("--skip-fetch-rate", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mdi-bench-"))
    (workdir / "home").mkdir()
    url, pg_pids, pg = start_postgres(workdir)
    port = free_port()
    results: dict[str, Any] = {}
    try:
        with (
            sandbox(args.window, port) as sandbox_proc,
            dg.instance_for_test(temp_dir=str(workdir / "home")) as instance,
        ):
            rss = PeakRss([sandbox_proc.pid, *pg_pids])
            instance.add_dynamic_partitions(release_date_partitions.name, [RELEASE])
            lake = LakeResource(url=str(workdir / "lake"))
            resources = {
                "bea": BeaApiResource(
                    api_key=KEY,
                    api_url=f"http://127.0.0.1:{port}/api/data",
                    calendar_url=f"http://127.0.0.1:{port}/API/signup/release_dates.json",
                    window_s=args.window,
                    fetch_concurrency=8,
                ),
                "lake": lake,
                "warehouse": WarehouseResource(database_url=url),
                "catalog": CatalogResource(path=str(catalog_file(workdir / "catalog.yaml", args.tables))),
            }
            stages: dict[str, dict[str, Any]] = {}
            for stage, assets in STAGES:
                rss.reset()
                cpu_before = sum(psutil.Process().cpu_times()[:2])
                seconds, meta = materialize(instance, resources, assets)
                cpu = sum(psutil.Process().cpu_times()[:2]) - cpu_before
                # The release's rows (the warehouse's tables report their own size as row_count).
                rows = sum(
                    int(meta[a].get("release_row_count", meta[a].get("dagster/row_count", 0))) for a in assets
                )
                peak, who = rss.peak()
                stages[stage] = {
                    "asset": ",".join(assets),
                    "seconds": round(seconds, 2),
                    "rows": rows,
                    "rows_per_s": round(rows / seconds) if seconds else None,
                    # CPU seconds of this process (all its threads): what more cores could share.
                    "cpu_s": round(cpu, 2),
                    "peak_rss_mb": round(peak),
                    "peak_rss_process": who,
                }
                print(
                    f"{stage:<8} {','.join(assets):<32} {seconds:8.2f} s {cpu:8.2f} cpu-s {rows:>10,} rows "
                    f"{peak:8.0f} MB  ({who})",
                    flush=True,
                )
            first = sum(s["seconds"] for s in stages.values())
            rss.reset()
            rerun, _ = materialize(instance, resources, [a for _, keys in STAGES for a in keys])
            rerun_peak = rss.peak()[0]
            print(f"re-run of the unchanged partition: {rerun:.2f} s (first: {first:.2f} s)", flush=True)

            by_cores = silver_by_cores(workdir / "lake", workdir)
            print(
                "silver outside Dagster by cores: "
                + ", ".join(f"{n}: {r['rows_per_s']:,} rows/s" for n, r in by_cores.items() if n != "speedup")
                + f" (speedup {by_cores['speedup']})",
                flush=True,
            )
            silver_key = layout.silver_observations(datetime.fromisoformat(RELEASE).date())
            silver = pl.read_parquet(io.BytesIO(lake.get(silver_key)))
            copy = copy_baseline(url, silver, workdir)
            print(f"COPY baseline: {copy['seconds']:.2f} s, {copy['rows_per_s']:,.0f} rows/s", flush=True)
            parquet = workdir / "silver.parquet"
            silver.write_parquet(parquet)
            dlt = None if args.skip_dlt else dlt_runs(args.dlt_python, url, parquet, rss)
            rss.stop()
            if dlt:
                for mode, run in dlt.items():
                    print(
                        f"dlt {mode}: {run['seconds']:.2f} s (peak RSS {run['peak_rss_mb']:.0f} MB)",
                        flush=True,
                    )

        fetch_rate = None
        if not args.skip_fetch_rate:
            out = workdir / "fetch_rate.json"
            subprocess.run(
                [sys.executable, str(ROOT / "bench" / "fetch_rate.py"), "--out", str(out)],
                check=True,
                capture_output=True,
                timeout=600,
            )
            fetch_rate = json.loads(out.read_text())
        load_s = stages["load"]["seconds"]
        results = {
            "observations": silver.height,
            "tables": args.tables,
            "load_vs_copy": round((silver.height / load_s) / copy["rows_per_s"], 3),
            "dlt_vs_ours": round(dlt["records"]["seconds"] / load_s, 2) if dlt else None,
            "dlt_arrow_vs_ours": round(dlt["arrow"]["seconds"] / load_s, 2) if dlt else None,
            "silver_rows_per_s": stages["parse"]["rows_per_s"],
            "silver_rows_per_cpu_s": round(silver.height / max(stages["parse"]["cpu_s"], 0.01)),
            "silver_by_cores": by_cores,
            "rerun_vs_first": round(rerun / first, 3),
            "peak_rss_mb": max(max(s["peak_rss_mb"] for s in stages.values()), round(rerun_peak)),
            "fetch_rate_fraction": fetch_rate["fetch_rate_fraction"] if fetch_rate else None,
            "http_429_fetch_rate": fetch_rate["http_429"] if fetch_rate else None,
            "stages": stages,
            "first_run_s": round(first, 2),
            "rerun_s": round(rerun, 2),
            "copy": {k: round(v, 2) for k, v in copy.items()},
            "dlt": dlt,
            "window_s": args.window,
            "machine": machine(),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    finally:
        if pg is not None:
            pg.stop()
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if not isinstance(v, dict)}, indent=2))


if __name__ == "__main__":
    main()
