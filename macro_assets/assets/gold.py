"""gold: analysis-ready indicators per release."""

import io
from datetime import date

import dagster as dg
import polars as pl

from macro_assets.assets.results import (
    BACKFILL_POLICY,
    GROUP,
    as_metadata,
    check_results,
    merge_metadata,
    preview,
    releases_of,
    timed,
)
from macro_assets.assets.silver import silver
from macro_assets.checks import Outcome
from macro_assets.checks import gold as gold_checks
from macro_assets.lake import layout
from macro_assets.lake.codecs import sha256, write_parquet
from macro_assets.lake.derivation import record_derivation, reuse_if_current
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.lake import LakeResource
from macro_assets.transform.indicators import INDICATORS, SCHEMA, indicators_frame

SOURCES = sorted({i.table_name for i in INDICATORS} | {"T10101", "T10105", "T10106"})


@dg.asset(
    partitions_def=release_date_partitions,
    backfill_policy=BACKFILL_POLICY,
    deps=[silver],
    group_name=GROUP,
    kinds={"polars", "parquet"},
    description="Indicators: real and nominal GDP, real GDP growth (SAAR), PCE and core PCE "
    "inflation (year over year), the personal saving rate.",
    # Not blocking: these test BEA's own identities; a failure is worth a look, not a stop.
    check_specs=[dg.AssetCheckSpec(name, asset="gold") for name in gold_checks.CHECK_NAMES],
)
def gold(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    per_release = {r: gold_release(context, r, lake) for r in releases_of(context)}
    return dg.MaterializeResult(
        metadata=merge_metadata({r: meta for r, (meta, _) in per_release.items()}),
        check_results=check_results([o for _, o in per_release.values()], "gold", dg.AssetCheckSeverity.WARN),
    )


@timed
def gold_release(
    context: dg.AssetExecutionContext, release: date, lake: LakeResource
) -> tuple[dict, list[Outcome]]:
    key = layout.gold_indicators(release)
    silver_bytes = lake.get(layout.silver_observations(release))
    source = sha256(silver_bytes)
    reused = reuse_if_current(lake, key, source)
    if reused is not None:
        context.log.info(f"gold for {release} is already computed from this silver; kept")
        return as_metadata(reused[0]), reused[1]
    # Only the tables the indicators and the identity checks read: row groups of the others are
    # skipped, so gold's memory does not grow with the catalog.
    observations = (
        pl.scan_parquet(io.BytesIO(silver_bytes)).filter(pl.col("table_name").is_in(SOURCES)).collect()
    )
    frame = indicators_frame(observations)
    outcomes = [
        gold_checks.gdp_identity(observations),
        gold_checks.growth_matches_published(observations),
        gold_checks.indicators_without_gaps(frame),
    ]
    data = write_parquet(lake, key, frame)
    latest = (
        frame.sort("period_end")
        .group_by("indicator", "frequency", maintain_order=True)
        .last()
        .filter(pl.col("frequency") != "A")
        .sort("indicator")
    )
    schema = dg.TableSchema(columns=[dg.TableColumn(n, str(t)) for n, t in SCHEMA.items()])
    metadata: dict[str, object] = {
        "dagster/row_count": frame.height,
        "dagster/column_schema": schema,
        "latest": preview(latest, schema, rows=latest.height),
    }
    # Plain floats plot across partitions in the UI.
    for row in latest.iter_rows(named=True):
        metadata[f"latest_{row['indicator']}"] = float(row["value"])
    record_derivation(lake, key, sha256(data), source, metadata, outcomes)
    return metadata, outcomes
