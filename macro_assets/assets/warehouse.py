"""postgres_tables: silver and gold loaded into PostgreSQL, idempotently per release
(``macro_assets.lake.warehouse``)."""

import dagster as dg

from macro_assets.assets.gold import gold
from macro_assets.assets.results import (
    BACKFILL_POLICY,
    GROUP,
    check_results,
    merge_metadata,
    releases_of,
    timed,
)
from macro_assets.checks import warehouse as warehouse_checks
from macro_assets.lake import warehouse as lake_warehouse
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import TRANSIENT, WarehouseResource, unavailable
from macro_assets.version import code_version
from macro_assets.warehouse.audit import Audit


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
    audit = Audit(run_id=context.run_id, asset="postgres_tables", code_version=code_version())

    @timed
    def load(release):  # noqa: ANN001, ANN202
        engine = warehouse.engine()
        try:
            loaded = lake_warehouse.load(lake, engine, release, audit, context.log)
        finally:
            engine.dispose()
        metadata: dict[str, object] = {
            "dagster/row_count": sum(loaded.release_rows.values()),
            "code_version": audit.code_version,
            # Values of an earlier vintage this release revised or dropped: BEA's revisions found.
            "revisions_found": sum(c.closed for c in loaded.counts.values()),
        }
        for target, c in loaded.counts.items():
            metadata.update({f"{target}_{k}": v for k, v in vars(c).items()})
        return metadata, loaded.outcomes

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
    return dg.MaterializeResult(
        metadata=merge_metadata({r: meta for r, (meta, _) in per_release.items()}),
        check_results=check_results([o for _, o in per_release.values()], "postgres_tables"),
    )
