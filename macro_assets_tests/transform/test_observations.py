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


def _exact_text(raw: bytes, fields: dict[str, str]) -> pl.DataFrame:
    from macro_assets.bea import envelope

    rows = envelope.data_rows(envelope.decode(raw), "test")
    return pl.from_dicts(rows, schema=dict.fromkeys(fields, pl.String()), strict=False)


@pytest.mark.parametrize(
    "sample, fields",
    [
        ("bea_api_raw_Regional_SAGDP2N_line1_Alabama_2017_2022.json", "_REGIONAL_FIELDS"),
        ("bea_api_raw_Regional_SAINC1_line1_Alabama_2017_2022.json", "_REGIONAL_FIELDS"),
        ("regional_CAGDP2_line64_geo01001_A_2018_suppressed.json", "_REGIONAL_FIELDS"),
    ],
)
def test_native_reader_agrees_with_the_exact_path_on_real_answers(sample: str, fields: str) -> None:
    from macro_assets.transform import observations
    from macro_assets_tests.conftest import SHARED

    raw = (SHARED / "samples" / sample).read_bytes()
    mapping = getattr(observations, fields)
    native = observations._native_data(raw, mapping)
    assert native is not None, "a well-formed answer takes the native path"
    statistic, frame = native
    assert frame.equals(_exact_text(raw, mapping))
    assert statistic == json.loads(raw)["BEAAPI"]["Results"]["Statistic"]


def test_native_reader_reads_iso_8859_1_and_escapes_as_the_exact_path_does() -> None:
    from macro_assets.transform import observations

    raw = answer(
        row("1", "2024", "1", LineDescription='Caf\u00e9 \u00a7 "quoted"\\slash\ttab'),
        row("2", "2024", "2", NoteRef="T10105.1"),
    )
    raw = raw.decode().encode("ISO-8859-1")  # json.dumps escaped: force real Latin-1 bytes too
    raw = raw.replace(b"\\u00e9", "\u00e9".encode("ISO-8859-1")).replace(b"\\u00a7", b"\xa7")
    assert not raw.isascii()
    native = observations._native_data(raw, observations._NIPA_FIELDS)
    assert native is not None
    assert native[1].equals(_exact_text(raw, observations._NIPA_FIELDS))
    assert native[1]["LineDescription"][0] == 'Caf\u00e9 \u00a7 "quoted"\\slash\ttab'


@pytest.mark.parametrize(
    "doc",
    [
        # One observation sent as an object, not a list (BEA does this).
        {"BEAAPI": {"Results": {"Data": row("1", "2024", "1")}}},
        # An error beside data.
        {"BEAAPI": {"Results": {"Error": {"APIErrorCode": "201"}, "Data": [row("1", "2024", "1")]}}},
        {"BEAAPI": {"Error": {"APIErrorCode": "3"}}},
        {"BEAAPI": {"Results": {"Data": []}}},
    ],
)
def test_native_reader_leaves_unusual_answers_to_the_exact_path(doc: dict) -> None:
    from macro_assets.transform import observations

    assert observations._native_data(json.dumps(doc).encode(), observations._NIPA_FIELDS) is None


def test_control_characters_in_a_note_take_the_exact_path_and_parse() -> None:
    from macro_assets.transform import observations

    raw = answer(row("1", "2024", "1")).replace(b"Table 1.1.5.", b"Table\x011.1.5.")
    assert observations._native_data(raw, observations._NIPA_FIELDS) is None
    assert nipa_frame(raw, "NIPA", "T10105", RELEASE)["value"].to_list() == [1.0]


def test_a_single_object_row_is_one_observation() -> None:
    raw = json.dumps({"BEAAPI": {"Results": {"Data": row("1", "2024", "7")}}}).encode()
    assert nipa_frame(raw, "NIPA", "T10105", RELEASE)["value"].to_list() == [7.0]


def test_typing_a_batch_equals_typing_each_answer() -> None:
    from macro_assets.transform.observations import nipa_text, typed_frame

    first = answer(row("1", "2024", "1,000.5"), row("1", "2024Q1", "(NA)"))
    second = answer(row("2", "2023", "3", TableName="T10106"), row("2", "2023M07", "4", TableName="T10106"))
    texts = [nipa_text(first, "NIPA", "T10105"), nipa_text(second, "NIPA", "T10106")]
    batch = typed_frame(pl.concat(texts), RELEASE, unique_keys=False)
    each = pl.concat([typed_frame(t, RELEASE) for t in texts])
    assert batch.equals(each)
    assert batch["time_period"].to_list() == ["2024", "2024Q1", "2023", "2023M07"]
    assert batch["value"].to_list() == [1000.5, None, 3.0, 4.0]


def test_an_error_in_a_batch_names_its_answer() -> None:
    from macro_assets.transform.observations import nipa_text, typed_frame

    good = nipa_text(answer(row("1", "2024", "1")), "NIPA", "T10105")
    bad = nipa_text(
        answer(row("1", "2024", "1", TableName="T20100", UNIT_MULT="x")), "NIUnderlyingDetail", "U20100"
    )
    with pytest.raises(BeaSchemaError, match=r"^BEA answer for NIUnderlyingDetail/U20100: UNIT_MULT 'x'"):
        typed_frame(pl.concat([good, bad]), RELEASE, unique_keys=False)


NIPA_TABLES = [
    ("NIPA", "T10101", "A,Q"),
    ("NIPA", "T10105", "A,Q"),
    ("NIPA", "T20600", "M"),
    ("NIPA", "T20804", "M"),
]


def test_native_reader_agrees_with_the_exact_path_on_every_sandbox_answer_shape() -> None:
    """What the sandbox serves over HTTP, byte for byte as BEA shapes it (notes, markers,
    ISO-8859-1): the fast reader must give exactly the exact path's text, or decline."""
    import requests

    from bea_sandbox.server import Sandbox
    from macro_assets.transform import observations

    key = "11111111-2222-4333-8444-555555555555"
    base = {"UserID": key, "method": "GetData", "ResultFormat": "JSON"}
    requests_ = [
        {"DatasetName": d, "TableName": t, "Frequency": f, "Year": "ALL"} for d, t, f in NIPA_TABLES
    ] + [
        {"DatasetName": "Regional", "TableName": t, "LineCode": line, "GeoFips": "STATE", "Year": "ALL"}
        for t, line in (("SAINC1", "1"), ("SAINC1", "3"), ("SAGDP2", "1"), ("SARPP", "1"))
    ]
    compared = 0
    with Sandbox() as s:
        for params in requests_:
            raw = requests.get(s.api_url, params=base | params, timeout=30).content
            fields = (
                observations._REGIONAL_FIELDS
                if params["DatasetName"] == "Regional"
                else observations._NIPA_FIELDS
            )
            native = observations._native_data(raw, fields)
            assert native is not None, params
            assert native[1].equals(_exact_text(raw, fields)), params
            compared += native[1].height
    assert compared > 1000


@pytest.mark.parametrize("period", ["2024M13", "2024M0", "2024M00", "2024Q0", "24"])
def test_impossible_periods_are_named_not_typed(period: str) -> None:
    with pytest.raises(
        BeaSchemaError, match=f"^BEA answer for NIPA/T10105: unrecognised BEA time period '{period}'$"
    ):
        nipa_frame(answer(row("1", period, "1")), "NIPA", "T10105", RELEASE)


def test_a_month_is_padded_and_spans_its_days() -> None:
    frame = nipa_frame(answer(row("1", "2024M2", "1"), row("1", " 2024 ", "2")), "NIPA", "T10105", RELEASE)
    assert frame.select("time_period", "frequency", "period_start", "period_end").rows() == [
        ("2024M02", "M", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024", "A", date(2024, 1, 1), date(2024, 12, 31)),
    ]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "nan"])
def test_a_value_that_is_not_a_finite_number_is_refused_naming_table_line_and_value(value: str) -> None:
    """float() and polars read these as numbers; BEA never publishes them (issue 19)."""
    rows = [row("1", "2024", "100"), row("7", "2023", value)]
    with pytest.raises(BeaSchemaError, match=f"NIPA/T10105, line 7: .*not a finite number: '{value}'"):
        nipa_frame(answer(*rows), "NIPA", "T10105", RELEASE)
    with pytest.raises(BeaSchemaError, match="not a finite number"):
        parse_value(value)


@pytest.mark.parametrize(
    ("field", "renamed"), [("SeriesCode", "Series_Code"), ("LineDescription", "LineDesc")]
)
def test_a_renamed_field_bea_always_sends_is_refused_not_left_empty(field: str, renamed: str) -> None:
    """A field every NIPA row carries is required: renamed, it must not become empty text."""
    rows = []
    for line in ("1", "2"):
        r = row(line, "2024", "1")
        r[renamed] = r.pop(field)
        rows.append(r)
    with pytest.raises(BeaSchemaError, match=f"^BEA answer for NIPA/T10105 lacks required field {field} "):
        nipa_frame(answer(*rows), "NIPA", "T10105", RELEASE)


def test_a_missing_note_ref_is_not_an_error() -> None:
    """BEA's NIPA rows of 2020 had no NoteRef (samples/real/SOURCES.md)."""
    bare = row("1", "2024", "1")
    del bare["NoteRef"]
    assert nipa_frame(answer(bare), "NIPA", "T10105", RELEASE).height == 1


@pytest.mark.parametrize("field", ["LineDescription", "SeriesCode", "METRIC_NAME", "CL_UNIT"])
def test_a_nul_character_in_text_is_refused_naming_table_line_and_field(field: str) -> None:
    rows = [row("1", "2024", "1"), row("4", "2024", "2")]
    rows[1][field] = "Gross\x00domestic"
    with pytest.raises(
        BeaSchemaError, match=rf"^BEA answer for NIPA/T10105, line 4: {field} holds a NUL character"
    ) as raised:
        nipa_frame(answer(*rows), "NIPA", "T10105", RELEASE)
    assert "\n" not in str(raised.value)


def test_text_that_looks_like_copys_null_marker_is_kept_as_text() -> None:
    described = row("1", "2024", "1")
    described["LineDescription"] = "\\N"
    frame = nipa_frame(answer(described), "NIPA", "T10105", RELEASE)
    assert frame["line_description"].to_list() == ["\\N"]
