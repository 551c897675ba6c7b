"""Benchmark: rows stored for twelve vintages, against the rows of one.

Steps the BEA sandbox through twelve consecutive releases of the default catalog, captures
each (bea_raw → gold), loads them all into a fresh embedded PostgreSQL, and prints the rows
stored, the rows of one vintage, their ratio, and the share of values each release revised.
Not a test: nothing here asserts.

    .venv/bin/python bench/vintage_storage.py [--vintages 12] [--out bench/vintage_storage.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
import polars as pl
import sqlalchemy as sa

from bea_sandbox.clock import SERVED_AFTER, SteppedClock
from bea_sandbox.limits import Limits
from bea_sandbox.schedule import release_schedule
from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.definitions import ASSETS
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource, embedded_url

KEY = "BE4C0000-0000-4000-8000-0000000000v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vintages", type=int, default=12)
    parser.add_argument("--first", default="2026-01-01", help="first release date to capture")
    parser.add_argument("--out", type=Path, default=Path("bench/vintage_storage.json"))
    args = parser.parse_args()

    first = datetime.fromisoformat(args.first).date()
    names = CatalogResource().load().release_names
    catalog_times = sorted(t for name, times in release_schedule().items() if name in names for t in times)
    moments: dict[str, datetime] = {}
    for t in catalog_times:
        if t.date() >= first and len(moments) < args.vintages:
            moments.setdefault(t.date().isoformat(), t)
    work = Path(tempfile.mkdtemp(prefix="mdi-bench-"))
    lake = LakeResource(url=str(work / "lake"))
    warehouse = WarehouseResource(database_url=embedded_url(work / "pg"))
    clock = SteppedClock(next(iter(moments.values())))
    started = time.monotonic()
    # BEA's limits on a 2-second window: this benchmark measures storage, not BEA's rate limit.
    settings = SandboxSettings(clock=clock, limits=Limits(window_s=2.0))
    with Sandbox(settings=settings) as sandbox, dg.instance_for_test() as instance:
        bea = BeaApiResource(
            api_key=KEY, api_url=sandbox.api_url, calendar_url=sandbox.calendar_url, window_s=2.0
        )
        resources = {
            "bea": bea,
            "lake": lake,
            "warehouse": warehouse,
            "catalog": CatalogResource(),
        }
        instance.add_dynamic_partitions(release_date_partitions.name, list(moments))
        for key, moment in moments.items():
            clock._now = moment + SERVED_AFTER  # noqa: SLF001 - step the sandbox to this release
            result = dg.materialize(ASSETS, partition_key=key, instance=instance, resources=resources)
            assert result.success, key
            print(f"captured and loaded release {key}", flush=True)
    elapsed = time.monotonic() - started
    newest = max(moments)
    one_vintage = pl.read_parquet(work / "lake" / f"silver/release_date={newest}/observations.parquet").height
    engine = sa.create_engine(warehouse.database_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM bea.observations")).scalar_one()
        per_release = conn.execute(
            sa.text(
                "SELECT r.release_date, sum(r.row_count), "
                "(SELECT count(*) FROM bea.observations o WHERE o.published_in = r.release_date) "
                "FROM bea.release_tables r WHERE r.dataset <> 'gold' GROUP BY r.release_date ORDER BY 1"
            )
        ).all()
    engine.dispose()
    shares = [new / rows for _, rows, new in per_release[1:]]
    result = {
        "vintages": len(moments),
        "releases": list(moments),
        "rows_one_vintage": one_vintage,
        "rows_stored": stored,
        "stored_vs_one_vintage": round(stored / one_vintage, 3),
        "mean_share_new_or_revised_per_release": round(sum(shares) / len(shares), 4) if shares else 0.0,
        "seconds": round(elapsed, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
