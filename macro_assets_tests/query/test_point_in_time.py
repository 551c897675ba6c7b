"""Point in time: no answer about a day depends on anything BEA published after it.

Over the sandbox's history (four releases, conftest's ``captured``): a warehouse loaded release
by release, in order, is asked about each release's day right after loading it — what the
pipeline could know then. A second warehouse, holding every release (loaded in a shuffled
order), must give exactly the same answers for those days, for every output; and as of each
day the values are what the sandbox served that day.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

import polars as pl
import sqlalchemy as sa

from macro_assets.query import (
    Series,
    UnknownError,
    observations,
    regional_map,
    release_diff,
    release_summary,
    revisions,
)
from macro_assets_tests.history import KEY, RELEASES, load_in_order
from macro_assets_tests.warehouse.test_vintages import silver

Answers = dict[tuple[str, str], pl.DataFrame]
# The catalog's Regional lines (history.CATALOG), mapped for each of these years.
MAPS = [("SAINC1", line, year) for line in (1, 2) for year in ("2022", "2023", "2024", "2025")]


def sampled_series(engine: sa.Engine, rng: random.Random) -> list[Series]:
    """Every series with a revision or a dropped value, and as many others at random."""
    with engine.connect() as conn:
        changed = conn.execute(
            sa.text(
                "SELECT DISTINCT dataset, table_name, series_id FROM bea.observations "
                "WHERE replaced_in IS NOT NULL"
            )
        ).all()
        every = conn.execute(
            sa.text("SELECT DISTINCT dataset, table_name, series_id FROM bea.observations")
        ).all()
    steady = sorted(set(every) - set(changed))
    return [Series(*s) for s in sorted(changed) + rng.sample(steady, min(len(steady), max(10, len(changed))))]


def answers(engine: sa.Engine, series: list[Series], day: date) -> Answers:
    """Every question about ``day`` (a window that ends on it), for each series, and the day's
    release diff."""
    first = RELEASES[0] + timedelta(days=1)
    questions: dict[str, Callable[[Series], pl.DataFrame]] = {
        "as_of": lambda s: observations(engine, s, as_of=day),
        "all": lambda s: observations(engine, s, output="all", realtime_end=day),
        "all_since_first": lambda s: observations(
            engine, s, output="all", realtime_start=min(first, day), realtime_end=day
        ),
        "new_or_revised": lambda s: observations(engine, s, output="new_or_revised", realtime_end=day),
        "initial": lambda s: observations(engine, s, output="initial", realtime_end=day),
        "revisions": lambda s: revisions(engine, s, as_of=day),
    }
    got: Answers = {(name, str(s)): ask(s) for s in series for name, ask in questions.items()}
    got[("release_diff", day.isoformat())] = release_diff(engine, day)
    got[("release_summary", day.isoformat())] = release_summary(engine, day)
    for table, line, year in MAPS:
        got[("map", f"{table}/{line}/{year}")] = mapped(engine, table, line, year, day)
    return got


def mapped(engine: sa.Engine, table: str, line: int, year: str, day: date) -> pl.DataFrame:
    """The line's map for the year as of the day; an empty frame when there was none yet."""
    try:
        return regional_map(engine, table, line, year, as_of=day)
    except UnknownError:
        return pl.DataFrame()


def test_no_answer_about_a_day_depends_on_what_was_published_after_it(  # noqa: ANN001
    captured, database_url: str, another_database
) -> None:
    lake, catalog, _ = captured
    rng = random.Random(18)
    url = another_database()
    load_in_order(rng.sample(RELEASES, len(RELEASES)), lake, catalog, url)
    everything = sa.create_engine(url)
    series = sampled_series(everything, rng)
    assert {s.dataset for s in series} == {"NIPA", "Regional"}

    then = sa.create_engine(database_url)
    revised = maps = 0
    for day in RELEASES:
        # What the pipeline could answer that day: the releases up to it, loaded as they came.
        load_in_order([day], lake, catalog, database_url)
        known = answers(then, series, day)
        now = answers(everything, series, day)
        assert now.keys() == known.keys()
        for question, answer in now.items():
            assert answer.equals(known[question]), (day, question)
            for column in ("published_in", "realtime_start", "realtime_end"):
                if column in answer.columns:
                    assert answer.filter(pl.col(column) > day).is_empty(), (day, question, column)
        revised += sum(
            a.filter(pl.col("revision") > 0).height for (q, _), a in now.items() if q == "revisions"
        )
        # A capped diff is the head of the whole one, whichever table the cap falls in.
        whole = now[("release_diff", day.isoformat())]
        for cap in {1, whole.height // 3, whole.height // 2 + 1, whole.height} - {0}:
            assert release_diff(everything, day, limit=cap).equals(whole.head(cap)), (day, cap)
        assert release_diff(everything, day, per_table=2).equals(whole.filter(pl.col("rank") <= 2))
        # The loads' counts guide how many tables a cap reads, never the answer: inflated, the
        # first tables' changes fall short of the cap and every table is read.
        with everything.begin() as conn:
            conn.execute(sa.text("UPDATE bea.load_audit SET rows_inserted = rows_inserted + 1000"))
        for cap in {1, whole.height // 2 + 1, whole.height} - {0}:
            assert release_diff(everything, day, limit=cap).equals(whole.head(cap)), (day, cap)
        with everything.begin() as conn:
            conn.execute(sa.text("UPDATE bea.load_audit SET rows_inserted = rows_inserted - 1000"))
        # And as of the day, the values are what the sandbox served that day.
        served = silver(lake, day).select(*KEY, "value", "value_status")
        for s in series:
            expected = (
                served.filter(
                    (pl.col("dataset") == s.dataset)
                    & (pl.col("table_name") == s.table_name)
                    & (pl.col("series_id") == s.series_id)
                )
                .select("time_period", "value", "value_status")
                .sort("time_period")
            )
            got = now[("as_of", str(s))].select("time_period", "value", "value_status").sort("time_period")
            assert got.equals(expected), (day, str(s))
        for table, line, year in MAPS:
            places = served.filter(
                (pl.col("table_name") == table)
                & pl.col("series_id").str.starts_with(f"{line}|")
                & (pl.col("time_period") == year)
            )
            expected = places.select(
                pl.col("series_id").str.split("|").list.get(1).alias("geo_fips"), "value", "value_status"
            ).sort("geo_fips")
            got = now[("map", f"{table}/{line}/{year}")]
            got = got.select("geo_fips", "value", "value_status") if got.height else got
            assert got.equals(expected) if got.height else expected.is_empty(), (day, table, line, year)
            maps += got.height
    then.dispose()
    everything.dispose()
    assert revised > 0  # the history revises values: the property held where it matters
    assert maps > 0
