"""gold: analysis-ready indicators per release (``macro_assets.lake.gold``)."""

from datetime import date

import dagster as dg

from macro_assets.assets.results import (
    as_metadata,
    asset_settings,
    check_results,
    key,
    merge_metadata,
    preview,
    releases_of,
    timed,
)
from macro_assets.assets.silver import silver
from macro_assets.checks import Outcome
from macro_assets.checks import gold as gold_checks
from macro_assets.lake import gold as lake_gold
from macro_assets.resources.lake import LakeResource
from macro_assets.transform.indicators import COLUMNS, SCHEMA


@dg.asset(
    **asset_settings("gold"),
    deps=[silver],
    kinds={"polars", "parquet"},
    description="Indicators: real and nominal GDP, real GDP growth (SAAR), PCE and core PCE "
    "inflation (year over year), the personal saving rate.",
    # Not blocking: these test BEA's own identities; a failure is worth a look, not a stop.
    check_specs=[
        dg.AssetCheckSpec(c.name, asset=key("gold"), description=c.description) for c in gold_checks.CHECKS
    ],
)
def gold(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    per_release = {r: gold_release(context, r, lake) for r in releases_of(context)}
    return dg.MaterializeResult(
        metadata=merge_metadata({r: meta for r, (meta, _) in per_release.items()}),
        check_results=check_results(
            {r: o for r, (_, o) in per_release.items()}, gold.key, dg.AssetCheckSeverity.WARN
        ),
    )


@timed
def gold_release(
    context: dg.AssetExecutionContext, release: date, lake: LakeResource
) -> tuple[dict, list[Outcome]]:
    built = lake_gold.build(lake, release, context.log)
    metadata = as_metadata(built.metadata)
    if built.latest is not None:
        schema = dg.TableSchema(
            columns=[dg.TableColumn(n, str(t), description=COLUMNS[n]) for n, t in SCHEMA.items()]
        )
        metadata["dagster/column_schema"] = schema
        metadata["latest"] = preview(built.latest, schema, rows=built.latest.height)
    return metadata, built.outcomes
