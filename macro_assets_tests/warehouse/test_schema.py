"""Schema migrations (alembic): warehouses that the previous code built (dumped by
``fixtures/make_previous_warehouse.py`` from that code) upgrade to the newest revision with every
row and every as-of answer unchanged, and today's loads carry on from them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from macro_assets.transform.observations import regional_frame
from macro_assets.warehouse import schema
from macro_assets.warehouse.load import MixedSourcesError, ReleaseInput, load_release
from macro_assets.warehouse.targets import TARGETS
from macro_assets_tests.conftest import SHARED
from macro_assets_tests.warehouse.test_load import R1, R2, R3, indicators, observations

FIXTURES = Path(__file__).with_name("fixtures")
BEFORE_MIGRATIONS = FIXTURES / "schema_before_migrations.sql"
REGIONAL_SAMPLE = SHARED / "samples" / "bea_api_raw_Regional_SAGDP2N_line1_Alabama_2017_2022.json"
# bea.observations' columns before revision 0003, and the other tables' before any migration.
V1_OBSERVATIONS = (
    "dataset, table_name, line_number, series_code, line_description, geo_fips, geo_name, geo_level, "
    "time_period, frequency, period_start, period_end, value, value_status, metric_name, unit, unit_mult, "
    "published_in, replaced_in"
)
TABLES = {
    "observations": V1_OBSERVATIONS,
    "indicators": "*",
    # data_sha256 gains the prefix v1: (the columns it was taken over), the rest is kept.
    "release_tables": "release_date, dataset, table_name, bea_release, last_revised, row_count, run_id, "
    "loaded_at",
    "release_loads": "*",
    "load_audit": "*",
    # metric_name is added by 0008 (and filled: checked below).
    "series": "dataset, table_name, line_number, series_code, line_description, unit, unit_mult, "
    "parent_line, as_of_release",
    "geographies": "*",
}
DAYS = (R1 - timedelta(days=1), R1, R2 - timedelta(days=1), R2, R3, R3 + timedelta(days=30))


def snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        shot = {
            table: sorted(map(tuple, conn.execute(sa.text(f"SELECT {cols} FROM bea.{table}"))), key=repr)  # noqa: S608
            for table, cols in TABLES.items()
        }
        for day in DAYS:
            rows = conn.execute(
                sa.text(f"SELECT {V1_OBSERVATIONS} FROM bea.observations_as_of(:d)"),  # noqa: S608
                {"d": day},
            ).all()
            shot[f"as_of {day}"] = sorted(map(tuple, rows), key=repr)
        shot["indicator_revisions"] = sorted(
            map(tuple, conn.execute(sa.text("SELECT * FROM bea.indicator_revisions"))), key=repr
        )
    return shot


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    return sa.create_engine(database_url)


def restore(database_url: str, dump: str) -> None:
    """A pg_dump of the previous code's warehouse into the empty database (on a connection of
    its own: the dump empties the search_path)."""
    restoring = sa.create_engine(database_url, poolclass=NullPool)
    with restoring.begin() as conn:
        conn.exec_driver_sql((FIXTURES / dump).read_text())
    restoring.dispose()


def releases_again(release: date) -> pl.DataFrame:
    """A release of the fixtures as today's code parses it: NIPA's line 1 and Alabama's GDP."""
    values = {R1: {"2023": 1.0, "2024": 2.0}, R2: {"2023": 1.0, "2024": 2.5}}[release]
    return pl.concat(
        [observations(values, release), regional_frame(REGIONAL_SAMPLE.read_bytes(), "SAGDP2N", release)]
    )


@pytest.mark.parametrize(
    "dump, revision",
    [("warehouse_before_migrations.sql", None), ("warehouse_at_0002.sql", "0002_release_source")],
)
def test_a_warehouse_the_previous_code_built_upgrades_with_every_answer_unchanged(
    engine: sa.Engine, database_url: str, dump: str, revision: str | None
) -> None:
    restore(database_url, dump)
    before = snapshot(engine)
    # Something to compare: revised values (NIPA 2024, Alabama 2022) and answers at every date.
    assert len(before["observations"]) == 11
    assert [len(v) for k, v in before.items() if k.startswith("as_of")] == [0, 8, 8, 8, 9, 9]
    with engine.connect() as conn:
        assert schema.revision_of(conn) == revision

    assert schema.upgrade(engine) == (revision, schema.head())
    assert snapshot(engine) == before
    with engine.connect() as conn:
        series = dict(
            conn.execute(sa.text("SELECT DISTINCT dataset, series_id FROM bea.observations ORDER BY 1")).all()
        )
        changes = conn.execute(
            sa.text("SELECT count(*) FROM bea.observation_changes WHERE previous_value IS NOT NULL")
        ).scalar_one()
    # The series the migration named: NIPA's line, Regional's line and place.
    assert series == {"NIPA": "1", "Regional": "1|01000"}
    # What each line measures, from its rows (Regional's lines have none: their unit says it).
    with engine.connect() as conn:
        metrics = dict(conn.execute(sa.text("SELECT dataset, metric_name FROM bea.series")).all())
    assert metrics["NIPA"] is not None and metrics["Regional"] is None
    assert changes > 0
    assert schema.upgrade(engine) == (schema.head(), schema.head())  # at head: nothing to do

    # Today's code re-loads a release loaded before: recognised, nothing written twice.
    again = load_release(engine, ReleaseInput.of(R2, releases_again(R2), indicators(1.5, R2)))
    assert again["observations"].unchanged_tables == 2 and again["observations"].inserted == 0
    assert snapshot(engine) | {"load_audit": []} == before | {"load_audit": []}
    # And a new release folds onto the migrated rows: one revision, the rest unchanged.
    later = date(2026, 11, 26)
    new = pl.concat(
        [
            observations({"2023": 1.0, "2024": 2.6, "2025": 3.0}, later),
            regional_frame(REGIONAL_SAMPLE.read_bytes(), "SAGDP2N", later),
        ]
    )
    folded = load_release(engine, ReleaseInput.of(later, new, indicators(1.6, later)))
    assert folded["observations"].closed == 2  # NIPA 2024 revised; Alabama 2022 back to its R1 value
    with engine.connect() as conn:
        keys = conn.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT (dataset, table_name, series_id, time_period)) "
                "FROM bea.observations_as_of(:d)"
            ),
            {"d": later},
        ).one()
    assert keys[0] == keys[1] == 3 + 6


def test_loads_from_before_the_source_label_block_nothing(engine: sa.Engine, database_url: str) -> None:
    restore(database_url, "warehouse_before_migrations.sql")
    schema.upgrade(engine)
    with engine.connect() as conn:
        labels = conn.execute(sa.text("SELECT DISTINCT source FROM bea.release_tables")).scalars().all()
    assert labels == [None]
    later = date(2026, 11, 26)
    load_release(
        engine,
        ReleaseInput.of(later, observations({"2024": 2.6}, later), indicators(1.6, later), source="bea"),
    )
    with pytest.raises(MixedSourcesError):
        load_release(
            engine,
            ReleaseInput.of(
                R3 + timedelta(days=1), observations({}, R3), indicators(1.0, R3), source="sandbox"
            ),
        )


def test_an_empty_database_is_built_to_head(engine: sa.Engine) -> None:
    assert schema.upgrade(engine) == (None, schema.head())
    with engine.connect() as conn:
        tables = set(
            conn.execute(
                sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'bea'")
            )
            .scalars()
            .all()
        )
    assert {
        "observations",
        "indicators",
        "release_tables",
        "alembic_version",
        "observations_latest",
    } <= tables


def test_the_baseline_is_the_schema_from_before_migrations() -> None:
    """Every table statement of the old schema.sql is in the baseline, word for word."""
    old = BEFORE_MIGRATIONS.read_text()
    baseline = schema.migration_sql("0001_baseline.sql")
    for statement in old.split(";"):
        if "CREATE TABLE" in statement or "INDEX" in statement:
            body = statement[
                statement.index("CREATE") if "CREATE" in statement else statement.index("DROP") :
            ]
            assert body in baseline


def test_the_declared_columns_are_the_tables_at_head(engine: sa.Engine) -> None:
    """The column schemas the Dagster assets declare up front (``Target.column_types``) are the
    warehouse's own, name for name and type for type."""
    schema.upgrade(engine)
    for target in TARGETS.values():
        table = target.table.split(".")[1]
        with engine.connect() as conn:
            actual = dict(
                conn.execute(
                    sa.text(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'bea' AND table_name = :t"
                    ),
                    {"t": table},
                ).all()
            )
        declared = dict(target.column_types())
        assert set(declared) == set(actual), target.table
        # char(1) holds a one-letter code; the frames carry it as text.
        assert {c: t for c, t in declared.items() if actual[c] != "character"} == {
            c: t for c, t in actual.items() if t != "character"
        }
