"""The warehouse's load of one release from the lake: silver and gold folded into PostgreSQL,
what bronze's manifest knows of each table beside them, then the warehouse's checks."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import polars as pl
import pyarrow.parquet as pq
import sqlalchemy as sa

from macro_assets.checks import Outcome
from macro_assets.checks import warehouse as warehouse_checks
from macro_assets.lake import layout
from macro_assets.lake.codecs import sha256
from macro_assets.lake.log import Log
from macro_assets.lake.manifest import Entry, Manifest, read_manifest
from macro_assets.lake.stores import Store
from macro_assets.transform.indicators import INDICATORS
from macro_assets.warehouse.audit import Audit, LoadCounts, TableInfo
from macro_assets.warehouse.load import ReleaseData, ReleaseInput, load_release
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
    silver_bytes = lake.get(layout.silver_observations(release))
    gold_bytes = lake.get(layout.gold_indicators(release))
    manifest = read_manifest(lake, layout.bronze_manifest(release))

    # Read only if the load needs them: a release already loaded from these very files is
    # recognised first, and its checks count silver's two key columns.
    def read() -> ReleaseData:
        return ReleaseData(pl.read_parquet(io.BytesIO(silver_bytes)), pl.read_parquet(io.BytesIO(gold_bytes)))

    counts = load_release(
        engine,
        ReleaseInput(
            release,
            read,
            tables=table_infos(manifest, lake),
            audit=audit,
            inputs_sha256=sha256((sha256(silver_bytes) + sha256(gold_bytes)).encode()),
            source=manifest.source,  # type: ignore[arg-type]
        ),
    )
    for target, c in counts.items():
        log.info(
            f"bea.{target}: {c.inserted} rows inserted, {c.closed} closed (revised or dropped), "
            f"{c.extended} extended, {c.unchanged} unchanged; {c.unchanged_tables} of {c.tables} "
            "tables unchanged"
        )
    outcomes = warehouse_checks.warehouse_checks(engine, release, pl.scan_parquet(io.BytesIO(silver_bytes)))
    release_rows = {
        "observations": pq.read_metadata(io.BytesIO(silver_bytes)).num_rows,
        "indicators": pq.read_metadata(io.BytesIO(gold_bytes)).num_rows,
    }
    with engine.connect() as conn:
        table_rows = {
            name: conn.execute(sa.text(f"SELECT count(*) FROM {target.table}")).scalar_one()  # noqa: S608
            for name, target in TARGETS.items()
        }
    return Loaded(counts, release_rows, table_rows, outcomes)
