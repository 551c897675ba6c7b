"""bea_raw: one GetData answer per catalog table (per line for Regional), redacted at once and
landed in the lake for bronze to keep."""

import time
from datetime import UTC, date, datetime

import dagster as dg

from macro_assets import lake_layout
from macro_assets.assets.common import (
    BACKFILL_POLICY,
    GROUP,
    gzip_bytes,
    merge_metadata,
    releases_of,
    sha256,
    write_json,
)
from macro_assets.bea import harvest
from macro_assets.bea.envelope import Answer
from macro_assets.bea.errors import BeaSchemaError
from macro_assets.catalog import FetchUnit
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource


def land(lake: LakeResource, release: date, unit: FetchUnit, answer: Answer) -> dict:
    """Refuse a newer vintage than the release, write the redacted answer to landing, describe it."""
    if answer.last_revised > release:
        raise BeaSchemaError(
            f"{unit.label} is now served as revised on {answer.last_revised}, after release {release}: "
            "that vintage is gone from BEA's API"
        )
    key = lake_layout.landing_object(release, unit.table.dataset, unit.table.table, unit.line_code)
    lake.put(key, gzip_bytes(answer.raw))
    return {
        "dataset": unit.table.dataset,
        "table": unit.table.table,
        "line_code": unit.line_code,
        "release": unit.table.release,
        "key": key,
        "sha256": sha256(answer.raw),
        "bytes": len(answer.raw),
        "rows": answer.row_count,
        "http_status": answer.http_status,
        "last_revised": answer.last_revised.isoformat(),
        "utc_production_time": answer.utc_production_time.isoformat() if answer.utc_production_time else None,
        "fetched_at": datetime.now(UTC).isoformat(),
        "request": answer.params,
    }


@dg.asset(
    partitions_def=release_date_partitions,
    group_name=GROUP,
    kinds={"python", "json"},
    pool="bea_api",
    backfill_policy=BACKFILL_POLICY,
    description="BEA GetData answers for every catalog table, as served on the release date "
    "(API key redacted), landed in the lake for bronze to keep.",
)
def bea_raw(
    context: dg.AssetExecutionContext,
    bea: BeaApiResource,
    lake: LakeResource,
    catalog: CatalogResource,
) -> dg.MaterializeResult:
    releases = releases_of(context)
    tables = catalog.load().tables
    return dg.MaterializeResult(
        metadata=merge_metadata({r: fetch_release(context, r, bea, lake, tables) for r in releases})
    )


def fetch_release(
    context: dg.AssetExecutionContext, release: date, bea: BeaApiResource, lake: LakeResource, tables: tuple
) -> dict:
    if lake.exists(lake_layout.bronze_manifest(release)):
        # Bronze is the only copy of a past vintage: never fetch over it.
        context.log.info(f"bronze already holds release {release}; reusing the captured answers")
        return {"reused_bronze": True, "api_calls": 0}
    started = time.monotonic()
    context.log.info(f"planning {len(tables)} catalog tables for release {release} from {bea.describe()}")
    written: list[str] = []
    with bea.client() as client:
        try:
            units = harvest.plan(client, tables, bea.fetch_concurrency)
            context.log.info(f"fetching {len(units)} answers, {bea.fetch_concurrency} at a time")

            def on_answer(unit: FetchUnit, answer: Answer) -> dict:
                entry = land(lake, release, unit, answer)
                written.append(entry["key"])
                context.log.info(
                    f"[{len(written)}/{len(units)}] {unit.label}: {answer.row_count} rows, "
                    f"LastRevised {answer.last_revised}"
                )
                return entry

            entries = harvest.fetch(client, units, on_answer, bea.fetch_concurrency)
        except Exception:
            # Landing is transient, but a failed run should not leave half a release in it.
            for key in written:
                lake.delete(key)
            raise
        stats = {
            "api_calls": client.calls,
            "retries": client.retries,
            "throttle_wait_s": round(client.throttled_s, 3),
            "http_429": client.http_429,
        }
    write_json(
        lake,
        lake_layout.landing_manifest(release),
        {
            "release_date": release.isoformat(),
            "run_id": context.run_id,
            "objects": entries,
        },
    )
    return {
        "tables": len(tables),
        "answers": len(entries),
        "dagster/row_count": sum(e["rows"] for e in entries),
        "bytes": sum(e["bytes"] for e in entries),
        **stats,
        "duration_s": round(time.monotonic() - started, 3),
        "last_revised": dg.MetadataValue.json(
            {f"{e['dataset']}/{e['table']}": e["last_revised"] for e in entries}
        ),
    }
