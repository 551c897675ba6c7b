"""Direct investment and multinational enterprises (MNE) as BEA answers them (calibrated on the
real answer in the shared samples): one row per printed cell, rows by country or industry and
columns by the industries asked for, ``TableScale`` "Millions of Dollars", the value twice
(``DataValueUnformatted`` without commas, ``DataValue`` with), "(D)" for suppressed cells,
display positions, HTML in the notes, the request's choices repeated at Results level, and no
vintage stamp."""

from __future__ import annotations

from datetime import datetime

from bea_sandbox import schedule, series
from bea_sandbox.errors import ApiError

FIRST_YEAR = 2009
SERIES = {
    "30": ("Direct Investment Position on a Historical-Cost Basis", 1.0),
    "31": ("Direct Investment Income without Current-Cost Adjustment", 0.08),
    "32": ("Financial Transactions without Current-Cost Adjustment", 0.05),
}
# (code, name, share of the all-countries total, display order)
COUNTRIES = (
    ("000", "All Countries Total", 1.0),
    ("100", "Canada", 0.1),
    ("308", "United Kingdom", 0.14),
    ("345", "Mexico", 0.02),
    ("650", "China", 0.015),
    ("699", "Asia and Pacific", 0.16),
)
INDUSTRIES = (
    ("0000", "All Industries Total", 1.0),
    ("3000", "Manufacturing", 0.15),
    ("5200", "Finance and insurance", 0.12),
    ("5500", "Holding companies (nonbank)", 0.5),
)
_TOTALS = {("OUTWARD", "30"): 5_900_000.0, ("INWARD", "30"): 4_600_000.0}
_DIRECTIONS = {
    "OUTWARD": "U.S. Direct Investment Abroad",
    "INWARD": "Foreign Direct Investment in the United States",
}
_WORDS = {
    "OUTWARD": "U.S. Direct Investment Position Abroad",
    "INWARD": "Foreign Direct Investment Position in the United States",
}
_DIMENSIONS = (
    ("Year", "numeric", "0"),
    ("SeriesID", "numeric", "0"),
    ("SeriesName", "string", "0"),
    ("Row", "string", "0"),
    ("Column", "string", "0"),
    ("RowCode", "string", "0"),
    ("ColumnCode", "string", "0"),
    ("TableScale", "string", "0"),
    ("DataValueUnformatted", "string", "1"),
    ("DataValue", "string", "1"),
)
_NOTES = (
    ("2.00", "<strong>n.s.</strong>  Not shown.  Data may not be shown for several reasons:"),
    (
        "12.00",
        "<strong>(D)</strong> indicates that the data in the cell have been suppressed to avoid disclosure.",
    ),
    ("41.00", "Source: U.S. Bureau of Economic Analysis "),
)


def _series_name(direction: str, series_id: str) -> str:
    name = SERIES[series_id][0]
    return (
        f"{_WORDS[direction]} on a Historical-Cost Basis"
        if series_id == "30"
        else f"{_DIRECTIONS[direction]}: {name}"
    )


def get_data(params: dict[str, str], now: datetime) -> dict[str, object]:
    for required in ("directionofinvestment", "classification", "year"):
        if not params.get(required):
            raise ApiError(
                "40",
                "The dataset requested requires parameters that were missing from the request.",
                f"Missing parameter {required}",
            )
    direction = params["directionofinvestment"].strip().upper()
    if direction not in _DIRECTIONS:
        raise ApiError(
            "1",
            "Invalid Value for Parameter",
            f"Invalid DirectionOfInvestment: {params['directionofinvestment']}",
        )
    classification = params["classification"].strip().upper()
    if classification not in ("COUNTRY", "INDUSTRY"):
        raise ApiError(
            "1", "Invalid Value for Parameter", f"Invalid Classification: {params['classification']}"
        )
    ids = series.chosen(params.get("seriesid", "30"), list(SERIES))
    countries = series.chosen(params.get("country", "ALL"), [c for c, _, _ in COUNTRIES])
    industries = series.chosen(params.get("industry", "ALL"), [i for i, _, _ in INDUSTRIES])
    if ids is None or countries is None or industries is None:
        raise ApiError("1", "Invalid Value for Parameter", "Invalid SeriesID, Country or Industry")
    release = schedule.latest_release(schedule.DIRECT_INVESTMENT, now)
    assert release is not None
    years = series.years_of(params["year"])
    by_country = {c: (n, s) for c, n, s in COUNTRIES}
    by_industry = {i: (n, s) for i, n, s in INDUSTRIES}
    # Rows are countries (classification by country) or industries; columns are the industries.
    row_codes = countries if classification == "COUNTRY" else industries
    row_names = by_country if classification == "COUNTRY" else by_industry
    columns = industries if classification == "COUNTRY" else ["0000"]
    data = []
    for series_id in ids:
        total = _TOTALS.get((direction, "30"), 5_000_000.0) * SERIES[series_id][1]
        for year in range(FIRST_YEAR, series.last_year(release) + 1):
            if years is not None and year not in years:
                continue
            for r_order, row_code in enumerate(row_codes):
                row_name, row_share = row_names[row_code]
                for c_order, column_code in enumerate(columns):
                    column_name, column_share = by_industry[column_code]
                    key = f"mne:{direction}:{series_id}:{row_code}:{column_code}"
                    value = series.level(
                        key, year, total * row_share * column_share, 0.05, release, FIRST_YEAR
                    )
                    # Small cells of single countries are suppressed.
                    suppressed = row_share * column_share < 0.002
                    data.append(
                        {
                            "Year": str(year),
                            "SeriesID": series_id,
                            "SeriesName": _series_name(direction, series_id),
                            "Row": row_name,
                            "ColumnGParent": "None",
                            "ColumnParent": "None",
                            "Column": "Position"
                            if column_code == "0000" and series_id == "30"
                            else column_name,
                            "RowCode": row_code,
                            "ColumnCode": column_code,
                            "ColumnParentCode": "0",
                            "ColumnGParentCode": "0",
                            "TableScale": "Millions of Dollars",
                            "DataValueUnformatted": "(D)" if suppressed else f"{value:.0f}",
                            "TableColumnDisplayOrder": f"{c_order + 1:.2f}",
                            "TableRowDisplayOrder": f"{r_order + 1:.2f}",
                            "DataValue": "(D)" if suppressed else f"{value:,.0f}",
                        }
                    )
    if not data:
        raise ApiError("101", "Error retrieving data.", "No data exists for the requested parameters.")
    return {
        "Table_Count": "1",
        "rowTypeID": "10",
        "InvestmentType": _DIRECTIONS[direction],
        "DataType": "Balance of Payments and Direct Investment Position Data",
        "Entity": "None",
        "IndustryClassification": "NAICS",
        "YearList": ",".join(sorted({r["Year"] for r in data})),
        "DIRECTIONOFINVESTMENT": direction,
        "OwnershipLevel": params.get("ownershiplevel", "0"),
        "NonbankAffiliatesOnly": params.get("nonbankaffiliatesonly", "0"),
        "Tables": "211",
        "cnt": str(len(data)),
        "Dimensions": [
            {"Ordinal": str(i), "Name": n, "DataType": t, "IsValue": v}
            for i, (n, t, v) in enumerate(_DIMENSIONS, 1)
        ],
        "Data": data,
        "Notes": [{"NoteText": text, "NoteRef": ref} for ref, text in _NOTES],
    }


def parameter_values(name: str) -> list[dict[str, str]] | None:
    if name == "SERIESID":
        return [{"Key": k, "Desc": n} for k, (n, _) in SERIES.items()]
    if name == "COUNTRY":
        return [{"Key": c, "Desc": n} for c, n, _ in COUNTRIES]
    if name == "INDUSTRY":
        return [{"Key": i, "Desc": n} for i, n, _ in INDUSTRIES]
    if name == "DIRECTIONOFINVESTMENT":
        return [
            {"Key": "Outward", "Desc": _DIRECTIONS["OUTWARD"]},
            {"Key": "Inward", "Desc": _DIRECTIONS["INWARD"]},
        ]
    if name == "CLASSIFICATION":
        return [
            {"Key": "Country", "Desc": "Results by country"},
            {"Key": "Industry", "Desc": "Results by industry"},
        ]
    return None
