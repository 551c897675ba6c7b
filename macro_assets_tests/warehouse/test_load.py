"""The vintage fold in a real PostgreSQL, on small hand-made releases."""

from __future__ import annotations

import random
import time
from datetime import date

import polars as pl
import pytest
import sqlalchemy as sa

from macro_assets.transform.indicators import SCHEMA as IND_SCHEMA
from macro_assets.transform.observations import SCHEMA as OBS_SCHEMA
from macro_assets.warehouse.load import MixedSourcesError, ReleaseInput, VintageConflict, load_release

R1, R2, R3 = date(2026, 8, 27), date(2026, 9, 24), date(2026, 10, 29)


def observations(values: dict[str, float | None], release: date) -> pl.DataFrame:
    rows = [
        {
            "dataset": "NIPA",
            "table_name": "T10105",
            "series_id": "1",
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
            "dimensions": None,
            "release_date": release,
        }
        for period, value in values.items()
    ]
    return pl.DataFrame(rows, schema=OBS_SCHEMA)


def indicators(value: float, release: date) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "indicator": "nominal_gdp",
                "frequency": "A",
                "time_period": "2024",
                "period_end": date(2024, 12, 31),
                "value": value,
                "unit": "Dollars",
                "release_date": release,
            }
        ],
        schema=IND_SCHEMA,
    )


def load(engine: sa.Engine, release: date, values: dict[str, float | None], ind: float = 1.0):  # noqa: ANN201
    return load_release(
        engine, ReleaseInput.of(release, observations(values, release), indicators(ind, release))
    )


def rows(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT time_period, value, value_status, published_in, replaced_in FROM bea.observations "
                "ORDER BY time_period, published_in"
            )
        ).all()


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    return sa.create_engine(database_url)


def test_load_twice_changes_nothing(engine: sa.Engine) -> None:
    first = load(engine, R1, {"2023": 27_720_709.0, "2024": 29_184_890.5, "2025": None})
    assert first["observations"].inserted == 3
    before = rows(engine)
    again = load(engine, R1, {"2023": 27_720_709.0, "2024": 29_184_890.5, "2025": None})
    assert (again["observations"].inserted, again["observations"].unchanged_tables) == (0, 1)
    assert (
        rows(engine)
        == before
        == [
            ("2023", 27_720_709.0, None, R1, None),
            ("2024", 29_184_890.5, None, R1, None),
            ("2025", None, "(NA)", R1, None),
        ]
    )


def test_a_revision_closes_the_old_value_and_opens_the_new(engine: sa.Engine) -> None:
    load(engine, R1, {"2024": 1.0, "2025": 5.0})
    counts = load(engine, R2, {"2024": 2.0, "2025": 5.0, "2026": 7.0})["observations"]
    assert (counts.inserted, counts.closed) == (2, 1)
    assert rows(engine) == [
        ("2024", 1.0, None, R1, R2),
        ("2024", 2.0, None, R2, None),
        ("2025", 5.0, None, R1, None),
        ("2026", 7.0, None, R2, None),
    ]


def test_an_unrevised_release_adds_no_rows(engine: sa.Engine) -> None:
    load(engine, R1, {"2024": 1.0})
    counts = load(engine, R2, {"2024": 1.0})["observations"]
    assert (counts.inserted, counts.unchanged_tables) == (0, 1)
    assert rows(engine) == [("2024", 1.0, None, R1, None)]


@pytest.mark.parametrize(
    "middle, expected",
    [
        (1.0, [("2024", 1.0, None, R1, R3), ("2024", 2.0, None, R3, None)]),
        (2.0, [("2024", 1.0, None, R1, R2), ("2024", 2.0, None, R2, None)]),
        (3.0, [("2024", 1.0, None, R1, R2), ("2024", 3.0, None, R2, R3), ("2024", 2.0, None, R3, None)]),
    ],
)
def test_a_release_loaded_late_falls_into_place(engine: sa.Engine, middle: float, expected: list) -> None:
    load(engine, R1, {"2024": 1.0})
    load(engine, R3, {"2024": 2.0})
    load(engine, R2, {"2024": middle})
    assert rows(engine) == expected


def test_a_late_release_splits_a_run_that_continues_after_it(engine: sa.Engine) -> None:
    load(engine, R1, {"2024": 1.0})
    load(engine, R3, {"2024": 1.0})
    load(engine, R2, {"2024": 9.0})
    assert rows(engine) == [
        ("2024", 1.0, None, R1, R2),
        ("2024", 9.0, None, R2, R3),
        ("2024", 1.0, None, R3, None),
    ]


def test_a_dropped_key_is_closed_and_can_return(engine: sa.Engine) -> None:
    load(engine, R1, {"2023": 1.0, "2024": 2.0})
    load(engine, R2, {"2023": 1.0})
    load(engine, R3, {"2023": 1.0, "2024": 2.0})
    assert rows(engine) == [
        ("2023", 1.0, None, R1, None),
        ("2024", 2.0, None, R1, R2),
        ("2024", 2.0, None, R3, None),
    ]


def test_different_data_for_a_loaded_release_is_refused(engine: sa.Engine) -> None:
    load(engine, R1, {"2024": 1.0})
    with pytest.raises(
        VintageConflict, match="release 2026-08-27 of NIPA/T10105 was loaded from different data"
    ):
        load(engine, R1, {"2024": 1.5})
    assert rows(engine) == [("2024", 1.0, None, R1, None)]


def test_a_failing_load_leaves_nothing_half_written(engine: sa.Engine) -> None:
    load(engine, R1, {"2023": 1.0})
    before = rows(engine)
    broken = observations({"2023": 5.0, "2024": 6.0}, R2).with_columns(
        pl.when(pl.col("time_period") == "2024")
        .then(pl.lit("X"))
        .otherwise(pl.col("frequency"))
        .alias("frequency")
    )
    with pytest.raises(sa.exc.IntegrityError):
        load_release(engine, ReleaseInput.of(R2, broken, indicators(1.0, R2)))
    assert rows(engine) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM bea.release_tables")).scalar_one() == 2


def test_rows_of_another_release_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="another release date"):
        load_release(engine, ReleaseInput.of(R1, observations({"2023": 1.0}, R2), indicators(1.0, R1)))


def test_indicator_revisions_view(engine: sa.Engine) -> None:
    load(engine, R1, {"2024": 1.0}, ind=100.0)
    load(engine, R2, {"2024": 1.0}, ind=103.5)
    load(engine, R3, {"2024": 1.0}, ind=103.0)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT first_value, first_published, latest_value, latest_published, total_revision, "
                "revisions "
                "FROM bea.indicator_revisions WHERE indicator = 'nominal_gdp'"
            )
        ).one()
    assert tuple(row) == (100.0, R1, 103.0, R3, 3.0, 2)


def test_a_warehouse_holds_bea_data_or_sandbox_data_never_both(engine: sa.Engine) -> None:
    load_release(
        engine, ReleaseInput.of(R1, observations({"2024": 1.0}, R1), indicators(1.0, R1), source="sandbox")
    )
    before = rows(engine)
    refused = r"^this warehouse holds sandbox data \(1 releases from "
    with pytest.raises(MixedSourcesError, match=refused) as raised:
        load_release(
            engine, ReleaseInput.of(R2, observations({"2024": 2.0}, R2), indicators(2.0, R2), source="bea")
        )
    assert "\n" not in str(raised.value)
    assert rows(engine) == before  # nothing of the refused load was written
    load_release(
        engine, ReleaseInput.of(R2, observations({"2024": 2.0}, R2), indicators(2.0, R2), source="sandbox")
    )
    with engine.connect() as conn:
        labels = conn.execute(sa.text("SELECT DISTINCT release_date, source FROM bea.table_lineage")).all()
    assert sorted(labels) == [(R1, "sandbox"), (R2, "sandbox")]


@pytest.mark.parametrize("text", ["\\N", "\\n", '"\\N"', "", "a,b\r\nc", "\\."])
def test_text_survives_copy_exactly(engine: sa.Engine, text: str) -> None:
    """COPY's NULL marker (\\N), its end marker (\\.), quotes and line breaks are text like any
    other: a LineDescription BEA sent is stored as it was (issue 19)."""
    obs = observations({"2024": 1.0}, R1).with_columns(pl.lit(text).alias("line_description"))
    load_release(engine, ReleaseInput.of(R1, obs, indicators(1.0, R1)))
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT line_description FROM bea.observations")).scalar_one()
    assert stored == text


RELEASES = [date(2025, 11, 20), date(2026, 2, 26), date(2026, 5, 28), date(2026, 8, 27), date(2026, 11, 19)]


def history(seed: int) -> dict[date, pl.DataFrame]:
    """Five releases of two tables (4 series x 5 years each): each revises some values, drops
    and brings back some keys, adds a year, or repeats the previous release exactly."""
    rng = random.Random(seed)
    values = {
        (t, s, str(y)): float(rng.randint(1, 9))
        for t in ("T10105", "T20600")
        for s in "1234"
        for y in range(2020, 2025)
    }
    releases = {}
    for release in RELEASES:
        if release != RELEASES[0] and rng.random() < 0.2:
            releases[release] = releases[max(releases)].with_columns(release_date=pl.lit(release))
            continue
        for key in rng.sample(sorted(values), 6):
            values[key] = float(rng.randint(1, 9)) if rng.random() < 0.8 else None
        if rng.random() < 0.5:
            values |= {(t, s, str(2025 + len(releases))): 1.0 for t in ("T10105", "T20600") for s in "1234"}
        present = {k: v for k, v in values.items() if rng.random() < 0.9}
        frames = [
            observations(
                {p: v for (t, s, p), v in present.items() if (t, s) == (table, series)}, release
            ).with_columns(table_name=pl.lit(table), series_id=pl.lit(series), line_number=int(series))
            for table in ("T10105", "T20600")
            for series in "1234"
        ]
        releases[release] = pl.concat(frames)
    return releases


def stored(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT table_name, series_id, time_period, value, value_status, published_in, replaced_in "
                "FROM bea.observations ORDER BY 1, 2, 3, 6"
            )
        ).all()


@pytest.mark.parametrize("seed", range(10))
def test_staging_only_the_changes_gives_the_rows_of_a_whole_fold_in_any_order(
    engine: sa.Engine, seed: int
) -> None:
    """A table whose previous release's rows are at hand stages only what changed since them;
    the rows stored are those of folding every row, whatever the order releases arrive in."""
    releases = history(seed)
    rng = random.Random(seed)
    order = rng.sample(RELEASES, len(RELEASES))
    results, staged = [], []
    for earlier in (None, releases):
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS bea CASCADE")
        for release in order:
            counts = load_release(
                engine,
                ReleaseInput.of(release, releases[release], indicators(1.0, release), earlier=earlier),
            )
            staged.append((earlier is not None, counts["observations"].staged, releases[release].height))
        results.append(stored(engine))
        with engine.connect() as conn:
            for release in RELEASES:  # every vintage reads back as it was published
                as_of = conn.execute(
                    sa.text(
                        "SELECT table_name, series_id, time_period, value FROM bea.observations_as_of(:d) "
                        "ORDER BY 1, 2, 3"
                    ),
                    {"d": release},
                ).all()
                expected = releases[release].sort("table_name", "series_id", "time_period")
                assert as_of == list(
                    expected.select("table_name", "series_id", "time_period", "value").iter_rows()
                )
    assert results[0] == results[1]
    # With the earlier releases at hand, a release after a loaded one staged fewer rows than it holds.
    assert any(changes and rows < height for changes, rows, height in staged)
    assert all(rows in (0, height) for changes, rows, height in staged if not changes)


def test_a_revised_value_is_closed_on_its_own_page(engine: sa.Engine) -> None:
    """When a release is a table's newest, the values it revises are closed before its new rows
    go in, as HOT updates on the rows' own pages (no row version elsewhere, no new entry in the
    key index): what keeps a county vintage's load a fraction of the first (migration 0011)."""
    years = range(1969, 2025)

    def release_rows(release: date, revised: float) -> pl.DataFrame:
        return pl.concat(
            observations({str(y): revised if y == 2024 else float(y) for y in years}, release).with_columns(
                series_id=pl.lit(series), line_number=int(series)
            )
            for series in "123456"
        )

    first = release_rows(R1, 1.0)
    load_release(engine, ReleaseInput.of(R1, first, indicators(1.0, R1)))
    counts = load_release(
        engine, ReleaseInput.of(R2, release_rows(R2, 2.0), indicators(1.0, R2), earlier={R1: first})
    )["observations"]
    assert (counts.closed, counts.staged) == (6, 6)
    # Statistics reach the shared counters when a session ends or idles: close the load's.
    engine.dispose()
    updated = hot = 0
    for _ in range(100):
        with engine.connect() as conn:
            updated, hot = conn.execute(
                sa.text(
                    "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                    "WHERE relid = 'bea.observations'::regclass"
                )
            ).one()
        if updated >= 6:
            break
        time.sleep(0.1)
    assert (updated, hot) == (6, 6)
