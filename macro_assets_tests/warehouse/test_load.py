"""Loads into a real PostgreSQL: idempotent, atomic, replacing a release's rows as a whole."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
import sqlalchemy as sa

from macro_assets.transform.indicators import SCHEMA as IND_SCHEMA
from macro_assets.transform.observations import SCHEMA as OBS_SCHEMA
from macro_assets.warehouse.load import load_release

RELEASE = date(2026, 10, 29)


def observations(values: dict[str, float | None], release: date = RELEASE) -> pl.DataFrame:
    rows = [
        {
            "dataset": "NIPA",
            "table_name": "T10105",
            "line_number": 1,
            "series_code": "A191RC",
            "line_description": 'Gross domestic product, "nominal", with commas',
            "geo_fips": "00000",
            "geo_name": "United States",
            "geo_level": "nation",
            "time_period": period,
            "frequency": "A",
            "period_start": date(int(period), 1, 1),
            "period_end": date(int(period), 12, 31),
            "value": value,
            "value_status": None if value is not None else "(NA)",
            "metric_name": "Current Dollars",
            "unit": "Level",
            "unit_mult": 6,
            "release_date": release,
        }
        for period, value in values.items()
    ]
    return pl.DataFrame(rows, schema=OBS_SCHEMA)


def indicators(value: float) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "indicator": "nominal_gdp",
                "frequency": "A",
                "time_period": "2024",
                "period_end": date(2024, 12, 31),
                "value": value,
                "unit": "Dollars",
                "release_date": RELEASE,
            }
        ],
        schema=IND_SCHEMA,
    )


def rows(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT time_period, value, value_status, line_description FROM bea.observations ORDER BY 1"
            )
        ).all()


def test_load_twice_changes_nothing(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    obs = observations({"2023": 27_720_709.0, "2024": 29_184_890.5, "2025": None})
    first = load_release(engine, RELEASE, obs, indicators(1.0))
    assert first["observations"].inserted == 3
    before = rows(engine)
    second = load_release(engine, RELEASE, obs, indicators(1.0))
    assert vars(second["observations"]) == {"inserted": 0, "updated": 0, "deleted": 0, "unchanged": 3}
    assert rows(engine) == before
    assert before[1][1] == 29_184_890.5 and before[2][2] == "(NA)"
    assert before[0][3] == 'Gross domestic product, "nominal", with commas'


def test_reload_replaces_the_release_as_a_whole(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    load_release(engine, RELEASE, observations({"2023": 1.0, "2024": 2.0}), indicators(1.0))
    counts = load_release(engine, RELEASE, observations({"2024": 2.5}), indicators(2.0))
    assert (counts["observations"].updated, counts["observations"].deleted) == (1, 1)
    assert [(p, v) for p, v, *_ in rows(engine)] == [("2024", 2.5)]


def test_other_releases_are_untouched(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    other = date(2026, 9, 25)
    load_release(engine, other, observations({"2023": 1.0}, release=other), indicators(1.0).clear())
    load_release(engine, RELEASE, observations({"2023": 1.1}), indicators(1.0))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM bea.observations")).scalar_one() == 2


def test_a_failing_load_leaves_nothing_half_written(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    load_release(engine, RELEASE, observations({"2023": 1.0}), indicators(1.0))
    before = rows(engine)
    broken = observations({"2023": 5.0, "2024": 6.0}).with_columns(
        pl.when(pl.col("time_period") == "2024")
        .then(pl.lit("X"))
        .otherwise(pl.col("frequency"))
        .alias("frequency")
    )
    with pytest.raises(sa.exc.IntegrityError):
        load_release(engine, RELEASE, broken, indicators(1.0))
    assert rows(engine) == before


def test_rows_of_another_release_are_refused(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with pytest.raises(ValueError, match="another release date"):
        load_release(engine, RELEASE, observations({"2023": 1.0}, release=date(2020, 1, 1)), indicators(1.0))
