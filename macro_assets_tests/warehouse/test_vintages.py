"""Vintages end to end: four releases captured from the sandbox as its clock moves on, then
loaded in shuffled orders — identical tables, and as-of answers equal to what was served; the
lake's Iceberg table, appended in other orders, holds the warehouse's rows, and DuckDB's as-of
reads of it equal PostgreSQL's."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from macro_assets.lake import duck
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets_tests.history import KEY, RELEASES, load_in_order


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
