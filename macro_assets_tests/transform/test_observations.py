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
    with pytest.raises(BeaSchemaError, match="repeats line 1 geo 00000 period 2024"):
        nipa_frame(answer(row("1", "2024", "1"), row("1", "2024", "2")), "NIPA", "T10105", RELEASE)


def test_missing_required_field_names_field_and_table() -> None:
    broken = row("1", "2024", "1")
    del broken["UNIT_MULT"]
    with pytest.raises(BeaSchemaError, match="NIPA/T10105 lacks required field UNIT_MULT"):
        nipa_frame(answer(broken), "NIPA", "T10105", RELEASE)


def test_bad_period_names_table() -> None:
    with pytest.raises(BeaSchemaError, match="NIPA/T10105.*2024Q9"):
        nipa_frame(answer(row("1", "2024Q9", "1")), "NIPA", "T10105", RELEASE)


def test_real_regional_answer() -> None:
    from macro_assets.transform.observations import regional_frame
    from macro_assets_tests.conftest import SHARED

    raw = (SHARED / "samples" / "bea_api_raw_Regional_SAGDP2N_line1_Alabama_2017_2022.json").read_bytes()
    frame = regional_frame(raw, "SAGDP2N", RELEASE)
    assert frame.height == 6 and frame.schema == pl.Schema(SCHEMA)
    first = frame.row(0, named=True)
    assert (first["table_name"], first["line_number"], first["series_code"]) == ("SAGDP2N", 1, "SAGDP2N-1")
    assert (first["geo_fips"], first["geo_name"], first["geo_level"]) == ("01000", "Alabama", "state")
    assert first["line_description"] == "Gross domestic product (GDP) by state: All industry total"
    assert (first["value"], first["unit"], first["unit_mult"]) == (216616.0, "Millions of current dollars", 6)


def test_real_suppressed_county_cell_is_a_marker() -> None:
    from macro_assets.transform.observations import regional_frame
    from macro_assets_tests.conftest import SHARED

    raw = (SHARED / "samples" / "regional_CAGDP2_line64_geo01001_A_2018_suppressed.json").read_bytes()
    row = regional_frame(raw, "CAGDP2", RELEASE).row(0, named=True)
    assert (row["value"], row["value_status"], row["geo_level"], row["line_number"]) == (
        None,
        "(D)",
        "local",
        64,
    )


@pytest.mark.parametrize(
    "fips, level",
    [("00000", "nation"), ("91000", "region"), ("98000", "region"), ("06000", "state"), ("01001", "local")],
)
def test_geo_levels(fips: str, level: str) -> None:
    from macro_assets.transform.observations import geo_level

    assert geo_level(fips) == level
