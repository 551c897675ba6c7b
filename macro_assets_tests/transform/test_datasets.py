"""Every dataset's real answer (shared/reference/samples/real) read into observations: one per
Data row, the series and period as BEA's fields give them, the value or its marker, the unit."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import polars as pl
import pytest

from macro_assets.bea.errors import BeaSchemaError
from macro_assets.transform.datasets import SERIES_SEPARATOR, bea_period, scale_unit
from macro_assets.transform.observations import KEY, SCHEMA, answer_frame
from macro_assets_tests.conftest import SHARED

REAL = SHARED / "samples" / "real"
RELEASE = date(2026, 12, 3)
# (file, dataset, the catalog's name of the request, the fields that name a series)
SAMPLES = [
    (
        "GDPbyIndustry_ALLtables_Ind52_A_2018-2019.json",
        "GDPbyIndustry",
        "ALL",
        ("Industry", "IndustrYDescription"),
    ),
    ("IIP_FinAssetsExclFinDeriv_ChgPosPrice_A_ALL.json", "IIP", "TypeOfInvestment=X", ("TimeSeriesId",)),
    ("ITA_ALLindicators_China_A_2011-2012.json", "ITA", "Indicator=ALL", ("TimeSeriesId",)),
    ("InputOutput_T56_2010-2013.json", "InputOutput", "56", ("RowCode", "ColCode")),
    (
        "IntlServTrade_Telecom_Exports_USParents_AllCountries_ALL.json",
        "IntlServTrade",
        "T",
        ("TimeSeriesId",),
    ),
    (
        "MNE_DI_Outward_Country_Series30_650-699_2011-2012.json",
        "MNE",
        "M",
        ("SeriesID", "RowCode", "ColumnCode", "ColumnParentCode", "ColumnGParentCode"),
    ),
    ("NIUnderlyingDetail_U20305_AQ_2011-2012.json", "NIUnderlyingDetail", "U20305", ("LineNumber",)),
    ("Regional_CAINC1_COUNTY_line3_2020.json", "Regional", "CAINC1", None),
    ("Regional_CAGDP2_Autauga01001_line64_2018.json", "Regional", "CAGDP2", None),
]


def data_rows(name: str) -> list[dict]:
    api = json.loads((REAL / name).read_bytes().decode("ISO-8859-1"))["BEAAPI"]
    results = api["Results"][0] if isinstance(api["Results"], list) else api["Results"]
    return results.get("Data") or api["Data"]


def period_of(row: dict) -> str:
    if "Quarter" in row:
        return row["Year"] if row["Quarter"] == row["Year"] else f"{row['Year']}Q{row['Quarter']}"
    return row.get("TimePeriod", row.get("Year"))


@pytest.mark.parametrize(
    "name, dataset, table, series", SAMPLES, ids=[s[1] + ":" + s[0][:24] for s in SAMPLES]
)
def test_every_data_row_is_one_observation_of_its_series(
    name: str, dataset: str, table: str, series: tuple[str, ...] | None
) -> None:
    rows = data_rows(name)
    frame = answer_frame((REAL / name).read_bytes(), dataset, table, RELEASE)
    assert frame.schema == pl.Schema(SCHEMA)
    assert frame.height == len(rows)
    assert not frame.select(KEY).is_duplicated().any()
    assert frame["dataset"].unique().to_list() == [dataset]
    expected_series = [
        SERIES_SEPARATOR.join([r["Code"].split("-")[-1], r["GeoFips"]])
        if series is None
        else SERIES_SEPARATOR.join(r[f] for f in series)
        for r in rows
    ]
    assert frame["series_id"].to_list() == expected_series
    assert frame["time_period"].to_list() == [period_of(r) for r in rows]
    # A number is the number BEA printed, whatever the dataset; a marker is never a value.
    for r, value, status in zip(rows, frame["value"], frame["value_status"], strict=True):
        text = (r.get("DataValueUnformatted") or r["DataValue"]).replace(",", "")
        try:
            number = float(text)
        except ValueError:
            assert value is None and status, (r, value, status)
            continue
        if str(r.get("NoteRef", "")).strip() == "(D)":
            assert (value, status) == (None, "(D)"), r
        else:
            assert (value, status) == (number, None), r


def test_markers_of_the_international_accounts_come_from_note_ref() -> None:
    """ITA leaves DataValue empty and says why in NoteRef, alone or after footnote references."""
    name = "ITA_ALLindicators_China_A_2011-2012.json"
    frame = answer_frame((REAL / name).read_bytes(), "ITA", "Indicator=ALL", RELEASE)
    statuses = Counter(frame["value_status"].drop_nulls().to_list())
    assert statuses == {".....": 14, "n.a.": 20, "(D)": 8, "(empty)": 2}
    assert frame.filter(pl.col("value_status").is_null())["value"].null_count() == 0


def test_a_suppressed_county_cell_sent_as_zero_is_a_marker_not_a_zero() -> None:
    name = "Regional_CAGDP2_Autauga01001_line64_2018.json"
    (row,) = answer_frame((REAL / name).read_bytes(), "Regional", "CAGDP2", RELEASE).to_dicts()
    assert (row["value"], row["value_status"], row["geo_fips"], row["geo_level"]) == (
        None,
        "(D)",
        "01001",
        "local",
    )


def test_dimensions_hold_what_names_the_series_and_no_value_or_period() -> None:
    name = "ITA_ALLindicators_China_A_2011-2012.json"
    frame = answer_frame((REAL / name).read_bytes(), "ITA", "Indicator=ALL", RELEASE)
    first = json.loads(frame["dimensions"][0])
    assert first == {
        "AreaOrCountry": "China",
        "Frequency": "A",
        "Indicator": "BalCapAcct",
        "TimeSeriesId": "TSI_ItaBalCapAcctChina_A",
    }
    assert (frame["line_description"][0], frame["unit"][0], frame["unit_mult"][0]) == (
        "Balance on capital account; China; annual",
        "USD",
        6,
    )
    assert (
        frame["line_number"].null_count() == frame.height and frame["geo_fips"].null_count() == frame.height
    )


def test_gdp_by_industry_names_each_row_by_its_own_table() -> None:
    name = "GDPbyIndustry_ALLtables_Ind52_A_2018-2019.json"
    frame = answer_frame((REAL / name).read_bytes(), "GDPbyIndustry", "ALL", RELEASE)
    assert frame["table_name"].n_unique() == 23 and "209" in frame["table_name"].to_list()
    assert set(frame["frequency"]) == {"A"} and frame["line_description"][0] == "Finance and insurance"
    # Table 6 repeats industry 52 once per component of value added; its title gives the unit.
    six = frame.filter((pl.col("table_name") == "6") & (pl.col("time_period") == "2018"))
    assert six["series_id"].to_list() == [
        "52|Finance and insurance",
        "52|Compensation of employees",
        "52|Taxes on production and imports less subsidies",
        "52|Gross operating surplus",
    ]
    assert set(zip(six["unit"], six["unit_mult"], strict=True)) == {("dollars", 9)}
    seven = frame.filter(pl.col("table_name") == "7")
    assert set(zip(seven["unit"], seven["unit_mult"], strict=True)) == {("Percent", 0)}


def test_mne_takes_the_unformatted_value_and_the_scale_of_its_table() -> None:
    name = "MNE_DI_Outward_Country_Series30_650-699_2011-2012.json"
    frame = answer_frame((REAL / name).read_bytes(), "MNE", "M", RELEASE)
    assert frame["value"].to_list() == [591657.0, 672777.0, 53661.0, 54514.0]
    assert set(zip(frame["unit"], frame["unit_mult"], strict=True)) == {("Dollars", 6)}


def test_input_output_cells_are_row_by_column() -> None:
    name = "InputOutput_T56_2010-2013.json"
    frame = answer_frame((REAL / name).read_bytes(), "InputOutput", "56", RELEASE)
    cell = frame.filter((pl.col("series_id") == "11|21") & (pl.col("time_period") == "2010"))
    assert cell["value"].to_list() == [0.0129456]
    assert json.loads(cell["dimensions"][0])["ColDescr"] == "Mining"
    assert frame["unit"].null_count() == frame.height  # BEA gives no unit in IO rows


@pytest.mark.parametrize(
    "year, quarter, period", [("2018", "2018", "2018"), ("2018", "I", "2018Q1"), ("2018", "IV", "2018Q4")]
)
def test_gdp_by_industry_periods(year: str, quarter: str, period: str) -> None:
    assert bea_period(year, quarter) == period


def test_a_quarter_bea_never_sends_is_named_by_the_period_check() -> None:
    raw = json.dumps(
        {
            "BEAAPI": {
                "Results": [
                    {
                        "Data": [
                            {
                                "TableID": "1",
                                "Frequency": "Q",
                                "Year": "2018",
                                "Quarter": "V",
                                "Industry": "52",
                                "DataValue": "1",
                            }
                        ]
                    }
                ]
            }
        }
    ).encode()
    with pytest.raises(BeaSchemaError, match="unrecognised BEA time period '2018QV'"):
        answer_frame(raw, "GDPbyIndustry", "1", RELEASE)


def test_a_renamed_field_of_a_new_dataset_is_refused() -> None:
    rows = data_rows("ITA_ALLindicators_China_A_2011-2012.json")[:1]
    rows[0]["TimeSeriesID"] = rows[0].pop("TimeSeriesId")
    raw = json.dumps({"BEAAPI": {"Results": {"Data": rows}}}).encode()
    with pytest.raises(BeaSchemaError, match="lacks required field TimeSeriesId"):
        answer_frame(raw, "ITA", "Indicator=ALL", RELEASE)


@pytest.mark.parametrize(
    "text, unit",
    [
        ("Millions of Dollars", ("Dollars", 6)),
        ("Thousands of jobs", ("jobs", 3)),
        ("Percent", ("Percent", 0)),
    ],
)
def test_table_scales(text: str, unit: tuple[str, int]) -> None:
    assert scale_unit(text) == unit
