"""bea.load_audit: one row per table a load touched, written in the load's transaction."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from macro_assets.warehouse.load import Audit, ReleaseInput, TableInfo, VintageConflict, load_release
from macro_assets_tests.warehouse.test_load import R1, R2, R3, indicators, observations

SOURCE = TableInfo(
    bea_release="GDP",
    last_revised=R1,
    bronze_objects=(
        {"uri": "file:///lake/bronze/x.json.gz", "sha256": "ab" * 32, "last_revised": "2026-08-27"},
    ),
)


def audit_rows(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                sa.text(
                    "SELECT run_id, release_date, target, table_name, outcome, rows_in_release, "
                    "rows_inserted, "
                    "rows_closed, rows_extended, rows_unchanged, started_at, finished_at, code_version, "
                    "bronze_objects FROM bea.load_audit WHERE target = 'bea.observations' ORDER BY audit_id"
                )
            )
        ]


def run(engine: sa.Engine, release: date, values: dict[str, float], run_id: str) -> None:
    load_release(
        engine,
        ReleaseInput.of(
            release,
            observations(values, release),
            indicators(1.0, release),
            tables={("NIPA", "T10105"): SOURCE, ("gold", "nominal_gdp"): SOURCE},
            audit=Audit(run_id=run_id, code_version="0.1.0+gtest"),
        ),
    )


@pytest.fixture
def engine(database_url: str):  # noqa: ANN201
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


def test_every_load_is_audited_with_its_effect(engine: sa.Engine) -> None:
    run(engine, R1, {"2023": 1.0, "2024": 2.0}, "run-1")
    run(engine, R2, {"2023": 1.0, "2024": 2.5, "2025": 3.0}, "run-2")  # one revised, one new
    run(engine, R3, {"2023": 1.0, "2024": 2.5, "2025": 3.0}, "run-3")  # repeats R2
    run(engine, R3, {"2023": 1.0, "2024": 2.5, "2025": 3.0}, "run-4")  # a re-run

    audits = audit_rows(engine)
    summary = [
        (
            a["run_id"],
            a["release_date"],
            a["outcome"],
            a["rows_in_release"],
            a["rows_inserted"],
            a["rows_closed"],
            a["rows_extended"],
            a["rows_unchanged"],
        )
        for a in audits
    ]
    assert summary == [
        ("run-1", R1, "folded", 2, 2, 0, 0, 0),
        ("run-2", R2, "folded", 3, 2, 1, 0, 1),
        ("run-3", R3, "same_as_previous", 3, 0, 0, 0, 3),
        ("run-4", R3, "already_loaded", 3, 0, 0, 0, 3),
    ]
    for a in audits:
        assert a["code_version"] == "0.1.0+gtest"
        assert a["started_at"] <= a["finished_at"]
        assert a["bronze_objects"] == list(SOURCE.bronze_objects)


def test_an_out_of_order_load_counts_extended_rows(engine: sa.Engine) -> None:
    run(engine, R1, {"2024": 1.0}, "a")
    run(engine, R3, {"2024": 2.0}, "b")
    run(engine, R2, {"2024": 2.0}, "c")  # R2 already says what R3 says: R3's row starts at R2
    last = audit_rows(engine)[-1]
    assert (last["outcome"], last["rows_closed"], last["rows_extended"], last["rows_unchanged"]) == (
        "folded",
        1,
        1,
        0,
    )


def test_lineage_leads_from_an_observation_to_its_run_and_bronze_answer(engine: sa.Engine) -> None:
    run(engine, R1, {"2024": 1.0}, "run-1")
    run(engine, R2, {"2024": 1.5}, "run-2")
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT o.value, l.run_id, l.code_version, l.bronze_objects -> 0 ->> 'uri' "
                "FROM bea.observations o JOIN bea.table_lineage l "
                "ON (l.dataset, l.table_name, l.release_date) = (o.dataset, o.table_name, o.published_in) "
                "WHERE o.table_name = 'T10105' AND o.time_period = '2024' ORDER BY o.published_in"
            )
        ).all()
    assert found == [
        (1.0, "run-1", "0.1.0+gtest", "file:///lake/bronze/x.json.gz"),
        (1.5, "run-2", "0.1.0+gtest", "file:///lake/bronze/x.json.gz"),
    ]


def test_a_refused_load_leaves_no_audit_row(engine: sa.Engine) -> None:
    run(engine, R1, {"2024": 1.0}, "run-1")
    with pytest.raises(VintageConflict):
        run(engine, R1, {"2024": 9.0}, "run-2")
    assert [a["run_id"] for a in audit_rows(engine)] == ["run-1"]
