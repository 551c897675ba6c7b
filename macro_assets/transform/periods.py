"""BEA's time periods, the one grammar of them: ``2023`` (A), ``2023Q1`` (Q), ``2023M01`` or
``2023M1`` (M) as BEA sends them; silver holds the canonical spelling (months zero-padded)."""

from __future__ import annotations

import calendar
import re
from datetime import date

import polars as pl

# What BEA sends: year, then a quarter or a month (one or two digits).
BEA_PERIOD = r"^(\d{4})(?:Q([1-4])|M(\d{1,2}))?$"
# What silver holds, per frequency.
CANONICAL = {"A": r"^\d{4}$", "Q": r"^\d{4}Q[1-4]$", "M": r"^\d{4}M(0[1-9]|1[0-2])$"}
_BEA_PERIOD = re.compile(BEA_PERIOD)


def parse_period(text: str) -> tuple[str, date, date]:
    """(frequency, first day, last day) of one BEA time period; ValueError on anything else."""
    m = _BEA_PERIOD.match(text.strip())
    if not m:
        raise ValueError(f"unrecognised BEA time period {text!r}")
    year = int(m.group(1))
    if m.group(2):
        first, last = 3 * int(m.group(2)) - 2, 3 * int(m.group(2))
        return "Q", date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    if m.group(3):
        month = int(m.group(3))
        if not 1 <= month <= 12:
            raise ValueError(f"unrecognised BEA time period {text!r}")
        return "M", date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return "A", date(year, 1, 1), date(year, 12, 31)


def canonical_period(frequency: str, end: date) -> str:
    """The period label ending on ``end``, in BEA's zero-padded spelling."""
    if frequency == "A":
        return str(end.year)
    if frequency == "Q":
        return f"{end.year}Q{(end.month - 1) // 3 + 1}"
    return f"{end.year}M{end.month:02d}"


def typed_periods(frame: pl.DataFrame) -> pl.DataFrame:
    """Each distinct ``period`` of ``frame`` typed once (time_period in canonical spelling,
    frequency, period_start, period_end; ``_bad_period`` where it is not BEA's grammar): a
    release has a few hundred periods and millions of rows, so this is joined back instead of
    parsed per row."""
    parts = pl.col("period").str.strip_chars().str.extract_groups(BEA_PERIOD)
    periods = (
        frame.select(pl.col("period").unique())
        .with_columns(
            parts.struct.field("1").cast(pl.Int32).alias("_year"),
            parts.struct.field("2").cast(pl.Int32).alias("_q"),
            parts.struct.field("3").cast(pl.Int32).alias("_m"),
        )
        .with_columns(
            (
                pl.col("_year").is_null() | (pl.col("_m").is_not_null() & ~pl.col("_m").is_between(1, 12))
            ).alias("_bad_period")
        )
    )
    first_month = pl.coalesce(pl.col("_q") * 3 - 2, pl.col("_m"), pl.lit(1))
    last_month = pl.coalesce(pl.col("_q") * 3, pl.col("_m"), pl.lit(12))
    year = pl.col("_year").cast(pl.String)
    valid = pl.col("_bad_period").not_()
    return periods.with_columns(
        pl.when(pl.col("_q").is_not_null())
        .then(pl.concat_str(year, pl.lit("Q"), pl.col("_q").cast(pl.String)))
        .when(pl.col("_m").is_not_null())
        .then(pl.concat_str(year, pl.lit("M"), pl.col("_m").cast(pl.String).str.zfill(2)))
        .otherwise(year)
        .alias("time_period"),
        pl.when(pl.col("_q").is_not_null())
        .then(pl.lit("Q"))
        .when(pl.col("_m").is_not_null())
        .then(pl.lit("M"))
        .otherwise(pl.lit("A"))
        .alias("frequency"),
        pl.when(valid).then(pl.date(pl.col("_year"), first_month, 1)).alias("period_start"),
        pl.when(valid).then(pl.date(pl.col("_year"), last_month, 1).dt.month_end()).alias("period_end"),
    ).drop("_year", "_q", "_m")
