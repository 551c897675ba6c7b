"""The envelope parser on BEA's real answers (../shared) and on the error shapes BEA uses."""

from __future__ import annotations

import json
from datetime import date

import pytest

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaAuthError, BeaBadRequestError, BeaSchemaError, BeaThrottledError
from macro_assets_tests.conftest import SHARED

SAMPLES = SHARED / "samples"


def wrap(results: object, **extra: object) -> bytes:
    return json.dumps({"BEAAPI": {"Request": {"RequestParam": []}, "Results": results, **extra}}).encode()


def test_real_regional_answer_vintage_and_rows() -> None:
    doc = envelope.decode((SAMPLES / "bea_api_raw_Regional_SAINC1_line1_Alabama_2017_2022.json").read_bytes())
    assert envelope.last_revised(doc, "SAINC1") == date(2023, 9, 29)
    assert len(envelope.data_rows(doc, "SAINC1")) == 6
    assert envelope.production_time(doc).isoformat() == "2023-12-02T10:50:31.507000"


@pytest.mark.parametrize(
    "sample, table, title",
    [
        (
            "NIUnderlyingDetail_U20305_AQ_2011-2012.json",
            "U20305",
            "Table 2.3.5U. Personal Consumption Expenditures by Major Type of Product and by Major "
            "Function [Millions of dollars; quarters and months are seasonally adjusted at annual rates]",
        ),
        (
            "Regional_CAINC1_COUNTY_line3_2020.json",
            "CAINC1",
            "CAINC1 Personal Income Summary: Personal Income, Population, Per Capita Personal Income",
        ),
        (
            "Regional_CAGDP2_Autauga01001_line64_2018.json",
            "CAGDP2",
            "CAGDP2 Gross domestic product (GDP) by county and metropolitan area",
        ),
        # The international accounts name no table in their answers: notes are markers' meanings.
        ("ITA_ALLindicators_China_A_2011-2012.json", "ITA", None),
    ],
)
def test_a_tables_title_is_what_its_real_answer_calls_it(sample: str, table: str, title: str | None) -> None:
    doc = envelope.decode((SAMPLES / "real" / sample).read_bytes())
    assert envelope.title(doc, table) == title


def test_nipa_last_revised_prefers_the_tables_own_note() -> None:
    doc = envelope.decode(
        wrap(
            {
                "Data": [{}],
                "Notes": [
                    {"NoteRef": "T10101.1", "NoteText": "Other - LastRevised: January 1, 2020"},
                    {
                        "NoteRef": "T10101",
                        "NoteText": "Table 1.1.1. Percent Change - LastRevised: September 25, 2026",
                    },
                ],
            }
        )
    )
    assert envelope.last_revised(doc, "T10101") == date(2026, 9, 25)


def test_missing_vintage_is_a_schema_error() -> None:
    doc = envelope.decode(wrap({"Data": [{}], "Notes": [{"NoteRef": " ", "NoteText": "notes"}]}))
    with pytest.raises(BeaSchemaError, match="no LastRevised"):
        envelope.last_revised(doc, "CAGDP2")


@pytest.mark.parametrize(
    "doc, expected",
    [
        (
            {
                "BEAAPI": {
                    "Error": {
                        "APIErrorCode": "3",
                        "APIErrorDescription": "The BEA API UserID provided in the request does not exist.",
                    }
                }
            },
            BeaAuthError,
        ),
        (
            {
                "BEAAPI": {
                    "Results": {
                        "Error": {
                            "APIErrorCode": "1",
                            "APIErrorDescription": "Request Denied - exceeded Volume per minute quota.",
                        }
                    }
                }
            },
            BeaThrottledError,
        ),
        (
            {
                "BEAAPI": {
                    "Results": [
                        {
                            "Error": [
                                {
                                    "APIErrorCode": "204",
                                    "APIErrorDescription": "Error retrieving GDP by Industry data. ",
                                    "ErrorDetail": {"Description": "Invalid industry: 111CA"},
                                }
                            ]
                        }
                    ]
                }
            },
            BeaBadRequestError,
        ),
    ],
)
def test_errors_inside_http_200_are_found_and_classified(doc: dict, expected: type) -> None:
    parsed = envelope.decode(json.dumps(doc).encode())
    with pytest.raises(expected) as info:
        envelope.raise_for_errors(parsed, "NIPA/T10101")
    assert "NIPA/T10101" in str(info.value)


def test_detail_is_kept_in_the_message() -> None:
    doc = envelope.decode(
        json.dumps(
            {
                "BEAAPI": {
                    "Results": [
                        {
                            "Error": {
                                "APIErrorCode": "204",
                                "APIErrorDescription": "Error retrieving GDP by Industry data. ",
                                "ErrorDetail": {"Description": "Invalid industry: 111CA"},
                            }
                        }
                    ]
                }
            }
        ).encode()
    )
    with pytest.raises(BeaBadRequestError, match="Invalid industry: 111CA"):
        envelope.raise_for_errors(doc, "GDPbyIndustry")


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "empty body"),
        (b"   \r\n", "empty body"),
        (b"<html><body>Service Unavailable</body></html>", "HTML"),
        (b'{"BEAAPI": {"Results": {"Data": [', "cut short: JSON ends after 33 bytes"),
        (b'{"BEAAPI": {"Results": x}}', r"invalid JSON \(Expecting value at byte 23 of 26\)"),
        (b'{"Other": 1}', "no BEAAPI"),
    ],
)
def test_malformed_bodies_are_schema_errors(body: bytes, message: str) -> None:
    with pytest.raises(BeaSchemaError, match=message):
        envelope.decode(body)
    with pytest.raises(BeaSchemaError, match=rf"^BEA answer for NIPA/T10101 line 3 .*{message}"):
        envelope.decode(body, "NIPA/T10101 line 3")


def test_empty_or_missing_data_is_never_an_empty_day() -> None:
    for results in ({"Data": []}, {"Notes": []}):
        with pytest.raises(BeaSchemaError, match="no Data rows"):
            envelope.data_rows(envelope.decode(wrap(results)), "NIPA/T10101")


def test_single_row_as_object_and_list_results() -> None:
    doc = envelope.decode(wrap([{"Data": {"TimePeriod": "2024"}}]))
    assert envelope.data_rows(doc, "x") == [{"TimePeriod": "2024"}]


def test_latin1_and_control_characters_in_notes() -> None:
    note = '{"NoteRef": "T1", "NoteText": "Año\tx - LastRevised: May 2, 2025"}'
    raw = '{"BEAAPI": {"Results": {"Data": [{}], "Notes": [' + note + "]}}}"
    doc = envelope.decode(raw.encode("ISO-8859-1"))
    assert envelope.last_revised(doc, "T1") == date(2025, 5, 2)


def test_redact_removes_every_copy_of_the_key() -> None:
    key = "ABCDEF12-3456-7890-ABCD-EF1234567890"
    raw = json.dumps(
        {
            "BEAAPI": {
                "Request": {"RequestParam": [{"ParameterName": "USERID", "ParameterValue": key}]},
                "Results": {"Note": key},
            }
        }
    ).encode()
    redacted = envelope.redact(raw, key)
    assert key.encode() not in redacted
    assert redacted.count(b"REDACTED") == 2
