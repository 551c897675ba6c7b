"""Checks of silver observations: the contract analysts and the warehouse rely on."""

from __future__ import annotations

import polars as pl

from macro_assets.checks import Check, Outcome, nothing_to_check
from macro_assets.transform.observations import KEY, MARKERS, SCHEMA
from macro_assets.transform.periods import CANONICAL

_SERIES = ["dataset", "table_name", "series_id", "frequency"]
_NO_ROWS = "no observations"


def schema_contract(frame: pl.DataFrame) -> Outcome:
    """Silver's columns and types are exactly the documented schema (transform/observations.SCHEMA)."""
    expected, actual = dict(SCHEMA), dict(frame.schema)
    wrong = {c: str(actual.get(c)) for c, t in expected.items() if actual.get(c) != t}
    extra = sorted(set(actual) - set(expected))
    ok = not wrong and not extra
    text = "columns and types as documented" if ok else f"mismatched columns {wrong}, extra {extra}"
    return Outcome("schema_contract", ok, text, {"columns": len(actual)})


def key_unique(frame: pl.DataFrame) -> Outcome:
    """No (dataset, table_name, series_id, time_period) holds two observations."""
    if frame.is_empty():
        return nothing_to_check("key_unique", _NO_ROWS)
    dupes = frame.select(KEY).is_duplicated().sum()
    return Outcome("key_unique", dupes == 0, f"{dupes} rows repeat a key", {"duplicate_rows": int(dupes)})


def period_format(frame: pl.DataFrame) -> Outcome:
    """Every time_period is in its frequency's canonical spelling: 2024, 2024Q1, 2024M01."""
    # Each distinct (frequency, period) once: a release has a few hundred of them.
    pairs = frame.group_by("frequency", "time_period").len()
    if pairs.is_empty():
        return nothing_to_check("period_format", _NO_ROWS)
    bad = pairs.filter(
        pl.when(pl.col("frequency") == "A")
        .then(~pl.col("time_period").str.contains(CANONICAL["A"]))
        .when(pl.col("frequency") == "Q")
        .then(~pl.col("time_period").str.contains(CANONICAL["Q"]))
        .when(pl.col("frequency") == "M")
        .then(~pl.col("time_period").str.contains(CANONICAL["M"]))
        .otherwise(True)
    )
    sample = bad.sort("time_period")["time_period"].head(3).to_list()
    rows = int(bad["len"].sum())
    return Outcome(
        "period_format",
        bad.is_empty(),
        f"{rows} periods not in their frequency's format {sample}",
        {"bad_periods": rows},
    )


def markers_known(frame: pl.DataFrame) -> Outcome:
    """Every non-numeric value is a known marker, and a marker never sits beside a number."""
    if frame.is_empty():
        return nothing_to_check("markers_known", _NO_ROWS)
    known = sorted(MARKERS - {""} | {"(empty)"})
    unknown = frame.filter(pl.col("value_status").is_not_null() & ~pl.col("value_status").is_in(known))
    both = frame.filter(pl.col("value").is_null() == pl.col("value_status").is_null())
    ok = unknown.is_empty() and both.is_empty()
    counts = frame.group_by("value_status").len().drop_nulls("value_status")
    return Outcome(
        "markers_known",
        ok,
        f"{unknown.height} unknown markers, {both.height} rows with value and marker both or neither",
        {"markers": {r[0]: r[1] for r in counts.iter_rows()}},
    )


def one_unit_per_series(frame: pl.DataFrame) -> Outcome:
    """A series keeps one unit and one unit multiplier across its periods."""
    if frame.is_empty():
        return nothing_to_check("one_unit_per_series", _NO_ROWS)
    mixed = (
        frame.group_by(_SERIES)
        .agg(pl.struct("unit", "unit_mult").n_unique().alias("units"))
        .filter(pl.col("units") > 1)
    )
    sample = mixed.select("table_name", "series_id").head(3).rows()
    return Outcome(
        "one_unit_per_series",
        mixed.is_empty(),
        f"{mixed.height} series change unit across periods {sample}",
        {"mixed_series": mixed.height},
    )


CHECKS = tuple(
    Check.of(f) for f in (schema_contract, key_unique, period_format, markers_known, one_unit_per_series)
)

# Checks that hold for a release when they hold for each of its answers (their keys and series
# include the table), run answer by answer; key uniqueness also runs over the whole file.
PER_ANSWER = (schema_contract, period_format, markers_known, one_unit_per_series)


def key_unique_lazy(scan: pl.LazyFrame) -> Outcome:
    per_key = scan.group_by(KEY).len()
    rows, dupes = (
        per_key.select(
            pl.col("len").sum().alias("rows"), pl.col("len").filter(pl.col("len") > 1).sum().alias("dupes")
        )
        .collect()
        .row(0)
    )
    if not rows:
        return nothing_to_check("key_unique", _NO_ROWS)
    dupes = int(dupes or 0)
    return Outcome("key_unique", dupes == 0, f"{dupes} rows repeat a key", {"duplicate_rows": dupes})


def key_unique_passed() -> Outcome:
    """key_unique's outcome when the keys are known to be distinct (their hashes are)."""
    return Outcome("key_unique", True, "0 rows repeat a key", {"duplicate_rows": 0})
