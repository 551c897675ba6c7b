"""Checks of gold against national-accounts identities and its own series."""

from __future__ import annotations

import polars as pl

from macro_assets.checks import Check, Outcome, nothing_to_check

# T10105: GDP (line 1) = PCE (2) + investment (7) + net exports (15) + government (22).
_GDP_PARTS = {1: 1.0, 2: -1.0, 7: -1.0, 15: -1.0, 22: -1.0}
_STEP_MONTHS = {"Q": 3, "M": 1}


def _nipa_line(obs: pl.DataFrame, table: str, line: int, frequency: str) -> pl.DataFrame:
    return obs.filter(
        (pl.col("table_name") == table)
        & (pl.col("line_number") == line)
        & (pl.col("frequency") == frequency)
        & pl.col("value").is_not_null()
    ).select("time_period", "period_start", "value")


def gdp_identity(obs: pl.DataFrame, tolerance: float = 4.0) -> Outcome:
    """Nominal GDP equals the sum of its components in T10105, within rounding (millions)."""
    parts = obs.filter((pl.col("table_name") == "T10105") & pl.col("line_number").is_in(list(_GDP_PARTS)))
    if parts.is_empty():
        return nothing_to_check("gdp_identity", "T10105 (GDP and its components) is not in this release")
    gaps = (
        parts.with_columns(
            (pl.col("value") * pl.col("line_number").replace_strict(_GDP_PARTS)).alias("signed")
        )
        .group_by("frequency", "time_period")
        .agg(pl.col("signed").sum().abs().alias("gap"), pl.len().alias("n"))
        .filter(pl.col("n") == len(_GDP_PARTS))
    )
    if gaps.is_empty():
        return nothing_to_check("gdp_identity", "no period of T10105 holds GDP and all its components")
    worst = gaps.sort("gap", descending=True).head(1)
    bad = gaps.filter(pl.col("gap") > tolerance)
    text = f"{bad.height} periods off by more than {tolerance}; worst {worst.rows()}"
    return Outcome(
        "gdp_identity",
        bad.is_empty(),
        text,
        {"periods": gaps.height, "max_gap": float(worst["gap"][0])},
    )


def growth_matches_published(obs: pl.DataFrame, tolerance: float = 0.1) -> Outcome:
    """Real GDP growth recomputed from T10106 levels agrees with T10101's published rate."""
    levels, published = _nipa_line(obs, "T10106", 1, "Q"), _nipa_line(obs, "T10101", 1, "Q")
    if levels.is_empty() or published.is_empty():
        return nothing_to_check(
            "growth_matches_published", "T10106 or T10101 (line 1, quarterly) is not in this release"
        )
    earlier = levels.select(pl.col("period_start").dt.offset_by("3mo"), pl.col("value").alias("earlier"))
    recomputed = levels.join(earlier, on="period_start").select(
        "time_period", (((pl.col("value") / pl.col("earlier")) ** 4 - 1) * 100).alias("recomputed")
    )
    both = recomputed.join(published, on="time_period").with_columns(
        (pl.col("recomputed") - pl.col("value")).abs().alias("diff")
    )
    if both.is_empty():
        return nothing_to_check(
            "growth_matches_published", "no quarter has both a recomputed and a published rate"
        )
    bad = both.filter(pl.col("diff") > tolerance)
    worst = float(both["diff"].max() or 0.0)
    return Outcome(
        "growth_matches_published",
        bad.is_empty(),
        f"{bad.height} quarters differ by more than {tolerance} point; worst {worst:.3f}",
        {"periods": both.height, "max_diff": worst},
    )


def indicators_without_gaps(ind: pl.DataFrame) -> Outcome:
    """Quarterly and monthly indicator series have no missing period between first and last."""
    gaps = []
    stepped = ind.filter(pl.col("frequency").is_in(list(_STEP_MONTHS)))
    if stepped.is_empty():
        return nothing_to_check(
            "indicators_without_gaps", "no quarterly or monthly indicator in this release"
        )
    for (indicator, frequency), part in stepped.group_by("indicator", "frequency"):
        ends = part.sort("period_end")["period_end"].to_list()
        months = [(b.year - a.year) * 12 + b.month - a.month for a, b in zip(ends, ends[1:], strict=False)]
        if any(m != _STEP_MONTHS[frequency] for m in months):
            gaps.append(f"{indicator}/{frequency}")
    return Outcome(
        "indicators_without_gaps",
        not gaps,
        f"series with gaps: {sorted(gaps)}",
        {"gapped": len(gaps), "series": stepped.select("indicator", "frequency").n_unique()},
    )


CHECKS = tuple(Check.of(f) for f in (gdp_identity, growth_matches_published, indicators_without_gaps))
