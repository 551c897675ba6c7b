"""``mdi releases sync|list|latest``, ``mdi warehouse upgrade``, ``mdi db status|stop|psql``,
``mdi catalog discover``, ``mdi lake sql`` and ``mdi demo``.

Every expected failure ends as one line on stderr naming the cause, and exit status 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from macro_assets.bea.errors import BeaError
from macro_assets.catalog import CatalogError
from macro_assets.cli.db import db
from macro_assets.lake.errors import LakeTableUnavailableError
from macro_assets.partitions import InvalidReleaseKey, parse_release_key


def _fail(message: str) -> None:
    click.echo(f"mdi: error: {message}", err=True)
    sys.exit(1)


def one_line_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (BeaError, CatalogError, InvalidReleaseKey, LakeTableUnavailableError) as exc:
            _fail(str(exc))
        except sa.exc.OperationalError as exc:
            _fail(f"PostgreSQL unreachable: {str(exc.orig).strip().splitlines()[0]}")

    return wrapper


def _instance() -> Any:
    import dagster as dg

    if not os.environ.get("DAGSTER_HOME"):
        default = Path.cwd() / "dagster_home"
        if not default.is_dir():
            _fail("DAGSTER_HOME is not set (export it as an absolute path, e.g. $PWD/dagster_home)")
        os.environ["DAGSTER_HOME"] = str(default)
    return dg.DagsterInstance.get()


@click.group()
def main() -> None:
    """macro-data-ingest: BEA releases into your warehouse."""


@main.group()
def releases() -> None:
    """Release-date partitions."""


@releases.command("sync")
@one_line_errors
def releases_sync() -> None:
    """Register the release dates that can be built: those bronze holds, and the newest that BEA's
    release calendar says has passed for the catalog's releases (`mdi releases list` shows all)."""
    import dagster as dg

    from macro_assets import releases as rel
    from macro_assets.definitions import ASSET_KEYS
    from macro_assets.lake.bronze import held_release_dates
    from macro_assets.resources import resources_from_env

    instance = _instance()
    # build_resources resolves EnvVar-backed fields exactly as a run would.
    with dg.build_resources(resources_from_env()) as res:
        passed = rel.due_release_dates(res.bea, res.catalog.load())
        held = held_release_dates(res.lake)
    new, removed = rel.sync(instance, passed, held, ASSET_KEYS)
    gone = sum(1 for s in rel.standings(passed, held).values() if s == rel.GONE)
    click.echo(
        f"{len(new)} new release partitions registered, {len(removed)} removed ({len(passed)} release "
        f"dates passed, {len(held)} in bronze; {gone} not captured: BEA no longer serves their vintage)",
        err=True,
    )


@releases.command("list")
@click.option("--all", "show_all", is_flag=True, help="every passed release date, partition or not")
@one_line_errors
def releases_list(show_all: bool) -> None:
    """Print the registered release dates (the partitions), oldest first; with --all, every
    release date that has passed, with whether it is a partition and why."""
    from macro_assets import releases as rel

    if not show_all:
        for key in rel.registered(_instance()):
            click.echo(key)
        return
    import dagster as dg

    from macro_assets.lake.bronze import held_release_dates
    from macro_assets.resources import resources_from_env

    with dg.build_resources(resources_from_env()) as res:
        passed = rel.due_release_dates(res.bea, res.catalog.load())
        held = held_release_dates(res.lake)
    for day, standing in rel.standings(passed, held).items():
        click.echo(f"{day}  {standing}")


@releases.command("latest")
@one_line_errors
def releases_latest() -> None:
    """Print the newest registered release date."""
    from macro_assets import releases as rel

    keys = rel.registered(_instance())
    if not keys:
        _fail("no release partitions registered yet: run `mdi releases sync`")
    click.echo(keys[-1])


@main.command()
@click.option("--partition", "partition_key", help="release date to run (default: the newest passed)")
@one_line_errors
def demo(partition_key: str | None) -> None:
    """Run the whole graph for the newest release and print what landed in PostgreSQL."""
    from macro_assets.cli.demo import UnknownReleaseDate, run_demo

    if partition_key is not None:
        parse_release_key(partition_key)
    try:
        run_demo(_instance(), partition_key)
    except UnknownReleaseDate as exc:
        _fail(str(exc))


@main.group()
def warehouse() -> None:
    """The warehouse's schema."""


@warehouse.command("upgrade")
@one_line_errors
def warehouse_upgrade() -> None:
    """Bring the warehouse (DATABASE_URL, else the embedded PostgreSQL) to the newest schema
    revision. Every load does this too, under the same lock; run it to upgrade ahead of a load."""
    import dagster as dg

    from macro_assets.resources import resources_from_env
    from macro_assets.warehouse import schema

    with dg.build_resources({"warehouse": resources_from_env()["warehouse"]}) as res:
        engine = res.warehouse.engine()
        try:
            before, after = schema.upgrade(engine)
        finally:
            engine.dispose()
        where = res.warehouse.describe()
    if before == after:
        click.echo(f"{where}: already at schema revision {after}", err=True)
    else:
        click.echo(f"{where}: schema upgraded from {before or 'no revision'} to {after}", err=True)


@main.group()
def catalog() -> None:
    """What to keep of BEA (the catalog)."""


@catalog.command("discover")
@click.argument("dataset")
@click.option("--table", help="a Regional table: one entry with every line BEA lists for it")
@one_line_errors
def catalog_discover(dataset: str, table: str | None) -> None:
    """Print catalog entries, ready to paste into catalog.yaml, for what BEA serves of DATASET
    (NIPA, Regional, ITA, ...): one per table, or, for a dataset asked by its parameters, one
    entry with each parameter's values listed below it."""
    import dagster as dg

    from macro_assets.bea.discovery import discover
    from macro_assets.resources import resources_from_env

    with dg.build_resources({"bea": resources_from_env()["bea"]}) as res, res.bea.client() as client:
        lines = discover(client, dataset, table)
    click.echo("\n".join(lines))


@main.group()
def lake() -> None:
    """The lake's open table (Iceberg), read by DuckDB."""


@lake.command("sql")
@click.argument("query")
@click.option("--csv", "as_csv", is_flag=True, help="print CSV (every row) instead of a table")
@one_line_errors
def lake_sql(query: str, as_csv: bool) -> None:
    """Run QUERY in DuckDB over the lake's Iceberg table: `observations` (every vintage, with
    published_in and replaced_in) and `observations_as_of(DATE)`, as in PostgreSQL."""
    import dagster as dg
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

    from macro_assets.lake import duck
    from macro_assets.resources import resources_from_env

    defined = resources_from_env()
    with dg.build_resources({"lake": defined["lake"], "warehouse": defined["warehouse"]}) as res:
        lake_table = res.lake.table(res.warehouse.url())
        try:
            table = lake_table.load()
        except (NoSuchTableError, NoSuchNamespaceError):
            name = lake_table.identifier
            _fail(f"the lake has no table {name} yet: `make demo` (or a refresh run) appends one")
        try:
            result = duck.query(table, query)
        except duck.LakeQueryError as exc:
            _fail(str(exc))
    if as_csv:
        click.echo(result.write_csv(), nl=False)
    else:
        import polars as pl

        with pl.Config(tbl_rows=40, tbl_cols=12, fmt_str_lengths=40):
            click.echo(result)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@one_line_errors
def serve(host: str, port: int) -> None:
    """The analysts' explorer page and read API over the warehouse (DATABASE_URL, else the
    embedded PostgreSQL): series, observations as of a date, revisions, maps, release diffs;
    JSON, CSV or Parquet. Every transaction is read-only. Page: http://HOST:PORT/, routes:
    http://HOST:PORT/api/docs."""
    import dagster as dg
    import sqlalchemy as sa
    import uvicorn

    from macro_assets.resources import resources_from_env
    from macro_assets.serve.app import NOT_BUILT, READER, STATIC, create_app, read_only_engine

    with dg.build_resources({"warehouse": resources_from_env()["warehouse"]}) as res:
        url, where = res.warehouse.url(), res.warehouse.describe()
    try:
        engine = read_only_engine(url)
        with engine.connect() as conn:
            loaded = conn.execute(sa.text("SELECT to_regclass('bea.observations') IS NOT NULL")).scalar_one()
            role = conn.execute(sa.text("SELECT current_user")).scalar_one()
    except sa.exc.OperationalError as exc:
        _fail(f"PostgreSQL unreachable: {str(exc.orig).strip().splitlines()[0]}")
    if not loaded:
        _fail(f"{where} holds no bea.observations yet: `make demo` (or a refresh run) loads a release")
    if role != READER:
        click.echo(
            f"note: no {READER} role to work as (`mdi warehouse upgrade` creates it where the "
            "user may create roles): relying on read-only transactions",
            err=True,
        )
    if not (STATIC / "index.html").is_file():
        click.echo(f"note: {NOT_BUILT.strip()}; the API is served", err=True)
    click.echo(f"serving {where} as {role}, read-only: page http://{host}:{port}/, API /api/docs", err=True)
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning")


main.add_command(db)
