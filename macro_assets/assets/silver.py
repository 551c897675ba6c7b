"""silver: one typed long table of observations per release (polars → parquet)."""

import gzip
import json
from datetime import date

import dagster as dg
import polars as pl

from macro_assets import lake_layout
from macro_assets.assets.bronze import bronze
from macro_assets.assets.common import (
    BACKFILL_POLICY,
    GROUP,
    check_results,
    merge_metadata,
    preview,
    record_derivation,
    releases_of,
    reuse_if_current,
    sha256,
    timed,
    write_parquet,
)
from macro_assets.bea.errors import BeaSchemaError
from macro_assets.checks import Outcome
from macro_assets.checks import silver as silver_checks
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.lake import LakeResource
from macro_assets.transform.observations import SCHEMA, answer_frame, empty_frame


def column_schema() -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, str(dtype)) for name, dtype in SCHEMA.items()])


@dg.asset(
    partitions_def=release_date_partitions,
    backfill_policy=BACKFILL_POLICY,
    deps=[bronze],
    group_name=GROUP,
    kinds={"polars", "parquet"},
    description="Observations: (dataset, table_name, line_number, geo_fips, time_period) → value or marker.",
    # Blocking: observations that break the contract must not reach gold or the warehouse.
    check_specs=[
        dg.AssetCheckSpec(check.__name__, asset="silver", blocking=True, description=check.__doc__)
        for check in silver_checks.CHECKS
    ],
)
def silver(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    per_release = {r: silver_release(context, r, lake) for r in releases_of(context)}
    return dg.MaterializeResult(
        metadata=merge_metadata({r: meta for r, (meta, _) in per_release.items()}),
        check_results=check_results([outcomes for _, outcomes in per_release.values()], "silver"),
    )


@timed
def silver_release(
    context: dg.AssetExecutionContext, release: date, lake: LakeResource
) -> tuple[dict, list[Outcome]]:
    key = lake_layout.silver_observations(release)
    manifest_bytes = lake.get(lake_layout.bronze_manifest(release))
    # The manifest records every bronze object's sha256: its own hash stands for all of bronze.
    source = sha256(manifest_bytes)
    reused = reuse_if_current(lake, key, source)
    if reused is not None:
        context.log.info(f"silver for {release} is already built from this bronze; kept")
        return reused
    manifest = json.loads(manifest_bytes)
    frames = [empty_frame()]
    for obj in manifest["objects"]:
        raw = gzip.decompress(lake.get(obj["key"]))
        if sha256(raw) != obj["sha256"]:
            raise BeaSchemaError(f"bronze object {obj['key']} does not match its manifest sha256")
        frames.append(answer_frame(raw, obj["dataset"], obj["table"], release))
    frame = pl.concat(frames, rechunk=False)  # one chunk per answer: no copy of the whole
    data = write_parquet(lake, key, frame)
    per_table = frame.group_by("table_name").len().sort("table_name")
    outcomes = [check(frame) for check in silver_checks.CHECKS]
    metadata = {
        "dagster/row_count": frame.height,
        "markers": int(frame["value_status"].is_not_null().sum()),
        "parquet_bytes": len(data),
        "rows_by_table": dict(per_table.iter_rows()),
    }
    record_derivation(lake, key, sha256(data), source, metadata, outcomes)
    return metadata | {
        "rows_by_table": dg.MetadataValue.json(metadata["rows_by_table"]),
        "dagster/column_schema": column_schema(),
        "preview": preview(frame.top_k(10, by="period_end"), column_schema()),
    }, outcomes
