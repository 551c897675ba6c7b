"""The query API on a hand-made history of one series, every answer worked out by hand:

period  R1 (08-27)  R2 (09-24)  R3 (10-29)  R4 (11-25)
2023    100         100         105         105
2024    200         210         210         210
2025    —           300         (dropped)   310
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
import sqlalchemy as sa

from macro_assets.query import (
    QueryError,
    Series,
    observations,
    regional_map,
    release_diff,
    release_summary,
    revisions,
)
from macro_assets_tests.warehouse.test_load import load

R1, R2, R3, R4 = date(2026, 8, 27), date(2026, 9, 24), date(2026, 10, 29), date(2026, 11, 25)
TODAY = date(2026, 12, 5)
GDP = "NIPA/T10105/1"
HISTORY = {
    R1: {"2023": 100.0, "2024": 200.0},
    R2: {"2023": 100.0, "2024": 210.0, "2025": 300.0},
    R3: {"2023": 105.0, "2024": 210.0},
    R4: {"2023": 105.0, "2024": 210.0, "2025": 310.0},
}


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    engine = sa.create_engine(database_url)
    for release, values in HISTORY.items():
        load(engine, release, values)
    return engine


def picked(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    return list(frame.select(columns).iter_rows())


def test_as_of_a_day_is_what_bea_had_published_by_then(engine: sa.Engine) -> None:
    on_r1 = observations(engine, GDP, as_of=R1, today=TODAY)
    assert picked(on_r1, "time_period", "value", "published_in", "realtime_start", "realtime_end") == [
        ("2023", 100.0, R1, R1, R1),
        ("2024", 200.0, R1, R1, R1),
    ]
    assert picked(observations(engine, GDP, as_of="2026-09-30", today=TODAY), "time_period", "value") == [
        ("2023", 100.0),
        ("2024", 210.0),
        ("2025", 300.0),
    ]
    # R3 dropped 2025; the day before R1 there was nothing yet.
    assert picked(observations(engine, GDP, as_of=R3, today=TODAY), "time_period", "value") == [
        ("2023", 105.0),
        ("2024", 210.0),
    ]
    assert observations(engine, GDP, as_of=date(2026, 8, 26), today=TODAY).is_empty()
    # Without a day: today's answer.
    assert picked(observations(engine, GDP, today=TODAY), "value") == [(105.0,), (210.0,), (310.0,)]


def test_every_vintage_of_a_window_with_the_days_each_value_was_current(engine: sa.Engine) -> None:
    got = observations(
        engine, GDP, output="all", realtime_start="2026-09-01", realtime_end="2026-10-31", today=TODAY
    )
    assert picked(got, "time_period", "value", "realtime_start", "realtime_end") == [
        ("2023", 100.0, date(2026, 9, 1), date(2026, 10, 28)),
        ("2023", 105.0, R3, date(2026, 10, 31)),  # R4's later publication is not seen
        ("2024", 200.0, date(2026, 9, 1), date(2026, 9, 23)),
        ("2024", 210.0, R2, date(2026, 10, 31)),
        ("2025", 300.0, R2, date(2026, 10, 28)),
    ]
    # From the beginning of real time to today: every stored value, the current ones open to today.
    everything = observations(engine, GDP, output="all", today=TODAY)
    assert everything.height == 6
    assert picked(everything.filter(pl.col("realtime_end") == TODAY), "time_period", "value") == [
        ("2023", 105.0),
        ("2024", 210.0),
        ("2025", 310.0),
    ]


def test_only_new_or_revised_values_and_the_initial_release(engine: sa.Engine) -> None:
    fresh = observations(engine, GDP, output="new_or_revised", realtime_start="2026-09-01", today=TODAY)
    assert picked(fresh, "time_period", "value", "published_in") == [
        ("2023", 105.0, R3),
        ("2024", 210.0, R2),
        ("2025", 300.0, R2),
        ("2025", 310.0, R4),
    ]
    initial = observations(engine, GDP, output="initial", today=TODAY)
    assert picked(initial, "time_period", "value", "published_in") == [
        ("2023", 100.0, R1),
        ("2024", 200.0, R1),
        ("2025", 300.0, R2),
    ]
    # Nothing first published after the window's end.
    early = observations(engine, GDP, output="initial", realtime_end="2026-09-01", today=TODAY)
    assert picked(early, "time_period", "value", "realtime_end") == [
        ("2023", 100.0, date(2026, 9, 1)),
        ("2024", 200.0, date(2026, 9, 1)),
    ]


def test_revisions_of_each_period_with_the_release_that_made_them(engine: sa.Engine) -> None:
    now = revisions(engine, GDP, today=TODAY)
    assert picked(
        now, "time_period", "revision", "published_in", "value", "previous_value", "change", "latest"
    ) == [
        ("2023", 0, R1, 100.0, None, None, False),
        ("2023", 1, R3, 105.0, 100.0, 5.0, True),
        ("2024", 0, R1, 200.0, None, None, False),
        ("2024", 1, R2, 210.0, 200.0, 10.0, True),
        ("2025", 0, R2, 300.0, None, None, False),  # dropped by R3
        ("2025", 1, R4, 310.0, 300.0, 10.0, True),
    ]
    # As of a day, R3's revision and R4's return are not yet known: 2023's first value is latest.
    then = revisions(engine, GDP, as_of="2026-09-30", today=TODAY)
    assert picked(then, "time_period", "revision", "value", "latest", "realtime_end") == [
        ("2023", 0, 100.0, True, date(2026, 9, 30)),
        ("2024", 0, 200.0, False, date(2026, 9, 23)),
        ("2024", 1, 210.0, True, date(2026, 9, 30)),
        ("2025", 0, 300.0, True, date(2026, 9, 30)),
    ]


def test_what_a_release_changed(engine: sa.Engine) -> None:
    r3 = release_diff(engine, R3)
    assert picked(
        r3, "time_period", "change_kind", "rank", "previous_value", "value", "change", "previous_release"
    ) == [
        ("2023", "revised", 1, 100.0, 105.0, 5.0, R1),
        ("2025", "dropped", 2, 300.0, None, None, R2),
    ]
    assert r3["percent_change"][0] == pytest.approx(5.0)
    # A dropped value is described by the row it ended, a revised one by the row it started.
    described = ('Gross domestic product, "nominal", with commas', "United States")
    assert picked(r3, "line_description", "geo_name") == [described, described]
    r2 = release_diff(engine, R2, dataset="NIPA", table_name="T10105")
    assert picked(r2, "time_period", "change_kind", "value") == [
        ("2024", "revised", 210.0),
        ("2025", "new", 300.0),
    ]
    # 2025 came back at R4 after R3 dropped it: new against what R3 left.
    assert picked(release_diff(engine, R4), "time_period", "change_kind", "previous_value") == [
        ("2025", "new", None)
    ]
    assert release_diff(engine, R1).get_column("change_kind").to_list() == ["new", "new"]
    assert release_diff(engine, R2, table_name="T99999").is_empty()
    # The first rank of each table only.
    assert picked(release_diff(engine, R2, per_table=1), "time_period", "rank") == [("2024", 1)]
    # Caps are slices of the whole ranking.
    for release in HISTORY:
        whole = release_diff(engine, release)
        assert release_diff(engine, release, limit=10_000).equals(whole)
        assert release_diff(engine, release, per_table=10_000).equals(whole)
        assert release_diff(engine, release, limit=1).equals(whole.head(1))


def test_how_much_a_release_changed_per_table(engine: sa.Engine) -> None:
    summary = {r: release_summary(engine, r) for r in HISTORY}
    assert [picked(summary[r], "table_name", "revised", "new", "dropped") for r in HISTORY] == [
        [("T10105", 0, 2, 0)],
        [("T10105", 1, 1, 0)],
        [("T10105", 1, 0, 1)],
        [("T10105", 0, 1, 0)],
    ]
    # The counts are the diff's rows, kind by kind.
    for release, counted in summary.items():
        kinds = release_diff(engine, release).get_column("change_kind").value_counts()
        by_kind = dict(kinds.iter_rows())
        assert [by_kind.get(k, 0) for k in ("revised", "new", "dropped")] == list(counted.row(0)[2:])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda e: observations(e, "NIPA/T10105"), "expected dataset/table/series_id"),
        (lambda e: observations(e, "NIPA/T10105/99"), "unknown series NIPA/T10105/99"),
        (lambda e: observations(e, "NIPA/T10105/1' OR '1'='1"), "unknown series"),
        (
            lambda e: observations(e, GDP, as_of="2026-13-45"),
            "as_of '2026-13-45': expected a date as YYYY-MM-DD",
        ),
        (lambda e: observations(e, GDP, as_of=datetime(2026, 9, 1, 12)), "not a date and time"),
        (lambda e: observations(e, GDP, output="weekly"), "output 'weekly': expected one of as_of, all"),  # type: ignore[arg-type]
        (lambda e: observations(e, GDP, output="all", as_of=R1), "as_of is for output as_of"),
        (lambda e: observations(e, GDP, as_of=R1, realtime_end=R2), "not both"),
        (
            lambda e: observations(e, GDP, output="all", realtime_start=R3, realtime_end=R1),
            "realtime_start 2026-10-29 is after realtime_end 2026-08-27",
        ),
        (lambda e: release_diff(e, "2026-08-28"), "release 2026-08-28 is not loaded"),
        (lambda e: release_diff(e, R1, per_table=0), "per_table 0: expected at least 1"),
        (lambda e: release_summary(e, "2026-08-28"), "release 2026-08-28 is not loaded"),
        (lambda e: regional_map(e, "SAINC1", 1, "2024", as_of=R4), "SAINC1 line 1 has no value for 2024"),
        (lambda e: regional_map(e, "SAINC1", 1, " "), "time_period: give a period"),
        (lambda e: revisions(e, "Regional/SAINC1/1|01000"), "unknown series"),
    ],
)
def test_a_question_that_cannot_be_answered_gets_one_line_naming_why(
    engine: sa.Engine,
    call,
    message: str,  # noqa: ANN001
) -> None:
    with pytest.raises(QueryError, match=message.replace("|", r"\|").replace("(", r"\(")) as refused:
        call(engine)
    assert "\n" not in str(refused.value)


def test_a_series_by_name_or_by_parts() -> None:
    assert Series.parse("Regional/CAINC1/3|01001") == Series("Regional", "CAINC1", "3|01001")
    assert Series.parse("ITA/ITA/BalGds/QSA/AllCountries").series_id == "BalGds/QSA/AllCountries"
    assert str(Series("NIPA", "T10101", "1")) == "NIPA/T10101/1"
