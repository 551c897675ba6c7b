"""Benchmark: every county table of BEA at full scale, two vintages, stage by stage.

The BEA sandbox (its own process, ``--county-scale``) serves the county tables of BEA's county
releases (CAINC…, CAEMP25N, CAGDP…) for ~3,100 counties: ~52 million observations as of
2025-11-20 and, a year on, a vintage that revises the newest year and adds one. BEA's limits
apply on a shortened window. The pipeline materializes each stage of the first vintage, then of
the second, in the same PostgreSQL and lake; then a plain COPY of the first vintage's rows, the
as-of reads (one county series; one line and year for every county) in PostgreSQL and through
DuckDB on the lake's Iceberg table. Writes bench/county.json. Not a test: nothing here asserts a
time or a size.

    .venv/bin/python bench/county.py [--scale 1.0] [--window 2] [--out bench/county.json]

``--scale`` keeps that share of each table's lines (0.1: ~5 million observations a vintage).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import psutil
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from full_scale import STAGES as NIPA_STAGES  # noqa: E402
from full_scale import PeakRss, copy_csv, free_port, machine, percentile, sandbox, start_postgres  # noqa: E402

from bea_sandbox import counties, county_scale  # noqa: E402
from macro_assets.lake import duck, layout  # noqa: E402
from macro_assets.partitions import release_date_partitions  # noqa: E402
from macro_assets.resources.lake import LakeResource  # noqa: E402
from macro_assets.resources.warehouse import normalise_url  # noqa: E402

RELEASE = "Personal Income by County, Metro, and Other Areas"
# BEA's county releases (third Thursday of November) and a moment just after each.
VINTAGES = [
    (date(2025, 11, 20), "2025-11-21T12:00:00+00:00"),
    (date(2026, 11, 19), "2026-11-20T12:00:00+00:00"),
]
AS_OF = date(2026, 6, 30)  # between the two: the first vintage's values
KEY = "BE4C0000-0000-4000-8000-00000c0a7715"
# The full-NIPA benchmark's stages, and the lake's Iceberg table after them.
STAGES = [*NIPA_STAGES, ("append", ["bea/iceberg_observations"])]
OBS_KEY = ["dataset", "table_name", "series_id", "time_period"]
# BEA's real limits per key: 100 requests and 100 MB a minute.
BEA_REQUESTS_PER_MIN, BEA_BYTES_PER_MIN = 100, 100 * 1000 * 1024


class OursPeakRss(PeakRss):
    """The largest of our processes (the bench, `dagster` and its step processes), leaving out
    BEA's stand-in and PostgreSQL, which ``others`` samples."""

    def __init__(self, excluded: list[int]) -> None:
        self.excluded = set(excluded)
        super().__init__([])

    def _processes(self) -> list[psutil.Process]:
        skip = set(self.excluded)
        for pid in self.excluded:
            try:
                skip |= {c.pid for c in psutil.Process(pid).children(recursive=True)}
            except psutil.NoSuchProcess:
                pass
        return [proc for proc in super()._processes() if proc.pid not in skip]


def catalog_file(path: Path, scale: float) -> tuple[Path, int]:
    """Every county table with ``scale`` of its lines; the entries and the lines asked."""
    lines = ["releases:", f"  {RELEASE}:"]
    asked = 0
    for name, table in county_scale.tables().items():
        codes = [line.code for line in table.lines][: max(1, math.ceil(len(table.lines) * scale))]
        asked += len(codes)
        lines.append(f"    - {{dataset: Regional, table: {name}, lines: {codes}, geo: COUNTY}}")
    path.write_text("\n".join(lines) + "\n")
    return path, asked


def materialize(env: dict[str, str], config: Path, names: list[str], release: date) -> float:
    """One stage as production runs it: `dagster asset materialize`, each step its own process."""
    started = time.monotonic()
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "asset",
            "materialize",
            "-m",
            "macro_assets.definitions",
            "--select",
            ",".join(names),
            "--partition",
            release.isoformat(),
            "-c",
            str(config),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=4 * 3600,
    )
    # Dagster's log of the stage, beside the warehouse: where a stage's time went, event by event.
    logs = Path(env["DAGSTER_HOME"]).parent / "logs"
    logs.mkdir(exist_ok=True)
    (logs / f"{release}-{names[0].replace('/', '_')}.log").write_text(done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"{','.join(names)} failed for {release}: {done.stderr[-3000:]}")
    return time.monotonic() - started


def latest_metadata(instance: dg.DagsterInstance, name: str, release: date) -> dict[str, Any]:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey.from_user_string(name), asset_partitions=[release.isoformat()]
        ),
        limit=1,
    ).records
    materialization = records[0].asset_materialization if records else None
    if materialization is None:
        return {}
    return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}


def run_stages(
    instance: dg.DagsterInstance, env: dict[str, str], config: Path, release: date, rss: PeakRss
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    stages: dict[str, dict[str, Any]] = {}
    for stage, assets in STAGES:
        rss.reset()
        seconds = materialize(env, config, assets, release)
        peak, who = rss.peak()
        meta = {a: latest_metadata(instance, a, release) for a in assets}
        rows = sum(int(m.get("release_row_count", m.get("dagster/row_count", 0)) or 0) for m in meta.values())
        stages[stage] = {
            "seconds": round(seconds, 2),
            "rows": rows,
            "peak_rss_mb": round(peak),
            "peak_rss_process": who,
        }
        print(f"{release} {stage:<8} {seconds:9.2f} s {rows:>12,} rows {peak:8.0f} MB ({who})", flush=True)
    return stages, latest_metadata(instance, "bea/bea_raw", release)


def copy_baseline(url: str, silver: Path, workdir: Path) -> dict[str, float]:
    """A plain COPY of silver's rows (streamed to CSV first) into an empty table with the key."""
    csv = workdir / "silver.csv"
    columns = [c for c in pl.read_parquet_schema(silver) if c != "release_date"]
    pl.scan_parquet(silver).select(columns).sink_csv(csv, include_header=False, null_value=r"\N")
    try:
        return copy_csv(url, csv, columns, pl.scan_parquet(silver).select(pl.len()).collect().item())
    finally:
        csv.unlink()


SERIES_SQL = (
    "SELECT time_period, value, value_status FROM bea.observations_as_of(:d) "
    "WHERE dataset = 'Regional' AND table_name = :t AND series_id = :s ORDER BY time_period"
)
MAP_SQL = (
    "SELECT geo_fips, value, value_status FROM bea.observations_as_of(:d) "
    "WHERE dataset = 'Regional' AND table_name = :t AND line_number = :l AND time_period = :y"
)


def as_of_reads(url: str, lake: LakeResource, seed: int = 17) -> dict[str, Any]:
    """p50/p95 of the two as-of reads in PostgreSQL, and of the same through DuckDB on the lake."""
    engine = sa.create_engine(normalise_url(url))
    rng = random.Random(seed)
    with engine.connect() as conn:
        shapes = conn.execute(
            sa.text(
                "SELECT table_name, line_number, min(time_period), max(time_period) FROM bea.observations "
                "WHERE dataset = 'Regional' GROUP BY 1, 2"
            )
        ).all()
        fips = [c.fips for c in counties.counties()]
        series = [
            (t, f"{line}|{rng.choice(fips)}") for t, line, _, _ in (rng.choice(shapes) for _ in range(200))
        ]
        maps = [
            (t, line, str(rng.randint(int(lo), int(hi))))
            for t, line, lo, hi in (rng.choice(shapes) for _ in range(50))
        ]
        conn.execute(sa.text(SERIES_SQL), {"d": AS_OF, "t": series[0][0], "s": series[0][1]}).all()  # warm
        pg_series, pg_map, found = [], [], 0
        for t, s in series:
            started = time.perf_counter()
            found += len(conn.execute(sa.text(SERIES_SQL), {"d": AS_OF, "t": t, "s": s}).all())
            pg_series.append((time.perf_counter() - started) * 1000)
        for t, line, y in maps:
            started = time.perf_counter()
            conn.execute(sa.text(MAP_SQL), {"d": AS_OF, "t": t, "l": line, "y": y}).all()
            pg_map.append((time.perf_counter() - started) * 1000)
        plan = (
            conn.execute(sa.text("EXPLAIN " + SERIES_SQL), {"d": AS_OF, "t": series[0][0], "s": series[0][1]})
            .scalars()
            .all()
        )
    engine.dispose()
    table = lake.table(normalise_url(url)).load()
    con = duck.connect(table)
    duck_series, duck_map = [], []
    lake_series = SERIES_SQL.replace(":d", "$d").replace(":t", "$t").replace(":s", "$s").replace("bea.", "")
    lake_map = MAP_SQL.replace(":d", "$d").replace(":t", "$t").replace(":l", "$l").replace(":y", "$y")
    lake_map = lake_map.replace("bea.", "")
    for t, s in series[:50]:
        started = time.perf_counter()
        con.execute(lake_series, {"d": AS_OF, "t": t, "s": s}).fetchall()
        duck_series.append((time.perf_counter() - started) * 1000)
    for t, line, y in maps[:20]:
        started = time.perf_counter()
        con.execute(lake_map, {"d": AS_OF, "t": t, "l": line, "y": y}).fetchall()
        duck_map.append((time.perf_counter() - started) * 1000)
    return {
        "asof_series_p50_ms": round(percentile(pg_series, 0.5), 2),
        "asof_series_p95_ms": round(percentile(pg_series, 0.95), 2),
        "asof_series_rows": found,
        "asof_map_p50_ms": round(percentile(pg_map, 0.5), 2),
        "asof_map_p95_ms": round(percentile(pg_map, 0.95), 2),
        "lake_asof_series_p95_ms": round(percentile(duck_series, 0.95), 2),
        "lake_asof_map_p95_ms": round(percentile(duck_map, 0.95), 2),
        "lake_asof_vs_warehouse": round(percentile(duck_series, 0.95) / percentile(pg_series, 0.95), 1),
        "lake_asof_map_vs_warehouse": round(percentile(duck_map, 0.95) / percentile(pg_map, 0.95), 1),
        "series_plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of each table's lines")
    parser.add_argument("--window", type=float, default=2.0, help="rate-limit window in seconds (BEA: 60)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "county.json")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mdi-bench-county-"))
    home = workdir / "home"
    home.mkdir()
    # Dagster's own storage in the home folder (SQLite), as `dagster dev` keeps it by default.
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    url, pg_pids, pg = start_postgres(workdir)
    catalog, lines_asked = catalog_file(workdir / "catalog.yaml", args.scale)
    lake = LakeResource(url=str(workdir / "lake"))
    config = workdir / "run.yaml"
    # The shortened window, told to the client as to the sandbox; the rest from the environment.
    config.write_text(
        f"resources:\n  bea:\n    config:\n      window_s: {args.window}\n      fetch_concurrency: 4\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BEA_", "DAGSTER_", "LAKE_", "MDI_"))}
    env.update(
        DAGSTER_HOME=str(home),
        DATABASE_URL=url,
        LAKE_URL=str(workdir / "lake"),
        MDI_CATALOG=str(catalog),
        BEA_API_KEY=KEY,
    )
    started = time.monotonic()
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            instance.add_dynamic_partitions(
                release_date_partitions.name, [r.isoformat() for r, _ in VINTAGES]
            )
            runs: list[dict[str, Any]] = []
            for release, now in VINTAGES:
                port = free_port()
                with sandbox(args.window, port, now, "--county-scale") as proc:
                    rss = OursPeakRss([proc.pid, *pg_pids])
                    env.update(
                        BEA_API_URL=f"http://127.0.0.1:{port}/api/data",
                        BEA_RELEASE_CALENDAR_URL=f"http://127.0.0.1:{port}/API/signup/release_dates.json",
                    )
                    stages, raw = run_stages(instance, env, config, release, rss)
                    rss.stop()
                engine = sa.create_engine(normalise_url(url))
                with engine.connect() as conn:
                    stored = conn.execute(sa.text("SELECT count(*) FROM bea.observations")).scalar_one()
                    conn.exec_driver_sql("CHECKPOINT")
                    size = conn.execute(
                        sa.text("SELECT pg_total_relation_size('bea.observations')")
                    ).scalar_one()
                engine.dispose()
                silver = Path(lake.url) / layout.silver_observations(release)
                minutes = max(raw["api_calls"] / BEA_REQUESTS_PER_MIN, raw["bytes"] / BEA_BYTES_PER_MIN)
                runs.append(
                    {
                        "release": release.isoformat(),
                        "observations": pl.scan_parquet(silver).select(pl.len()).collect().item(),
                        "stages": stages,
                        "stored_rows_after": stored,
                        "warehouse_bytes_after": size,
                        "silver_bytes": silver.stat().st_size,
                        "bronze_bytes": sum(
                            f.stat().st_size
                            for f in (Path(lake.url) / layout.bronze_prefix(release)).rglob("*")
                            if f.is_file()
                        ),
                        "capture": {
                            "planned_requests": raw.get("planned_requests"),
                            "api_calls": raw["api_calls"],
                            "plan_lookups": raw.get("plan_lookups"),
                            "bytes": raw["bytes"],
                            "minutes_at_bea_limits": round(minutes, 1),
                            "throttle_wait_s": raw.get("throttle_wait_s"),
                        },
                    }
                )
            first, second = runs
            copy = copy_baseline(url, Path(lake.url) / layout.silver_observations(VINTAGES[0][0]), workdir)
            reads = as_of_reads(url, lake)
        lake_files = sum(f.stat().st_size for f in (Path(lake.url) / "iceberg").rglob("*") if f.is_file())
        results = {
            "observations": first["observations"],
            "scale": args.scale,
            "lines_asked": lines_asked,
            "load_vs_copy": round(
                (first["observations"] / first["stages"]["load"]["seconds"]) / copy["rows_per_s"], 3
            ),
            "peak_rss_mb": max(s["peak_rss_mb"] for run in runs for s in run["stages"].values()),
            "second_vintage_storage_ratio": round(second["stored_rows_after"] / second["observations"], 4),
            "second_vintage_load_vs_first": round(
                second["stages"]["load"]["seconds"] / first["stages"]["load"]["seconds"], 3
            ),
            **{k: v for k, v in reads.items() if k != "series_plan"},
            "capture_first_vintage": first["capture"],
            "copy": {k: round(v, 2) for k, v in copy.items()},
            "lake_table_bytes": lake_files,
            "vintages": runs,
            "series_plan": reads["series_plan"],
            "window_s": args.window,
            "total_s": round(time.monotonic() - started, 1),
            "machine": machine(),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    finally:
        if pg is not None:
            pg.stop()
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if not isinstance(v, dict | list)}, indent=2))


if __name__ == "__main__":
    main()
