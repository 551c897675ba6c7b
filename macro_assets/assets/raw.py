"""bea_raw: one GetData answer per catalog table, redacted at once and landed in the lake."""

import time
from datetime import UTC, datetime

import dagster as dg

from macro_assets import lake_layout
from macro_assets.assets.common import GROUP, gzip_bytes, release_of, sha256, write_json
from macro_assets.bea.errors import BeaBadRequestError, BeaSchemaError
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource


@dg.asset(
    partitions_def=release_date_partitions,
    group_name=GROUP,
    kinds={"python", "json"},
    pool="bea_api",
    description="BEA GetData answers for every catalog table, as served on the release date "
    "(API key redacted), landed in the lake for bronze to keep.",
)
def bea_raw(
    context: dg.AssetExecutionContext,
    bea: BeaApiResource,
    lake: LakeResource,
    catalog: CatalogResource,
) -> dg.MaterializeResult:
    release = release_of(context.partition_key)
    tables = catalog.load().tables
    if lake.exists(lake_layout.bronze_manifest(release)):
        # Bronze is the only copy of a past vintage: never fetch over it.
        context.log.info(f"bronze already holds release {release}; reusing the captured answers")
        return dg.MaterializeResult(metadata={"reused_bronze": True, "api_calls": 0})
    started = time.monotonic()
    context.log.info(f"fetching {len(tables)} tables for release {release} from {bea.describe()}")
    entries = []
    with bea.client() as client:
        for dataset in sorted({t.dataset for t in tables}):
            known = client.table_names(dataset)
            unknown = [t.table for t in tables if t.dataset == dataset and t.table not in known]
            if unknown:
                raise BeaBadRequestError(
                    f"catalog table {dataset}/{unknown[0]} is unknown to BEA's {dataset}"
                )
        for i, table in enumerate(tables, start=1):
            answer = client.get_data(table.dataset, table.table, **table.request_params)
            if answer.last_revised > release:
                raise BeaSchemaError(
                    f"{table.dataset}/{table.table} is now served as revised on {answer.last_revised}, "
                    f"after release {release}: that vintage is gone from BEA's API"
                )
            key = lake_layout.landing_object(release, table.dataset, table.table)
            lake.put(key, gzip_bytes(answer.raw))
            entries.append(
                {
                    "dataset": table.dataset,
                    "table": table.table,
                    "release": table.release,
                    "key": key,
                    "sha256": sha256(answer.raw),
                    "bytes": len(answer.raw),
                    "rows": answer.row_count,
                    "http_status": answer.http_status,
                    "last_revised": answer.last_revised.isoformat(),
                    "utc_production_time": answer.utc_production_time.isoformat()
                    if answer.utc_production_time
                    else None,
                    "fetched_at": datetime.now(UTC).isoformat(),
                    "request": answer.params,
                }
            )
            context.log.info(
                f"[{i}/{len(tables)}] {table.dataset}/{table.table}: {answer.row_count} rows, "
                f"LastRevised {answer.last_revised}"
            )
        calls, retries = client.calls, client.retries
    write_json(
        lake,
        lake_layout.landing_manifest(release),
        {
            "release_date": release.isoformat(),
            "run_id": context.run_id,
            "objects": entries,
        },
    )
    return dg.MaterializeResult(
        metadata={
            "tables": len(entries),
            "dagster/row_count": sum(e["rows"] for e in entries),
            "bytes": sum(e["bytes"] for e in entries),
            "api_calls": calls,
            "retries": retries,
            "duration_s": round(time.monotonic() - started, 3),
            "last_revised": dg.MetadataValue.json(
                {f"{e['dataset']}/{e['table']}": e["last_revised"] for e in entries}
            ),
        }
    )
