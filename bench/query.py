"""Benchmark: the analysts' questions on the full-NIPA warehouse with twelve vintages.

Steps the BEA sandbox's full-scale NIPA (the 260 tables of bench/full_scale.py, about 2.6 million
observations a vintage) through twelve consecutive GDP releases, captures and loads each into a
fresh embedded PostgreSQL, then times the questions of ``macro_assets.query`` through the Python
API and through HTTP (``mdi serve``'s app on uvicorn, JSON): one series as of a date, every
vintage of a series, and a release diff (one table, as the page asks it; and the whole release).
Writes bench/query.json. Not a test: nothing here asserts.

    .venv/bin/python bench/query.py [--vintages 12] [--samples 200] [--out bench/query.json]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import requests
import sqlalchemy as sa
import uvicorn
from full_scale import catalog_file, free_port, machine, percentile  # type: ignore[import-not-found]

from bea_sandbox import fullscale
from bea_sandbox.clock import SERVED_AFTER, SteppedClock
from bea_sandbox.limits import Limits
from bea_sandbox.schedule import GDP, release_schedule
from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.definitions import ASSETS
from macro_assets.partitions import release_date_partitions
from macro_assets.query import observations, release_diff, release_summary
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource, embedded_url
from macro_assets.serve.app import create_app, read_only_engine

ROOT = Path(__file__).resolve().parents[1]
KEY = "BE4C0000-0000-4000-8000-0000000q0e18"
TARGETS_MS = {"series": 50, "release_diff": 500}


def capture(
    work: Path, vintages: int, first: date, window: float, tables: int
) -> tuple[str, list[date], list[float]]:
    """Twelve (``vintages``) GDP releases of full-scale NIPA, each captured as the sandbox served
    it that day and loaded; the warehouse's URL, the release dates and each run's seconds."""
    moments = [t for t in release_schedule()[GDP] if t.date() >= first][:vintages]
    lake = LakeResource(url=str(work / "lake"))
    warehouse = WarehouseResource(database_url=embedded_url(work / "pg"))
    catalog = CatalogResource(path=str(catalog_file(work / "catalog.yaml", tables)))
    clock = SteppedClock(moments[0])
    settings = SandboxSettings(clock=clock, limits=Limits(window_s=window))
    seconds = []
    with Sandbox(settings=settings) as sandbox, dg.instance_for_test() as instance:
        bea = BeaApiResource(
            api_key=KEY,
            api_url=sandbox.api_url,
            calendar_url=sandbox.calendar_url,
            window_s=window,
            fetch_concurrency=8,
        )
        resources = {"bea": bea, "lake": lake, "warehouse": warehouse, "catalog": catalog}
        keys = [m.date().isoformat() for m in moments]
        instance.add_dynamic_partitions(release_date_partitions.name, keys)
        for key, moment in zip(keys, moments, strict=True):
            clock._now = moment + SERVED_AFTER  # noqa: SLF001 - step the sandbox to this release
            started = time.monotonic()
            result = dg.materialize(ASSETS, partition_key=key, instance=instance, resources=resources)
            assert result.success, key
            seconds.append(round(time.monotonic() - started, 1))
            print(f"captured and loaded release {key} in {seconds[-1]} s", flush=True)
    return warehouse.database_url, [m.date() for m in moments], seconds


def timed(ask: Callable[[], Any], times: int = 1) -> list[float]:
    """Milliseconds of each of ``times`` calls."""
    out = []
    for _ in range(times):
        started = time.perf_counter()
        ask()
        out.append((time.perf_counter() - started) * 1000)
    return out


def figures(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1)}


def questions(
    releases: list[date], samples: int, tables: list[str], seed: int = 18
) -> dict[str, list[dict[str, str]]]:
    """The same random questions for both paths: series as of random days, series' every
    vintage, one table's diff and a whole release's diff for each release after the first."""
    rng = random.Random(seed)
    days = (date.today() - releases[0]).days

    def series() -> str:
        return f"NIPA/{rng.choice(tables)}/{rng.randint(1, fullscale.LINES)}"

    later = [r.isoformat() for r in releases[1:]]
    return {
        "as_of": [
            {"series": series(), "as_of": (releases[0] + timedelta(days=rng.randint(0, days))).isoformat()}
            for _ in range(samples)
        ],
        "all_vintages": [{"series": series(), "output": "all"} for _ in range(samples)],
        "release_diff_table": [
            {"release": r, "dataset": "NIPA", "table_name": rng.choice(tables)}
            for r in later
            for _ in range(5)
        ],
        "release_diff_release": [{"release": r} for r in later],
        # What the page asks of a release: the counts per table, and each table's largest.
        "release_summary": [{"release": r} for r in later for _ in range(3)],
        "release_diff_top": [{"release": r, "per_table": "25"} for r in later for _ in range(3)],
    }


def python_path(engine: sa.Engine, asked: dict[str, list[dict[str, str]]]) -> dict[str, dict[str, float]]:
    def diff(q: dict[str, str]) -> Callable[[], Any]:
        per_table = int(q["per_table"]) if "per_table" in q else None
        return lambda: release_diff(
            engine,
            q["release"],
            dataset=q.get("dataset"),
            table_name=q.get("table_name"),
            per_table=per_table,
        )

    def summary(q: dict[str, str]) -> Callable[[], Any]:
        return lambda: release_summary(engine, q["release"])

    return {
        "as_of": figures([t for q in asked["as_of"] for t in timed(lambda q=q: observations(engine, **q))]),
        "all_vintages": figures(
            [t for q in asked["all_vintages"] for t in timed(lambda q=q: observations(engine, **q))]
        ),
        "release_diff_table": figures([t for q in asked["release_diff_table"] for t in timed(diff(q))]),
        "release_diff_release": figures([t for q in asked["release_diff_release"] for t in timed(diff(q))]),
        "release_summary": figures([t for q in asked["release_summary"] for t in timed(summary(q))]),
        "release_diff_top": figures([t for q in asked["release_diff_top"] for t in timed(diff(q))]),
    }


def http_path(base: str, asked: dict[str, list[dict[str, str]]]) -> dict[str, dict[str, float]]:
    session = requests.Session()

    def get(path: str, params: dict[str, str]) -> Callable[[], Any]:
        def ask() -> None:
            answer = session.get(base + path, params=params, timeout=120)
            answer.raise_for_status()
            answer.content  # noqa: B018 - the whole body, as a client reads it

        return ask

    def diff(q: dict[str, str]) -> Callable[[], Any]:
        rest = {k: v for k, v in q.items() if k != "release"}
        # The whole release in one answer: the API's cap is 100,000 rows a request.
        return get(f"/api/releases/{q['release']}/diff", {**rest, "limit": "100000"})

    return {
        "as_of": figures([t for q in asked["as_of"] for t in timed(get("/api/observations", q))]),
        "all_vintages": figures(
            [t for q in asked["all_vintages"] for t in timed(get("/api/observations", q))]
        ),
        "release_diff_table": figures([t for q in asked["release_diff_table"] for t in timed(diff(q))]),
        "release_diff_release": figures([t for q in asked["release_diff_release"] for t in timed(diff(q))]),
        # The same whole-release answers as CSV (the page's download format): JSON spells every
        # column's name in every row (37 MB against 14 MB for 100,000 rows).
        "release_diff_release_csv": figures(
            [t for q in asked["release_diff_release"] for t in timed(diff({**q, "format": "csv"}))]
        ),
        "release_summary": figures(
            [
                t
                for q in asked["release_summary"]
                for t in timed(get(f"/api/releases/{q['release']}/summary", {}))
            ]
        ),
        "release_diff_top": figures([t for q in asked["release_diff_top"] for t in timed(diff(q))]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vintages", type=int, default=12)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--tables", type=int, default=fullscale.COUNT, help="full-scale NIPA tables")
    parser.add_argument("--first", default="2025-11-01", help="capture GDP releases from this date")
    parser.add_argument("--window", type=float, default=2.0, help="BEA's rate window in seconds (60)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "query.json")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="ask again the warehouse an earlier run left (its JSON names the folder) instead of "
        "capturing anew; the captures' figures are that run's",
    )
    args = parser.parse_args()

    started = time.monotonic()
    if args.reuse:
        earlier = json.loads(args.reuse.read_text())
        work = Path(earlier["workdir"])
        url = embedded_url(work / "pg")
        releases = [date.fromisoformat(r) for r in earlier["releases"]]
        load_seconds = earlier["capture_and_load_seconds"]
    else:
        work = Path(tempfile.mkdtemp(prefix="mdi-bench-query-"))
        url, releases, load_seconds = capture(
            work, args.vintages, date.fromisoformat(args.first), args.window, args.tables
        )
    engine = read_only_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM bea.observations")).scalar_one()
        changed = conn.execute(
            sa.text("SELECT count(*) FROM bea.observations WHERE published_in = :r OR replaced_in = :r"),
            {"r": releases[-1]},
        ).scalar_one()
    asked = questions(releases, args.samples, fullscale.names(args.tables))
    # Warm the cache, as a server that has been answering would be: the first questions of each
    # kind, and every release's whole diff once (it reads every page a release changed: asked
    # cold, after other work has pushed them out of the OS's cache, the annual update's takes
    # ~1.5 s here instead of ~0.4, and whichever path asks first would pay it).
    python_path(engine, {k: v if k == "release_diff_release" else v[:5] for k, v in asked.items()})
    by_python = python_path(engine, asked)
    print("python:", json.dumps(by_python), flush=True)

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    by_http = http_path(f"http://127.0.0.1:{port}", asked)
    server.should_exit = True
    thread.join(10)
    print("http:", json.dumps(by_http), flush=True)
    engine.dispose()

    result = {
        "measured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "command": "make bench-query" + (f" (asked again: --reuse {args.reuse})" if args.reuse else ""),
        "tables": args.tables,
        "vintages": len(releases),
        "releases": [r.isoformat() for r in releases],
        "rows_stored": stored,
        "rows_started_or_ended_by_last_release": changed,
        "capture_and_load_seconds": load_seconds,
        "python": by_python,
        "http": by_http,
        "targets_p95_ms": TARGETS_MS,
        "series_p95_ms_worst": max(
            by_python["as_of"]["p95_ms"],
            by_python["all_vintages"]["p95_ms"],
            by_http["as_of"]["p95_ms"],
            by_http["all_vintages"]["p95_ms"],
        ),
        "release_diff_table_p95_ms_worst": max(
            by_python["release_diff_table"]["p95_ms"], by_http["release_diff_table"]["p95_ms"]
        ),
        "release_page_p95_ms_worst": max(
            by_python["release_summary"]["p95_ms"],
            by_http["release_summary"]["p95_ms"],
            by_python["release_diff_top"]["p95_ms"],
            by_http["release_diff_top"]["p95_ms"],
        ),
        "seconds": round(time.monotonic() - started, 1),
        "workdir": str(work),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
