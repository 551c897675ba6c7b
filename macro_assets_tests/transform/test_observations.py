from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from macro_assets.bea.errors import BeaSchemaError
from macro_assets.transform.observations import KEY, SCHEMA, nipa_frame, parse_value

RELEASE = date(2026, 10, 29)


def row(line: str, period: str, value: str, series: str = "A191RC", **extra: str) -> dict[str, str]:
    return {
        "TableName": "T10105",
        "SeriesCode": series,
        "LineNumber": line,
        "LineDescription": "GDP",
        "TimePeriod": period,
        "METRIC_NAME": "Current Dollars",
        "CL_UNIT": "Level",
        "UNIT_MULT": "6",
        "DataValue": value,
        "NoteRef": "T10105",
        **extra,
    }


def answer(*rows: dict[str, str]) -> bytes:
    return json.dumps(
        {
            "BEAAPI": {
                "Results": {
                    "Data": list(rows),
                    "Notes": [
                        {"NoteRef": "T10105", "NoteText": "Table 1.1.5. - LastRevised: October 29, 2026"}
                    ],
                }
            }
        }
    ).encode()


@pytest.mark.parametrize(
    "raw, note, expected",
    [
        ("31,204,118", "", (31204118.0, None)),
        ("-1.4", "", (-1.4, None)),
        ("(NA)", "", (None, "(NA)")),
        ("(D)", "", (None, "(D)")),
        ("0", "(D)", (None, "(D)")),
        ("...", "", (None, "...")),
        ("", "", (None, "(empty)")),
    ],
)
def test_values_and_markers(raw: str, note: str, expected: tuple) -> None:
    assert parse_value(raw, note) == expected


def test_unknown_marker_is_an_error() -> None:
    with pytest.raises(BeaSchemaError, match="unknown DataValue marker"):
        parse_value("(ZZ)")


def test_frame_is_typed_and_keyed() -> None:
    frame = nipa_frame(
        answer(
            row("1", "2024Q1", "29,000,000"),
            row("1", "2024", "(NA)"),
            row("27", "2024M1", "5.5", series="A191RC"),
        ),
        "NIPA",
        "T10105",
        RELEASE,
    )
    assert frame.schema == pl.Schema(SCHEMA)
    assert frame["time_period"].to_list() == ["2024Q1", "2024", "2024M01"]
    assert frame["frequency"].to_list() == ["Q", "A", "M"]
    assert frame["value"].to_list() == [29_000_000.0, None, 5.5]
    assert frame["value_status"].to_list() == [None, "(NA)", None]
    assert frame.select(KEY).is_unique().all()
    assert set(frame["release_date"].to_list()) == {RELEASE}


def test_same_series_on_two_lines_is_kept() -> None:
    frame = nipa_frame(answer(row("1", "2024", "1"), row("9", "2024", "1")), "NIPA", "T10105", RELEASE)
    assert frame.height == 2


def test_repeated_key_is_an_error() -> None:
    with pytest.raises(BeaSchemaError, match="repeats line 1 period 2024"):
        nipa_frame(answer(row("1", "2024", "1"), row("1", "2024", "2")), "NIPA", "T10105", RELEASE)


def test_missing_required_field_names_field_and_table() -> None:
    broken = row("1", "2024", "1")
    del broken["UNIT_MULT"]
    with pytest.raises(BeaSchemaError, match="NIPA/T10105 lacks required field UNIT_MULT"):
        nipa_frame(answer(broken), "NIPA", "T10105", RELEASE)


def test_bad_period_names_table() -> None:
    with pytest.raises(BeaSchemaError, match="NIPA/T10105.*2024Q9"):
        nipa_frame(answer(row("1", "2024Q9", "1")), "NIPA", "T10105", RELEASE)
