"""Gold: analysis-ready indicators computed from silver observations."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

SCHEMA: dict[str, pl.DataType] = {
    "indicator": pl.String(),
    "frequency": pl.String(),
    "time_period": pl.String(),
    "period_end": pl.Date(),
    "value": pl.Float64(),
    "unit": pl.String(),
    "release_date": pl.Date(),
}
KEY = ["indicator", "frequency", "time_period"]
COLUMNS: dict[str, str] = {
    "indicator": "the indicator, e.g. real_gdp_growth_saar (docs/architecture.md lists them)",
    "frequency": "A (annual), Q (quarterly), M (monthly)",
    "time_period": "the period in canonical spelling: 2024, 2024Q1, 2024M01",
    "period_end": "last day of the period",
    "value": "the indicator's value, in unit (UNIT_MULT applied)",
    "unit": "e.g. Dollars, Percent",
    "release_date": "the release date whose vintage this is (the partition)",
}


@dataclass(frozen=True)
class Indicator:
    name: str
    table_name: str
    series_code: str
    unit: str
    # "level": the value in units (UNIT_MULT applied); "saar": annualized growth of quarterly
    # levels; "yoy": percent change from a year earlier; "as_published": BEA's own figure.
    method: str
    frequencies: tuple[str, ...]


INDICATORS: tuple[Indicator, ...] = (
    Indicator("real_gdp", "T10106", "A191RX", "Chained (2017) dollars", "level", ("A", "Q")),
    Indicator("nominal_gdp", "T10105", "A191RC", "Dollars", "level", ("A", "Q")),
    Indicator("real_gdp_growth_saar", "T10106", "A191RX", "Percent", "saar", ("Q",)),
    Indicator("pce_price_inflation_yoy", "T20804", "DPCERG", "Percent", "yoy", ("M",)),
    Indicator("core_pce_price_inflation_yoy", "T20804", "DPCCRG", "Percent", "yoy", ("M",)),
    Indicator("personal_saving_rate", "T20600", "A072RC", "Percent", "as_published", ("M",)),
)


def _series(observations: pl.DataFrame, ind: Indicator, frequency: str) -> pl.DataFrame:
    # SeriesCode may stand on several lines of a table: the first line is the headline one.
    rows = observations.filter(
        (pl.col("table_name") == ind.table_name)
        & (pl.col("series_code") == ind.series_code)
        & (pl.col("frequency") == frequency)
    )
    if rows.is_empty():
        return rows
    first_line = rows["line_number"].min()
    return rows.filter(pl.col("line_number") == first_line).sort("period_end")


def _compute(series: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    value = pl.col("value")
    if ind.method == "level":
        return series.with_columns(
            (value * pl.lit(10.0).pow(pl.col("unit_mult").cast(pl.Float64))).alias("computed")
        )
    if ind.method == "as_published":
        return series.with_columns(value.alias("computed"))
    # Compare with the period exactly 3 (saar) or 12 (yoy) months earlier, found by its start
    # date, so a gap in the series never turns into a growth rate.
    months = 3 if ind.method == "saar" else 12
    earlier = series.select(pl.col("period_start").dt.offset_by(f"{months}mo"), value.alias("earlier"))
    joined = series.join(earlier, on="period_start", how="left")
    ratio = value / pl.col("earlier")
    expr = (ratio.pow(4) - 1) * 100 if ind.method == "saar" else (ratio - 1) * 100
    return joined.with_columns(expr.alias("computed")).filter(pl.col("computed").is_not_null())


class IndicatorSourceMissing(ValueError):
    """A release holds an indicator's table but not its series: the indicator would stay
    current from an older release while its source has moved on."""


def indicators_frame(observations: pl.DataFrame) -> pl.DataFrame:
    """Every indicator whose source table is in ``observations`` (a release holds only the
    tables it published; the others keep their indicators from the release that did)."""
    parts = []
    for ind in INDICATORS:
        for frequency in ind.frequencies:
            series = _series(observations, ind, frequency)
            if series.is_empty():
                _refuse_missing_source(observations, ind, frequency)
                continue
            computed = _compute(series, ind)
            parts.append(
                computed.select(
                    pl.lit(ind.name).alias("indicator"),
                    pl.col("frequency"),
                    pl.col("time_period"),
                    pl.col("period_end"),
                    pl.col("computed").alias("value"),
                    pl.lit(ind.unit).alias("unit"),
                    pl.col("release_date"),
                )
            )
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(parts).cast(SCHEMA).sort(KEY)


def _refuse_missing_source(observations: pl.DataFrame, ind: Indicator, frequency: str) -> None:
    table = observations.filter((pl.col("table_name") == ind.table_name) & (pl.col("frequency") == frequency))
    if table.is_empty():
        return
    dataset, release = table.select("dataset", "release_date").row(0)
    raise IndicatorSourceMissing(
        f"indicator {ind.name} is computed from series {ind.series_code} of {dataset}/{ind.table_name}, "
        f"which the release of {release} publishes without it ({table.height} rows of frequency "
        f"{frequency}, other series): a renamed series needs the indicator's definition changed"
    )
