"""Finding series by words in a warehouse loaded from the sandbox (GDP, PIO, state income)."""

from __future__ import annotations

import polars as pl
import pytest
import sqlalchemy as sa

from macro_assets.query import QueryError, observations, search
from macro_assets_tests.history import RELEASES, load_in_order


@pytest.fixture
def engine(captured, database_url: str) -> sa.Engine:  # noqa: ANN001
    lake, catalog, _ = captured
    load_in_order(RELEASES[-1:], lake, catalog, database_url)
    return sa.create_engine(database_url)


def test_every_word_must_match_and_each_hit_is_a_series_the_warehouse_holds(engine: sa.Engine) -> None:
    gdp = search(engine, "gross DOMESTIC product")
    assert "NIPA/T10105/1" in gdp["series"].to_list()
    # The lines that say it themselves come first; then lines of tables whose title says it.
    own = ["gross domestic product" in d.lower() for d in gdp["line_description"]]
    assert own[0] and own == sorted(own, reverse=True)
    assert all(
        words or "gross domestic product" in (title or "").lower()
        for words, title in zip(own, gdp["table_title"], strict=True)
    )
    # Each hit answers a query by its name.
    for name in gdp["series"].head(3):
        assert observations(engine, name, as_of=RELEASES[-1]).height > 0
    assert search(engine, "gross domestic zzz").is_empty()


def test_what_a_line_measures_tells_alike_lines_apart(engine: sa.Engine) -> None:
    # "Gross domestic product" is line 1 of T10105 (current dollars) and T10106 (chained).
    both = search(engine, "gross domestic product")["series"].to_list()
    assert {"NIPA/T10105/1", "NIPA/T10106/1"} <= set(both)
    real = search(engine, "chained gross domestic product")
    assert "NIPA/T10106/1" in real["series"].to_list()
    assert "NIPA/T10105/1" not in real["series"].to_list()
    assert set(real.filter(pl.col("dataset") == "NIPA")["metric_name"]) == {"Chained Dollars"}
    # "Real" is in T10106's title (BEA's "Table 1.1.6. Real Gross Domestic Product, Chained
    # Dollars"), in none of its lines: the table's title is searched too, and shown.
    titled = search(engine, "real gross domestic product", dataset="NIPA")
    assert "NIPA/T10106/1" in titled["series"].to_list()
    assert "NIPA/T10105/1" not in titled["series"].to_list()
    assert set(titled.filter(pl.col("table_name") == "T10106")["table_title"]) == {
        "Table 1.1.6. Real Gross Domestic Product, Chained Dollars"
    }
    # Regional's lines have no metric: their unit says it.
    assert search(engine, "millions personal income", dataset="Regional").height > 0


def test_regional_series_are_a_line_for_a_place(engine: sa.Engine) -> None:
    nation = search(engine, "personal income", dataset="Regional")
    assert nation.height > 0 and set(nation["geo_fips"]) == {"00000"}
    assert set(nation["dataset"]) == {"Regional"}
    alabama = search(engine, "personal income", geography="alabama")
    assert alabama.height > 0 and set(alabama["geo_name"]) == {"Alabama"}
    assert set(alabama["dataset"]) == {"Regional"}  # a place leaves out datasets without places
    assert (
        alabama["series"].to_list()
        == search(engine, "personal income", geography="01000")["series"].to_list()
    )
    assert all(s.endswith("|01000") for s in alabama["series_id"])
    assert search(engine, "personal income", geography="Atlantis").is_empty()


def test_words_are_matched_as_words_not_patterns(engine: sa.Engine) -> None:
    assert search(engine, "%").is_empty()
    assert search(engine, "_").is_empty()
    assert search(engine, "product'); DROP TABLE bea.series; --").is_empty()
    assert search(engine, "product").height > 0  # bea.series is still there


@pytest.mark.parametrize(
    "text, options, message",
    [
        ("  ", {}, "give at least one word"),
        ("a b c d e f g h i", {}, "at most 8 words, got 9"),
        ("income", {"limit": 0}, "limit 0: expected 1 to 500"),
        ("income", {"limit": 10_000}, "limit 10000: expected 1 to 500"),
    ],
)
def test_a_search_that_cannot_run_is_refused_in_one_line(
    engine: sa.Engine, text: str, options: dict, message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        search(engine, text, **options)
