"""The warehouse checks against a real PostgreSQL: pass after a load, fail when rows go missing."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from macro_assets.checks import checked_nothing
from macro_assets.checks.warehouse import silver_rows, warehouse_checks
from macro_assets.warehouse.load import ReleaseInput, load_release
from macro_assets_tests.warehouse.test_load import indicators, observations

R1, R2 = date(2026, 8, 27), date(2026, 9, 24)


def outcomes(engine: sa.Engine, release: date, silver) -> dict[str, bool]:  # noqa: ANN001
    return {o.name: o.passed for o in warehouse_checks(engine, release, silver_rows(silver))}


def test_pass_after_loads_and_fail_when_rows_go_missing(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    first, second = observations({"2023": 1.0, "2024": 2.0}, R1), observations({"2023": 1.0, "2024": 2.5}, R2)
    load_release(engine, ReleaseInput.of(R1, first, indicators(1.0, R1)))
    load_release(engine, ReleaseInput.of(R2, second, indicators(1.0, R2)))
    assert (
        outcomes(engine, R1, first)
        == outcomes(engine, R2, second)
        == {"rows_match_silver": True, "no_duplicate_keys": True}
    )
    with engine.begin() as conn:
        conn.execute(
            sa.text("DELETE FROM bea.observations WHERE time_period = '2024' AND published_in = :r"),
            {"r": R2},
        )
    assert outcomes(engine, R2, second)["rows_match_silver"] is False
    assert outcomes(engine, R1, first)["rows_match_silver"] is True
    engine.dispose()


def test_a_key_covered_twice_fails_no_duplicate_keys(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    first, second = observations({"2023": 1.0, "2024": 2.0}, R1), observations({"2023": 1.0, "2024": 2.5}, R2)
    load_release(engine, ReleaseInput.of(R1, first, indicators(1.0, R1)))
    load_release(engine, ReleaseInput.of(R2, second, indicators(1.0, R2)))
    with engine.begin() as conn:
        # Re-open the revised value of R1: as of R2 two rows then answer for 2024.
        reopened = conn.execute(
            sa.text(
                "UPDATE bea.observations SET replaced_in = NULL "
                "WHERE time_period = '2024' AND published_in = :r AND replaced_in = :n"
            ),
            {"r": R1, "n": R2},
        ).rowcount
    assert reopened == 1
    assert outcomes(engine, R2, second) == {"rows_match_silver": False, "no_duplicate_keys": False}
    assert outcomes(engine, R1, first) == {"rows_match_silver": True, "no_duplicate_keys": True}
    engine.dispose()


def test_a_key_twice_is_found_whichever_releases_published_its_rows(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    r3 = date(2026, 10, 29)
    values = {R1: {"2023": 1.0, "2024": 2.0}, R2: {"2023": 1.0, "2024": 2.5}, r3: {"2023": 1.0, "2024": 2.5}}
    silver = {release: observations(v, release) for release, v in values.items()}
    for release, frame in silver.items():
        load_release(engine, ReleaseInput.of(release, frame, indicators(1.0, release)))
    assert all(outcomes(engine, r, silver[r])["no_duplicate_keys"] for r in values)
    with engine.begin() as conn:
        # R1's 2024, revised by R2, re-opened: as of R3 it stands beside R2's, neither from R3.
        conn.execute(
            sa.text(
                "UPDATE bea.observations SET replaced_in = NULL "
                "WHERE time_period = '2024' AND published_in = :r"
            ),
            {"r": R1},
        )
    assert outcomes(engine, r3, silver[r3])["no_duplicate_keys"] is False
    assert outcomes(engine, R1, silver[R1])["no_duplicate_keys"] is True
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE bea.observations SET replaced_in = :n "
                "WHERE time_period = '2024' AND published_in = :r"
            ),
            {"r": R1, "n": R2},
        )
        # A row claiming a release before the table's first: as of R1 it doubles R1's 2023.
        conn.execute(
            sa.text(
                "CREATE TEMP TABLE older AS SELECT * FROM bea.observations "
                "WHERE time_period = '2023' AND published_in = :r"
            ),
            {"r": R1},
        )
        conn.execute(sa.text("UPDATE older SET published_in = :before"), {"before": date(2026, 7, 30)})
        conn.execute(sa.text("INSERT INTO bea.observations SELECT * FROM older"))
    assert outcomes(engine, R1, silver[R1]) == {"rows_match_silver": False, "no_duplicate_keys": False}
    engine.dispose()


def test_an_empty_silver_or_warehouse_is_nothing_to_check(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    first = observations({"2023": 1.0}, R1)
    load_release(engine, ReleaseInput.of(R1, first, indicators(1.0, R1)))
    nothing = warehouse_checks(engine, R1, silver_rows(first.clear()))
    assert [(o.passed, checked_nothing(o)) for o in nothing] == [(False, True), (False, True)]
    # R2 was never loaded: no rows as of it, so there are no keys to look at twice.
    unloaded = {o.name: o for o in warehouse_checks(engine, R2, silver_rows(observations({"2023": 1.0}, R2)))}
    assert not unloaded["rows_match_silver"].passed and not checked_nothing(unloaded["rows_match_silver"])
    assert checked_nothing(unloaded["no_duplicate_keys"])
    engine.dispose()
