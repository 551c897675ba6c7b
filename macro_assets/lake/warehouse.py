"""The warehouse's load of one release from the lake: silver and gold folded into PostgreSQL,
what bronze's manifest knows of each table beside them, then the warehouse's checks."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import sqlalchemy as sa

from macro_assets.checks import Outcome
from macro_assets.checks import warehouse as warehouse_checks
from macro_assets.lake import layout
from macro_assets.lake import silver as silver_module
from macro_assets.lake.codecs import file_sha256, sha256
from macro_assets.lake.log import Log
from macro_assets.lake.manifest import Entry, Manifest, read_manifest
from macro_assets.lake.stores import Store
from macro_assets.transform.indicators import INDICATORS
from macro_assets.warehouse.audit import Audit, LoadCounts, TableInfo
from macro_assets.warehouse.load import ReleaseData, ReleaseInput, Rows, load_release
from macro_assets.warehouse.targets import TARGETS, TableRef


@dataclass(frozen=True)
class Loaded:
    """What a load did, per target ("observations", "indicators"), and the checks' outcomes."""

    counts: dict[str, LoadCounts]
    # Rows of the release in silver and gold, per target.
    release_rows: dict[str, int]
    # Rows of each warehouse table after the load, every vintage included.
    table_rows: dict[str, int]
    outcomes: list[Outcome]


def table_infos(manifest: Manifest, lake: Store) -> dict[TableRef, TableInfo]:
    """Per table, from the bronze manifest: BEA's release name, the newest LastRevised of its
    answers, and the answers themselves; per indicator, those of the table it is computed from."""
    objects: dict[TableRef, list[Entry]] = {}
    for entry in manifest.objects:
        objects.setdefault((entry.dataset, entry.table), []).append(entry)
    infos: dict[TableRef, TableInfo] = {}
    for table, entries in objects.items():
        infos[table] = TableInfo(
            bea_release=entries[0].release,
            last_revised=max(e.last_revised for e in entries),
            title=next((e.title for e in sorted(entries, key=lambda e: e.key) if e.title), None),
            bronze_objects=tuple(
                {
                    "uri": lake.uri(e.key),
                    "sha256": e.sha256,
                    "last_revised": e.last_revised.isoformat(),
                    "line_code": e.line_code,
                }
                for e in sorted(entries, key=lambda e: e.key)
            ),
        )
    for indicator in INDICATORS:
        source = next((info for (_, t), info in infos.items() if t == indicator.table_name), None)
        if source is not None:
            infos[("gold", indicator.name)] = source
    return infos


def load(lake: Store, engine: sa.Engine, release: date, audit: Audit, log: Log) -> Loaded:
    manifest = read_manifest(lake, layout.bronze_manifest(release))
    with tempfile.TemporaryDirectory(prefix="mdi-load-") as tmp:
        # Local files for DuckDB: the lake's own in a local lake, downloaded copies from S3.
        folder = Path(tmp)
        silver = lake.local_path(layout.silver_observations(release), folder)
        gold = lake.local_path(layout.gold_indicators(release), folder)
        silver_sha256 = file_sha256(silver)
        recorded = silver_module.table_digests(lake, release, silver_sha256)

        def earlier(day: date) -> Rows | None:
            """An earlier release's silver, if the lake holds it."""
            key = layout.silver_observations(day)
            if not lake.exists(key):
                return None
            path = lake.local_path(key, folder)
            return Rows(path, silver_module.table_digests(lake, day, file_sha256(path)))

        counts = load_release(
            engine,
            ReleaseInput(
                release,
                lambda: ReleaseData(Rows(silver, recorded), Rows(gold)),
                tables=table_infos(manifest, lake),
                audit=audit,
                inputs_sha256=sha256((silver_sha256 + file_sha256(gold)).encode()),
                source=manifest.source,  # type: ignore[arg-type]
                earlier=earlier,
            ),
        )
        for target, c in counts.items():
            log.info(
                f"bea.{target}: {c.inserted} rows inserted, {c.closed} closed (revised or dropped), "
                f"{c.extended} extended, {c.unchanged} unchanged; {c.unchanged_tables} of {c.tables} "
                f"tables unchanged; {c.staged} rows staged for the fold"
            )
        expected = {f"{d}/{t}": found.rows for (d, t), found in recorded.items()} if recorded else None
        if expected is None:
            expected = warehouse_checks.silver_rows(pl.scan_parquet(silver))
        release_rows = {
            "observations": pq.read_metadata(silver).num_rows,
            "indicators": pq.read_metadata(gold).num_rows,
        }
    started = time.monotonic()
    outcomes = warehouse_checks.warehouse_checks(engine, release, expected)
    log.info(f"warehouse checks of {release}: {len(outcomes)} outcomes in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    with engine.connect() as conn:
        table_rows = {
            name: conn.execute(sa.text(f"SELECT count(*) FROM {target.table}")).scalar_one()  # noqa: S608
            for name, target in TARGETS.items()
        }
    log.info(f"rows stored after {release}: {table_rows} (counted in {time.monotonic() - started:.1f} s)")
    return Loaded(counts, release_rows, table_rows, outcomes)
