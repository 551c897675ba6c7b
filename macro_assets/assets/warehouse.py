"""The warehouse's tables, bea/observations and bea/indicators: silver and gold loaded into
PostgreSQL in one transaction per release (``macro_assets.lake.warehouse``)."""

from collections.abc import Iterator

import dagster as dg

from macro_assets.assets.gold import gold
from macro_assets.assets.results import (
    BACKFILL_POLICY,
    GROUP,
    OWNERS,
    check_results,
    key,
    merge_metadata,
    releases_of,
    tags,
    timed,
)
from macro_assets.assets.silver import silver
from macro_assets.checks import warehouse as warehouse_checks
from macro_assets.lake import warehouse as lake_warehouse
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import TRANSIENT, WarehouseResource, unavailable
from macro_assets.version import code_version
from macro_assets.warehouse.audit import Audit
from macro_assets.warehouse.targets import TARGETS

OBSERVATIONS = key("observations")
INDICATORS = key("indicators")


def _spec(name: str, upstream: dg.AssetKey, description: str) -> dg.AssetSpec:
    target = TARGETS[name]
    return dg.AssetSpec(
        key(name),
        deps=[upstream],
        description=description,
        group_name=GROUP,
        kinds={"postgres"},
        owners=OWNERS,
        tags=tags("warehouse"),
        code_version=code_version(),
        metadata={
            "dagster/table_name": target.table,
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(c, t, description=target.column_descriptions()[c])
                    for c, t in target.column_types()
                ]
            ),
        },
    )


@dg.multi_asset(
    name="bea__postgres_tables",
    specs=[
        _spec(
            "observations",
            silver.key,
            "bea.observations: every value BEA published, once per vintage it held: a row is valid "
            "from published_in until replaced_in (a later release revised or dropped it).",
        ),
        _spec(
            "indicators",
            gold.key,
            "bea.indicators: gold's indicators with the same vintage intervals as bea.observations.",
        ),
    ],
    # Both tables change in one transaction: a release is in the warehouse whole or not at all.
    can_subset=False,
    partitions_def=release_date_partitions,
    backfill_policy=BACKFILL_POLICY,
    description="COPY into staging, then a fold per table, in one transaction per release; releases "
    "load in any order and re-running one changes nothing.",
    check_specs=[
        dg.AssetCheckSpec(c.name, asset=OBSERVATIONS, description=c.description)
        for c in warehouse_checks.CHECKS
    ],
)
def postgres_tables(
    context: dg.AssetExecutionContext, lake: LakeResource, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    audit = Audit(run_id=context.run_id, asset=context.op_def.name, code_version=code_version())

    @timed
    def load(release):  # noqa: ANN001, ANN202
        engine = warehouse.engine()
        try:
            return {}, lake_warehouse.load(lake, engine, release, audit, context.log)
        finally:
            engine.dispose()

    try:
        per_release = {release: load(release) for release in releases_of(context)}
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
    newest = per_release[max(per_release)][1]
    for name in TARGETS:
        metadata = merge_metadata(
            {
                release: {
                    "release_row_count": loaded.release_rows[name],
                    # Values of an earlier vintage this release revised or dropped: BEA's revisions.
                    "revisions_found": loaded.counts[name].closed,
                    **{f"rows_{k}": v for k, v in vars(loaded.counts[name]).items()},
                    "duration_s": timing["duration_s"],
                }
                for release, (timing, loaded) in per_release.items()
            }
        )
        # The table's rows, every vintage included, after the step's last load.
        metadata["dagster/row_count"] = newest.table_rows[name]
        metadata["code_version"] = audit.code_version
        outcomes = (
            {r: loaded.outcomes for r, (_, loaded) in per_release.items()} if name == "observations" else {}
        )
        yield dg.MaterializeResult(
            asset_key=key(name), metadata=metadata, check_results=check_results(outcomes, key(name))
        )
