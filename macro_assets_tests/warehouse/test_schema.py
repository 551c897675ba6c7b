"""Schema migrations (alembic): a warehouse that today's loads filled, before migrations
existed, upgrades to the newest revision with every row and every as-of answer unchanged."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from macro_assets.warehouse import schema
from macro_assets.warehouse.load import MixedSourcesError, ReleaseInput, load_release
from macro_assets.warehouse.targets import TARGETS
from macro_assets_tests.warehouse.test_load import R1, R2, R3, indicators, observations

BEFORE_MIGRATIONS = Path(__file__).with_name("fixtures") / "schema_before_migrations.sql"
TABLES = {
    "observations": "*",
    "indicators": "*",
    # The columns the warehouse had before the migrations added any.
    "release_tables": "release_date, dataset, table_name, bea_release, last_revised, row_count, data_sha256, "
    "run_id, loaded_at",
    "release_loads": "*",
    "load_audit": "*",
    "series": "*",
    "geographies": "*",
}


def snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        shot = {
            table: sorted(map(tuple, conn.execute(sa.text(f"SELECT {cols} FROM bea.{table}"))), key=repr)  # noqa: S608
            for table, cols in TABLES.items()
        }
        for day in (R1 - timedelta(days=1), R1, R2 - timedelta(days=1), R2, R3, R3 + timedelta(days=30)):
            rows = conn.execute(sa.text("SELECT * FROM bea.observations_as_of(:d)"), {"d": day}).all()
            shot[f"as_of {day}"] = sorted(map(tuple, rows), key=repr)
        shot["indicator_revisions"] = sorted(
            map(tuple, conn.execute(sa.text("SELECT * FROM bea.indicator_revisions"))), key=repr
        )
    return shot


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    return sa.create_engine(database_url)


@pytest.fixture
def warehouse_before_migrations(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    """schema.sql as it was, filled by three loads (a revision, an unrevised release)."""
    with engine.begin() as conn:
        conn.exec_driver_sql(BEFORE_MIGRATIONS.read_text())
    with monkeypatch.context() as patched:
        patched.setattr(schema, "upgrade", lambda engine: None)
        for release, values, ind in (
            (R1, {"2023": 1.0, "2024": 2.0}, 1.0),
            (R2, {"2023": 1.0, "2024": 2.5}, 1.5),
            (R3, {"2023": 1.0, "2024": 2.5, "2025": 3.0}, 1.5),
        ):
            load_release(
                engine, ReleaseInput.of(release, observations(values, release), indicators(ind, release))
            )
    return engine


def test_a_warehouse_from_before_migrations_upgrades_with_every_answer_unchanged(
    warehouse_before_migrations: sa.Engine,
) -> None:
    engine = warehouse_before_migrations
    before = snapshot(engine)
    # Something to compare: a revised value (two rows for 2024) and answers at every date.
    assert len(before["observations"]) == 4
    assert [len(v) for k, v in before.items() if k.startswith("as_of")] == [0, 2, 2, 2, 3, 3]

    assert schema.upgrade(engine) == (None, schema.head())
    assert snapshot(engine) == before
    with engine.connect() as conn:
        labels = conn.execute(sa.text("SELECT DISTINCT source FROM bea.release_tables")).scalars().all()
    assert labels == [None]  # loads from before the label block nothing
    assert schema.upgrade(engine) == (schema.head(), schema.head())  # at head: nothing to do

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
