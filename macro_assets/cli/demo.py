"""``make demo``: one release through every layer, then a summary read back from PostgreSQL."""

from __future__ import annotations

import logging
import sys
import time
from datetime import date
from typing import TYPE_CHECKING

import click
import dagster as dg
import sqlalchemy as sa

from macro_assets import releases as rel
from macro_assets.failures import first_step_failure

if TYPE_CHECKING:
    from macro_assets.lake.iceberg import LakeTable

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


class UnknownReleaseDate(ValueError):
    """A --partition that is not one of the registered release dates."""


class _FirstLine(logging.Formatter):
    # The demo prints progress; a failure's stack trace is in the event log (`dagster run
    # show`, the UI), and mdi ends with the failure's cause in one line.
    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).split("\n", 1)[0]


@dg.logger(
    config_schema={"log_level": dg.Field(str, is_required=False, default_value="INFO")},
    description="The demo's console: one line per event.",
)
def one_line_console(init_context: dg.InitLoggerContext) -> logging.Logger:
    log = logging.Logger("dagster", level=init_context.logger_config["log_level"])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_FirstLine("%(asctime)s - %(levelname)s - %(message)s", "%H:%M:%S"))
    log.addHandler(handler)
    return log


def _step(message: str) -> None:
    click.echo(click.style("==> ", fg="cyan", bold=True) + message, err=True)


def first_error_line(result: dg.ExecuteInProcessResult) -> str:
    step, error = first_step_failure(result.all_events)
    if error is None:
        return "the run failed"
    return f"{step}: {error.message.strip().splitlines()[0]}"


def summary(engine: sa.Engine, release: str) -> str:
    lines = []
    with engine.connect() as conn:
        for table in ("bea.observations", "bea.indicators"):
            total = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            current = conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE replaced_in IS NULL")  # noqa: S608
            ).scalar_one()
            lines.append(f"  {table:<18} {total:>8} rows, {current} current")
        releases = conn.execute(
            sa.text("SELECT count(DISTINCT release_date) FROM bea.release_tables")
        ).scalar_one()
        lines.append(f"  releases loaded    {releases:>8}")
        lines.append("")
        lines.append(f"  {'indicator':<30} {'period':<8} {'value':>22}  unit")
        latest = conn.execute(
            sa.text(
                "SELECT DISTINCT ON (indicator) indicator, time_period, value, unit "
                "FROM bea.indicators_latest WHERE frequency <> 'A' ORDER BY indicator, period_end DESC"
            )
        )
        for indicator, period, value, unit in latest:
            shown = f"{value:,.0f}" if abs(value) >= 1e6 else f"{value:,.2f}"
            lines.append(f"  {indicator:<30} {period:<8} {shown:>22}  {unit}")
    return "\n".join(lines)


def lake_summary(lake_table: LakeTable) -> str:
    table = lake_table.load()
    snapshot = table.current_snapshot()
    rows = int(snapshot.summary["total-records"]) if snapshot and snapshot.summary else 0
    example = 'mdi lake sql "SELECT dataset, count(*) FROM observations_as_of(current_date) GROUP BY 1"'
    table_name = lake_table.identifier
    return f"\n  the lake's Iceberg table {table_name}: {rows} rows, every vintage; in DuckDB:\n  {example}"


def run_demo(instance: dg.DagsterInstance, partition_key: str | None) -> None:
    from macro_assets.definitions import ASSET_KEYS, defs, refresh_job
    from macro_assets.lake.bronze import held_release_dates

    started = time.monotonic()
    # build_resources resolves EnvVar-backed fields exactly as a run would.
    with dg.build_resources(dict(defs.resources)) as res:
        _step(f"BEA: {res.bea.describe()}")
        _step(f"warehouse: {res.warehouse.describe()}")
        # Fail at once on a wrong DATABASE_URL: a run would retry the load for minutes.
        probe = res.warehouse.engine()
        try:
            with probe.connect():
                pass
        finally:
            probe.dispose()
        passed = rel.due_release_dates(res.bea, res.catalog.load())
        held = held_release_dates(res.lake)
        new, _ = rel.sync(instance, passed, held, ASSET_KEYS)
        _step(
            f"release calendar: {len(passed)} release dates passed, {len(held)} in bronze; "
            f"new partitions: {', '.join(new) or 'none'}"
        )
        known = rel.registered(instance)
        if not known:
            raise UnknownReleaseDate("no release date of the catalog has passed yet in BEA's calendar")
        key = partition_key or known[-1]
        if key not in known:
            standing = rel.standings(passed, held).get(date.fromisoformat(key))
            why = standing or "not a release date of the catalog in BEA's calendar"
            raise UnknownReleaseDate(f"{key}: {why} (`mdi releases list --all` shows every release date)")
        _step(
            f"materializing bea/bea_raw → bronze → silver → gold → observations, indicators, "
            f"iceberg_observations for release {key}"
        )
        job = defs.resolve_job_def(refresh_job.name).with_logger_defs({"console": one_line_console})
        result = job.execute_in_process(
            partition_key=key, instance=instance, run_config=QUIET_LOGS, raise_on_error=False
        )
        if not result.success:
            click.echo(f"mdi: error: {first_error_line(result)}", err=True)
            sys.exit(1)
        engine = res.warehouse.engine()
        try:
            _step(f"done in {time.monotonic() - started:.1f} s (run {result.run_id}); PostgreSQL now holds:")
            click.echo(summary(engine, key))
            click.echo(lake_summary(res.lake.table(res.warehouse.url())))
        finally:
            engine.dispose()
