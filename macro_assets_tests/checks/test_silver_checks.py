"""Silver's checks pass on sound observations and name what is wrong on broken ones."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from macro_assets.checks import checked_nothing, combine
from macro_assets.checks import silver as checks
from macro_assets.transform.observations import nipa_frame

RELEASE = date(2026, 10, 29)


def row(line: str, period: str, value: str, unit: str = "Level", mult: str = "6") -> dict[str, str]:
    return {
        "TableName": "T10105",
        "SeriesCode": "A191RC",
        "LineNumber": line,
        "LineDescription": "GDP",
        "TimePeriod": period,
        "METRIC_NAME": "Current Dollars",
        "CL_UNIT": unit,
        "UNIT_MULT": mult,
        "DataValue": value,
    }


def frame(*rows: dict[str, str]) -> pl.DataFrame:
    raw = json.dumps({"BEAAPI": {"Results": {"Data": list(rows), "Notes": []}}}).encode()
    return nipa_frame(raw, "NIPA", "T10105", RELEASE)


@pytest.fixture
def sound() -> pl.DataFrame:
    return frame(
        row("1", "2024", "1,000"),
        row("1", "2025", "(NA)"),
        row("1", "2025Q1", "5"),
        row("2", "2025M03", "(D)"),
    )


def test_all_pass_on_sound_observations(sound: pl.DataFrame) -> None:
    outcomes = [check.run(sound) for check in checks.CHECKS if check.run]
    assert [o.name for o in outcomes] == [c.name for c in checks.CHECKS]
    assert all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]
    assert next(o for o in outcomes if o.name == "markers_known").metadata["markers"] == {"(NA)": 1, "(D)": 1}


def test_schema_drift_is_named(sound: pl.DataFrame) -> None:
    outcome = checks.schema_contract(
        sound.with_columns(pl.col("line_number").cast(pl.String)).with_columns(pl.lit(1).alias("extra"))
    )
    assert not outcome.passed and "line_number" in outcome.description and "extra" in outcome.description


def test_repeated_key(sound: pl.DataFrame) -> None:
    outcome = checks.key_unique(pl.concat([sound, sound.head(1)]))
    assert not outcome.passed and outcome.metadata["duplicate_rows"] == 2


def test_period_in_the_wrong_format(sound: pl.DataFrame) -> None:
    broken = sound.with_columns(
        pl.when(pl.col("frequency") == "M")
        .then(pl.lit("2025M3"))
        .otherwise(pl.col("time_period"))
        .alias("time_period")
    )
    outcome = checks.period_format(broken)
    assert not outcome.passed and "2025M3" in outcome.description


def test_unknown_marker_and_marker_beside_a_number(sound: pl.DataFrame) -> None:
    outcome = checks.markers_known(sound.with_columns(pl.lit("(ZZ)").alias("value_status")))
    assert not outcome.passed and "unknown markers" in outcome.description


def test_a_series_that_changes_unit() -> None:
    outcome = checks.one_unit_per_series(frame(row("1", "2024", "1"), row("1", "2025", "1", mult="3")))
    assert not outcome.passed and outcome.metadata["mixed_series"] == 1


def test_no_observations_is_nothing_to_check(sound: pl.DataFrame) -> None:
    """Every silver check but the schema's fails on an empty frame, saying there was nothing to
    check; over parts (answers), parts with nothing to check are left out."""
    empty = sound.clear()
    outcomes = {c.name: c.run(empty) for c in checks.CHECKS if c.run}
    assert outcomes.pop("schema_contract").passed  # the columns are still there to check
    assert all(not o.passed and checked_nothing(o) for o in outcomes.values()), outcomes
    assert checked_nothing(checks.key_unique_lazy(empty.lazy()))
    parts = [checks.markers_known(empty), checks.markers_known(sound)]
    assert combine(parts) == checks.markers_known(sound)
    assert checked_nothing(combine([checks.markers_known(empty)] * 2))
