"""postgres_tables: silver and gold loaded into PostgreSQL, idempotently per release."""

import io
import time
from datetime import date

import dagster as dg
import polars as pl
import pyarrow.parquet as pq

from macro_assets.assets.gold import gold
from macro_assets.assets.results import BACKFILL_POLICY, GROUP, check_results, merge_metadata, releases_of
from macro_assets.checks import Outcome
from macro_assets.checks import warehouse as warehouse_checks
from macro_assets.lake import layout
from macro_assets.lake.codecs import sha256
from macro_assets.lake.manifest import Entry, Manifest, read_manifest
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import TRANSIENT, WarehouseResource, unavailable
from macro_assets.transform.indicators import INDICATORS
from macro_assets.version import code_version
from macro_assets.warehouse.load import Audit, TableInfo, load_release


def table_infos(manifest: Manifest, lake: LakeResource) -> dict[tuple[str, str], TableInfo]:
    """Per table, from the bronze manifest: BEA's release name, the newest LastRevised of its
    answers, and the answers themselves; per indicator, those of the table it is computed from."""
    objects: dict[tuple[str, str], list[Entry]] = {}
    for entry in manifest.objects:
        objects.setdefault((entry.dataset, entry.table), []).append(entry)
    infos: dict[tuple[str, str], TableInfo] = {}
    for unit, entries in objects.items():
        infos[unit] = TableInfo(
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
    for ind in INDICATORS:
        source = next((info for (_, t), info in infos.items() if t == ind.table_name), None)
        if source is not None:
            infos[("gold", ind.name)] = source
    return infos


@dg.asset(
    partitions_def=release_date_partitions,
    backfill_policy=BACKFILL_POLICY,
    deps=[gold],
    group_name=GROUP,
    kinds={"postgres"},
    description="bea.observations and bea.indicators, keeping every vintage without repeating "
    "unrevised values: COPY into staging, then a fold per table, in one transaction; "
    "releases load in any order and re-running one changes nothing.",
    check_specs=[dg.AssetCheckSpec(name, asset="postgres_tables") for name in warehouse_checks.CHECK_NAMES],
)
def postgres_tables(
    context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    try:
        per_release = {r: postgres_tables_release(context, r, lake, warehouse) for r in releases_of(context)}
    except TRANSIENT as exc:
        # Each release loads in one transaction: what failed rolled back, and a retry redoes
        # only what is missing (loaded releases are recognised and skipped).
        error = unavailable(exc, warehouse.describe())
        context.log.warning(
            f"{error}; retry {context.retry_number + 1} of {warehouse.unavailable_retries} "
            f"in {warehouse.unavailable_wait_s:g} s"
        )
        raise dg.RetryRequested(
            max_retries=warehouse.unavailable_retries, seconds_to_wait=warehouse.unavailable_wait_s
        ) from error
    return dg.MaterializeResult(
        metadata=merge_metadata({r: meta for r, (meta, _) in per_release.items()}),
        check_results=check_results([o for _, o in per_release.values()], "postgres_tables"),
    )


def postgres_tables_release(
    context: dg.AssetExecutionContext, release: date, lake: LakeResource, warehouse: WarehouseResource
) -> tuple[dict, list[Outcome]]:
    silver_bytes = lake.get(layout.silver_observations(release))
    gold_bytes = lake.get(layout.gold_indicators(release))
    inputs = sha256((sha256(silver_bytes) + sha256(gold_bytes)).encode())

    # Read only if the load needs them: a release already loaded from these very files is
    # recognised first, and its checks count silver's two key columns.
    def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
        return pl.read_parquet(io.BytesIO(silver_bytes)), pl.read_parquet(io.BytesIO(gold_bytes))

    silver_scan = pl.scan_parquet(io.BytesIO(silver_bytes))
    manifest = read_manifest(lake, layout.bronze_manifest(release))
    infos = table_infos(manifest, lake)
    started = time.monotonic()
    engine = warehouse.engine()
    try:
        audit = Audit(run_id=context.run_id, asset="postgres_tables", code_version=code_version())
        counts = load_release(
            engine, release, frames, None, infos, audit, source_sha256=inputs, source=manifest.source
        )
        outcomes = warehouse_checks.warehouse_checks(engine, release, silver_scan)
    finally:
        engine.dispose()
    metadata: dict[str, object] = {
        "dagster/row_count": sum(
            pq.read_metadata(io.BytesIO(b)).num_rows for b in (silver_bytes, gold_bytes)
        ),
        "code_version": audit.code_version,
        # Values of an earlier vintage this release revised or dropped: BEA's revisions found.
        "revisions_found": sum(c.closed for c in counts.values()),
    }
    for table, c in counts.items():
        context.log.info(
            f"bea.{table}: {c.inserted} rows inserted, {c.closed} closed (revised or dropped), "
            f"{c.extended} extended, {c.unchanged} unchanged; {c.unchanged_tables} of {c.tables} "
            "tables unchanged"
        )
        metadata.update({f"{table}_{k}": v for k, v in vars(c).items()})
    metadata["duration_s"] = round(time.monotonic() - started, 3)
    return metadata, outcomes
