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
from macro_assets.bea.errors import BeaSchemaError, BeaUnavailableError
from macro_assets.catalog import FetchUnit
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource


def land(
    lake: LakeResource, release: date, unit: FetchUnit, answer: Answer, publishing: set[str], run_id: str
) -> dict | None:
    """Write the redacted answer to landing and describe it, if it is the vintage in force on the
    release date; None for a table BEA has revised since (that day's vintage is gone).

    A table of a release published that day with an older vintage means BEA does not serve the
    release yet: fail, to be tried later, rather than store old numbers under the new date."""
    if answer.last_revised > release:
        return None
    if unit.table.release in publishing and answer.last_revised < release:
        raise BeaUnavailableError(
            f"BEA does not serve {unit.table.release} of {release} yet: {unit.label} is still the vintage "
            f"of {answer.last_revised}; run again later (the release sensor waits for it)"
        )
    key = lake_layout.landing_object(release, run_id, unit.table.dataset, unit.table.table, unit.line_code)
    stored = gzip_bytes(answer.raw)
    lake.put(key, stored)
    return {
        "dataset": unit.table.dataset,
        "table": unit.table.table,
        "line_code": unit.line_code,
        "release": unit.table.release,
        "key": key,
        "sha256": sha256(answer.raw),
        "object_sha256": sha256(stored),
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
    skipped: list[str] = []
    gone: dict[str, str] = {}
    publishing = {
        name for name, stamps in bea.release_calendar().items() if any(s.date() == release for s in stamps)
    }
    with bea.client() as client:
        try:
            units = harvest.plan(client, tables, bea.fetch_concurrency)
            context.log.info(f"fetching {len(units)} answers, {bea.fetch_concurrency} at a time")

            def on_answer(unit: FetchUnit, answer: Answer) -> dict | None:
                entry = land(lake, release, unit, answer, publishing, context.run_id)
                if entry is None:
                    skipped.append(f"{unit.label} (LastRevised {answer.last_revised})")
                    if unit.table.release in publishing:
                        gone.setdefault(
                            unit.table.release,
                            f"{unit.label} is now served as revised on "
                            f"{answer.last_revised}, after release {release}",
                        )
                    context.log.warning(
                        f"{unit.label} was revised on {answer.last_revised}, after {release}: "
                        "its vintage of that day is gone; not captured"
                    )
                    return None
                written.append(entry["key"])
                context.log.info(
                    f"[{len(written)}/{len(units)}] {unit.label}: {answer.row_count} rows, "
                    f"LastRevised {answer.last_revised}"
                )
                return entry

            entries = [e for e in harvest.fetch(client, units, on_answer, bea.fetch_concurrency) if e]
            published_here = {t.release for t in tables} & publishing
            if not entries or (gone and not published_here - set(gone)):
                # Nothing published that day can be captured any more: say so, store nothing.
                first = next(iter(gone.values()), f"no table still carries the vintage of {release}")
                raise BeaSchemaError(f"{first}: that vintage is gone from BEA's API")
            for name, detail in gone.items():
                context.log.warning(
                    f"{name} of {release} is gone from BEA's API ({detail}); captured the rest"
                )
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
            "skipped": sorted(skipped),
        },
    )
    return {
        "tables": len(tables),
        "answers": len(entries),
        "skipped_superseded": len(skipped),
        "dagster/row_count": sum(e["rows"] for e in entries),
        "bytes": sum(e["bytes"] for e in entries),
        **stats,
        "duration_s": round(time.monotonic() - started, 3),
        "last_revised": dg.MetadataValue.json(
            {f"{e['dataset']}/{e['table']}": e["last_revised"] for e in entries}
        ),
    }
