"""Vintages end to end: four releases captured from the sandbox as its clock moves on, then
loaded in shuffled orders — identical tables, and as-of answers equal to what was served; the
lake's Iceberg table, appended in other orders, holds the warehouse's rows, and DuckDB's as-of
reads of it equal PostgreSQL's."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import sqlalchemy as sa

from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.definitions import ASSETS
from macro_assets.lake import duck
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource

# GDP on Thursdays, Personal Income and Outlays on Fridays; 2026-09-24 is the annual update.
RELEASES = [date(2026, 8, 27), date(2026, 8, 28), date(2026, 9, 24), date(2026, 9, 25)]
CATALOG = """releases:
  Gross Domestic Product:
    - {dataset: NIPA, table: T10105, frequencies: [A, Q]}
    - {dataset: NIPA, table: T10106, frequencies: [Q]}
  Personal Income and Outlays:
    - {dataset: NIPA, table: T20804, frequencies: [M]}
  Personal Income by State:
    - {dataset: Regional, table: SAINC1, lines: [1, 2]}
"""
KEY = ["dataset", "table_name", "series_id", "time_period"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def captured(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LakeResource, CatalogResource, dict]]:
    """bea_raw → gold for each release, with the sandbox's clock just after that release."""
    root = tmp_path_factory.mktemp("vintages")
    (root / "catalog.yaml").write_text(CATALOG)
    lake, catalog = LakeResource(url=str(root / "lake")), CatalogResource(path=str(root / "catalog.yaml"))
    clock = Clock()
    with Sandbox(settings=SandboxSettings(clock=clock)) as sandbox, dg.instance_for_test() as instance:
        bea = BeaApiResource(
            api_key="71A7A6E5-0000-4000-8000-000000000004",
            api_url=sandbox.api_url,
            calendar_url=sandbox.calendar_url,
        )
        instance.add_dynamic_partitions(release_date_partitions.name, [d.isoformat() for d in RELEASES])
        for release in RELEASES:
            clock.now = datetime.combine(release, time(15, 0), tzinfo=UTC)
            result = dg.materialize(
                ASSETS,
                partition_key=release.isoformat(),
                instance=instance,
                selection=["bea/bea_raw", "bea/bronze", "bea/silver", "bea/gold"],
                resources={
                    "bea": bea,
                    "lake": lake,
                    "catalog": catalog,
                    "warehouse": WarehouseResource(database_url="postgresql://unused"),
                },
            )
            assert result.success
        yield lake, catalog, {"instance": instance}


def load_in_order(
    order: list[date],
    lake: LakeResource,
    catalog: CatalogResource,
    url: str,
    selection: tuple[str, ...] = ("bea/observations", "bea/indicators"),
) -> None:
    """The releases materialized one by one in ``order`` (the warehouse's tables by default)."""
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(release_date_partitions.name, [d.isoformat() for d in order])
        for release in order:
            result = dg.materialize(
                ASSETS,
                partition_key=release.isoformat(),
                instance=instance,
                selection=list(selection),
                resources={
                    "lake": lake,
                    "catalog": catalog,
                    "bea": BeaApiResource(),
                    "warehouse": WarehouseResource(database_url=url),
                },
            )
            assert result.success


def dump(url: str) -> dict[str, set[tuple]]:
    """Every stored row (rows are unique: the primary key includes published_in)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = {
            t: set(conn.execute(sa.text(f"SELECT * FROM bea.{t}")).all())  # noqa: S608
            for t in ("observations", "indicators")
        }
    engine.dispose()
    assert all(out.values())
    return out


def silver(lake: LakeResource, release: date) -> pl.DataFrame:
    return pl.read_parquet(Path(lake.url) / f"silver/release_date={release}/observations.parquet")


def test_shuffled_orders_give_identical_tables(captured, database_url: str, postgres_server: str) -> None:  # noqa: ANN001
    lake, catalog, _ = captured
    load_in_order(RELEASES, lake, catalog, database_url)
    reference = dump(database_url)
    revised = sum(1 for row in reference["observations"] if row._mapping["replaced_in"] is not None)
    assert revised > 0  # the releases do revise values, or this test would prove little
    engine = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    for i, order in enumerate(
        [
            RELEASES[::-1],
            random.Random(7).sample(RELEASES, 4),
            [RELEASES[2], RELEASES[0], RELEASES[3], RELEASES[1]],
        ]
    ):
        name = f"shuffle_{i}_{abs(hash(tuple(order))) % 10_000}"
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
        load_in_order(order, lake, catalog, url)
        load_in_order(order[:2], lake, catalog, url)  # re-loading changes nothing
        assert dump(url) == reference, order
    engine.dispose()


def test_as_of_each_release_equals_what_was_served(captured, database_url: str) -> None:  # noqa: ANN001
    lake, catalog, _ = captured
    load_in_order(random.Random(3).sample(RELEASES, 4), lake, catalog, database_url)
    engine = sa.create_engine(database_url)
    cols = KEY + ["value", "value_status", "unit", "unit_mult"]
    for release in RELEASES:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    f"SELECT {', '.join(cols)} FROM bea.observations_as_of(:d)"  # noqa: S608
                ),
                {"d": release},
            ).all()
        served = silver(lake, release).select(cols).sort(KEY)
        stored = pl.DataFrame(rows, schema=served.schema, orient="row").sort(KEY)
        assert stored.equals(served), release
    engine.dispose()


def test_storage_grows_with_revisions_not_releases(captured, database_url: str) -> None:  # noqa: ANN001
    lake, catalog, _ = captured
    load_in_order(RELEASES, lake, catalog, database_url)
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM bea.observations")).scalar_one()
        revisions = conn.execute(
            sa.text("SELECT count(*) FROM bea.indicator_revisions WHERE revisions > 0")
        ).scalar_one()
    engine.dispose()
    one_vintage = silver(lake, RELEASES[-1]).height
    assert one_vintage < stored < 1.3 * one_vintage
    assert revisions > 0


def append_in_order(
    order: list[date], lake: LakeResource, catalog: CatalogResource, url: str, at: Path
) -> None:
    """The lake's Iceberg table, its files under ``at``, appended release by release in ``order``."""
    lake = LakeResource(url=lake.url, iceberg_warehouse=at.as_uri())
    load_in_order(order, lake, catalog, url, ("bea/iceberg_observations",))


def comparable(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows in one order, dimensions as canonical JSON (jsonb reorders keys and spaces)."""
    return frame.with_columns(
        pl.col("dimensions").map_elements(
            lambda d: json.dumps(d if isinstance(d, dict) else json.loads(d), sort_keys=True),
            return_dtype=pl.String,
        )
    ).sort(*KEY, "published_in")


def warehouse_rows(url: str, sql: str, params: dict) -> pl.DataFrame:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        result = conn.execute(sa.text(sql), params)
        frame = pl.DataFrame([dict(r._mapping) for r in result], infer_schema_length=None)
    engine.dispose()
    return comparable(frame) if frame.height else frame


def test_lake_table_is_the_warehouse_in_any_order_and_duckdb_reads_it_as_of(  # noqa: ANN001
    captured, database_url: str, tmp_path: Path
) -> None:
    lake, catalog, _ = captured
    load_in_order(RELEASES, lake, catalog, database_url)
    stored = warehouse_rows(database_url, "SELECT * FROM bea.observations", {})
    assert stored.filter(pl.col("replaced_in").is_not_null()).height > 0  # revisions to fold
    engine = sa.create_engine(database_url)
    for i, order in enumerate([RELEASES[::-1], [RELEASES[2], RELEASES[0], RELEASES[3], RELEASES[1]]]):
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS iceberg_tables, iceberg_namespace_properties")
        at = tmp_path / f"iceberg_{i}"
        append_in_order(order, lake, catalog, database_url, at)
        table = LakeResource(url=lake.url, iceberg_warehouse=at.as_uri()).table(database_url).load()
        snapshots = len(table.snapshots())
        append_in_order(order[:2], lake, catalog, database_url, at)  # appending again commits nothing
        table = table.refresh()
        assert len(table.snapshots()) == snapshots
        in_lake = comparable(duck.query(table, "SELECT * FROM observations"))
        assert sorted(in_lake.columns) == sorted(stored.columns)
        assert in_lake.select(stored.columns).equals(stored), order
    engine.dispose()
    # As of each release, and of the day before each (the previous vintage), and before any.
    days = [d + timedelta(days=k) for d in RELEASES for k in (-1, 0)] + [RELEASES[-1] + timedelta(days=30)]
    for day in days:
        in_lake = comparable(duck.query(table, "SELECT * FROM observations_as_of(?)", [day]))
        in_postgres = warehouse_rows(database_url, "SELECT * FROM bea.observations_as_of(:d)", {"d": day})
        if day < RELEASES[0]:
            assert in_lake.is_empty() and in_postgres.is_empty()
        else:
            assert in_lake.height > 0
            assert in_lake.select(in_postgres.columns).equals(in_postgres), day
