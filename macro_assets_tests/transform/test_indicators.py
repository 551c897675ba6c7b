from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from macro_assets.transform.indicators import IndicatorSourceMissing, indicators_frame
from macro_assets.transform.observations import SCHEMA
from macro_assets.transform.periods import parse_period

RELEASE = date(2026, 10, 29)


def obs(table: str, series: str, values: dict[str, float], line: int = 1, mult: int = 0) -> pl.DataFrame:
    rows = []
    for period, value in values.items():
        freq, start, end = parse_period(period)
        rows.append(
            {
                "dataset": "NIPA",
                "table_name": table,
                "line_number": line,
                "series_code": series,
                "line_description": "",
                "geo_fips": "00000",
                "geo_name": "United States",
                "geo_level": "nation",
                "time_period": period,
                "frequency": freq,
                "period_start": start,
                "period_end": end,
                "value": value,
                "value_status": None,
                "metric_name": "",
                "unit": "Level",
                "unit_mult": mult,
                "release_date": RELEASE,
            }
        )
    return pl.DataFrame(rows, schema=SCHEMA)


def pick(frame: pl.DataFrame, indicator: str) -> dict[str, float]:
    sub = frame.filter(pl.col("indicator") == indicator)
    return dict(zip(sub["time_period"], sub["value"], strict=True))


def test_levels_apply_unit_mult() -> None:
    frame = indicators_frame(obs("T10105", "A191RC", {"2024Q1": 29_000_000.0}, mult=6))
    assert pick(frame, "nominal_gdp") == {"2024Q1": 29_000_000_000_000.0}


def test_real_growth_is_annualized_quarter_over_quarter() -> None:
    frame = indicators_frame(obs("T10106", "A191RX", {"2024Q1": 100.0, "2024Q2": 101.0, "2024Q4": 103.0}))
    growth = pick(frame, "real_gdp_growth_saar")
    assert growth == {"2024Q2": pytest.approx((1.01**4 - 1) * 100)}  # no rate across the 2024Q3 gap


def test_yoy_inflation_needs_the_month_a_year_earlier() -> None:
    months = {f"2024M{m:02d}": 100.0 + m for m in range(1, 13)} | {"2025M01": 103.0, "2025M03": 110.0}
    frame = indicators_frame(
        pl.concat([obs("T20804", "DPCERG", months), obs("T20804", "DPCCRG", months, line=2)])
    )
    assert pick(frame, "pce_price_inflation_yoy") == {
        "2025M01": pytest.approx((103.0 / 101.0 - 1) * 100),
        "2025M03": pytest.approx((110.0 / 103.0 - 1) * 100),
    }


def test_headline_line_wins_when_series_repeats() -> None:
    frame = indicators_frame(
        pl.concat(
            [
                obs("T20600", "A072RC", {"2025M01": 4.5}, line=35),
                obs("T20600", "A072RC", {"2025M01": 9.9}, line=40),
            ]
        )
    )
    assert pick(frame, "personal_saving_rate") == {"2025M01": 4.5}


def test_no_source_rows_no_indicators() -> None:
    assert indicators_frame(obs("T99999", "X", {"2024": 1.0})).is_empty()


def test_a_table_published_without_an_indicators_series_is_refused() -> None:
    """Otherwise the indicator would stay current from an older release in the warehouse while
    its table has moved on (issue 19)."""
    renamed = obs("T10106", "A191RX_NEW", {"2024Q1": 100.0, "2024Q2": 101.0})
    refused = (
        r"^indicator real_gdp is computed from series A191RX of NIPA/T10106, which the release of 2026-10-29"
    )
    with pytest.raises(IndicatorSourceMissing, match=refused + " publishes without it") as raised:
        indicators_frame(renamed)
    assert "\n" not in str(raised.value)


def test_a_frequency_the_table_does_not_hold_is_no_error() -> None:
    annual = indicators_frame(obs("T10106", "A191RX", {"2023": 99.0, "2024": 100.0}))
    assert pick(annual, "real_gdp") == {"2023": 99.0, "2024": 100.0}
    assert pick(annual, "real_gdp_growth_saar") == {}
