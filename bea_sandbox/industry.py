"""GDP by industry, underlying GDP by industry and input-output, as BEA answers them (calibrated
on the real answers in the shared samples): ``Results`` a one-element list; rows with
``Year`` and ``Quarter`` (annual rows carry the year as Quarter, quarterly ones I–IV) and BEA's
spelling ``IndustrYDescription``; the unit only in the table's note ("… [Billions of
dollars]"); input-output cells by RowCode × ColCode. No vintage stamp anywhere in the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bea_sandbox import schedule, series
from bea_sandbox.errors import ApiError

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
FIRST_YEAR = 2005

# (Industry key, description, value added in 2005, billions of dollars)
INDUSTRIES = (
    ("GDP", "Gross domestic product", 13_040.0),
    ("PVT", "Private industries", 11_450.0),
    ("11", "Agriculture, forestry, fishing, and hunting", 130.0),
    ("21", "Mining", 230.0),
    ("22", "Utilities", 210.0),
    ("23", "Construction", 650.0),
    ("31G", "Manufacturing", 1_660.0),
    ("42", "Wholesale trade", 780.0),
    ("44RT", "Retail trade", 830.0),
    ("48TW", "Transportation and warehousing", 400.0),
    ("51", "Information", 680.0),
    ("52", "Finance and insurance", 990.0),
    ("53", "Real estate and rental and leasing", 1_620.0),
    ("G", "Government", 1_590.0),
)
# Underlying detail: industries below the sectors (annual only).
DETAIL = (
    ("111CA", "Farms", 90.0),
    ("113FF", "Forestry, fishing, and related activities", 40.0),
    ("211", "Oil and gas extraction", 150.0),
    ("212", "Mining, except oil and gas", 50.0),
    ("213", "Support activities for mining", 30.0),
    ("521CI", "Federal Reserve banks, credit intermediation, and related activities", 400.0),
    ("523", "Securities, commodity contracts, and investments", 240.0),
    ("524", "Insurance carriers and related activities", 300.0),
)
_COMPONENTS = (
    ("Compensation of employees", 0.53),
    ("Taxes on production and imports less subsidies", 0.07),
    ("Gross operating surplus", 0.40),
)


@dataclass(frozen=True)
class IndustryTable:
    table_id: str
    title: str
    kind: str  # "level", "share" (percent of GDP), "components", "real"
    frequencies: tuple[str, ...]


GDP_BY_INDUSTRY = {
    t.table_id: t
    for t in (
        IndustryTable("1", "Value Added by Industry [Billions of dollars]", "level", ("A", "Q")),
        IndustryTable(
            "5",
            "Value Added by Industry as a Percentage of Gross Domestic Product [Percent]",
            "share",
            ("A", "Q"),
        ),
        IndustryTable(
            "6", "Components of Value Added by Industry [Billions of dollars]", "components", ("A",)
        ),
        IndustryTable(
            "10", "Real Value Added by Industry [Billions of chained (2017) dollars]", "real", ("A", "Q")
        ),
    )
}
UNDERLYING = {
    t.table_id: t
    for t in (
        IndustryTable("210", "Value Added by Industry [Millions of dollars]", "level", ("A",)),
        IndustryTable(
            "211", "Real Value Added by Industry [Millions of chained (2017) dollars]", "real", ("A",)
        ),
    )
}
_DIMENSIONS = (
    ("TableID", "numeric"),
    ("Frequency", "string"),
    ("Year", "string"),
    ("Quarter", "string"),
    ("Industry", "string"),
    ("IndustryDescription", "string"),
    ("DataValue", "numeric"),
)


def industries(dataset: str) -> tuple[tuple[str, str, float], ...]:
    return DETAIL if dataset == "UNDERLYINGGDPBYINDUSTRY" else INDUSTRIES


def tables(dataset: str) -> dict[str, IndustryTable]:
    return UNDERLYING if dataset == "UNDERLYINGGDPBYINDUSTRY" else GDP_BY_INDUSTRY


def _value(table: IndustryTable, key: str, base: float, t: float, release: date, scale: float) -> float:
    nominal = series.level(f"gdpbyind:{key}", t, base, 0.04, release, FIRST_YEAR)
    if table.kind == "share":
        gdp = series.level("gdpbyind:GDP", t, INDUSTRIES[0][2], 0.04, release, FIRST_YEAR)
        return 100 * nominal / gdp
    if table.kind == "real":
        return nominal / (1.02 ** (t - 2017))
    return nominal * scale


def _rows(
    dataset: str,
    table: IndustryTable,
    keys: list[str],
    frequencies: list[str],
    years: set[int] | None,
    release: date,
) -> list[dict[str, str]]:
    scale = 1000.0 if dataset == "UNDERLYINGGDPBYINDUSTRY" else 1.0
    periods: list[tuple[str, int, str, float]] = []
    for frequency in frequencies:
        if frequency not in table.frequencies:
            continue
        if frequency == "A":
            periods += [("A", y, str(y), float(y)) for y in range(FIRST_YEAR, series.last_year(release) + 1)]
        else:
            periods += [
                ("Q", y, ROMAN[q], y + (q - 1) / 4) for y, q in series.quarters(FIRST_YEAR, release, 4)
            ]
    described = {k: (d, b) for k, d, b in industries(dataset)}
    rows = []
    for frequency, year, quarter, t in periods:
        if years is not None and year not in years:
            continue
        for key in keys:
            description, base = described[key]
            value = _value(table, key, base, t, release, scale)
            lines = [(description, value)]
            if table.kind == "components":
                lines += [
                    (name, value * share * (1 + 0.05 * series.noise(key, name, year)))
                    for name, share in _COMPONENTS
                ]
            for words, number in lines:
                rows.append(
                    {
                        "TableID": table.table_id,
                        "Frequency": frequency,
                        "Year": str(year),
                        "Quarter": quarter if frequency == "Q" else str(year),
                        "Industry": key,
                        "IndustrYDescription": words,
                        "DataValue": f"{number:.1f}",
                        "NoteRef": table.table_id,
                    }
                )
    return rows


def gdp_by_industry(dataset: str, params: dict[str, str], now: datetime) -> dict[str, object]:
    """Results of a GetData of GDPbyIndustry or UnderlyingGDPbyIndustry."""
    for required in ("tableid", "industry", "frequency", "year"):
        if not params.get(required):
            raise ApiError(
                "40",
                "The dataset requested requires parameters that were missing from the request.",
                f"Missing parameter {required}",
            )
    known = tables(dataset)
    ids = series.chosen(params["tableid"], list(known))
    if ids is None:
        raise ApiError(
            "204", "Error retrieving GDP by Industry data.", f"Invalid TableID: {params['tableid']}"
        )
    keys = series.chosen(params["industry"], [k for k, _, _ in industries(dataset)])
    if keys is None:
        raise ApiError(
            "204", "Error retrieving GDP by Industry data.", f"Invalid Industry: {params['industry']}"
        )
    frequencies = [f.strip().upper() for f in params["frequency"].split(",") if f.strip()]
    if dataset == "UNDERLYINGGDPBYINDUSTRY" and "Q" in frequencies:
        raise ApiError(
            "204", "Error retrieving GDP by Industry data.", "The underlying detail is annual only."
        )
    release = schedule.latest_release(schedule.GDP_BY_INDUSTRY, now)
    assert release is not None  # a baseline vintage precedes the schedule
    years = series.years_of(params["year"])
    rows = [r for tid in ids for r in _rows(dataset, known[tid], keys, frequencies, years, release)]
    if not rows:
        raise ApiError(
            "204",
            "Error retrieving GDP by Industry data.",
            "No data exists for the requested Frequency and Year.",
        )
    notes = [{"NoteRef": tid, "NoteText": known[tid].title} for tid in ids]
    notes.append(
        {
            "NoteRef": f"{ids[0]}.1.A,Q",
            "NoteText": "1. Consists of agriculture, forestry, fishing, and hunting; mining; construction; "
            "and manufacturing.",
        }
    )
    return {
        "Statistic": "GDP by Industry Table",
        "Dimensions": [
            {"Ordinal": str(i), "Name": n, "DataType": t, "IsValue": "1" if n == "DataValue" else "0"}
            for i, (n, t) in enumerate(_DIMENSIONS, 1)
        ],
        "Data": rows,
        "Notes": notes,
    }


# Input-output: sectors as rows (industries) and columns (commodities).
SECTORS = (
    ("11", "Agriculture, forestry, fishing, and hunting"),
    ("21", "Mining"),
    ("22", "Utilities"),
    ("23", "Construction"),
    ("31G", "Manufacturing"),
    ("42", "Wholesale trade"),
    ("44RT", "Retail trade"),
    ("48TW", "Transportation and warehousing"),
    ("51", "Information"),
    ("FIRE", "Finance, insurance, real estate, rental, and leasing"),
    ("PROF", "Professional and business services"),
    ("6", "Educational services, health care, and social assistance"),
    ("7", "Arts, entertainment, recreation, accommodation, and food services"),
    ("81", "Other services, except government"),
    ("G", "Government"),
)


@dataclass(frozen=True)
class IoTable:
    table_id: str
    title: str
    requirements: bool  # coefficients (total requirements) rather than dollars
    first_year: int


IO_TABLES = {
    t.table_id: t
    for t in (
        IoTable(
            "56", "Industry-by-Commodity Total Requirements, After Redefinitions (Sector Level)", True, 2015
        ),
        IoTable(
            "259",
            "The Use of Commodities by Industries, Before Redefinitions (Sector Level) [Millions of dollars]",
            False,
            2015,
        ),
    )
}
_IO_DIMENSIONS = (
    "TableID",
    "Year",
    "RowCode",
    "RowDescr",
    "RowType",
    "ColCode",
    "ColDescr",
    "ColType",
    "DataValue",
)


def input_output(params: dict[str, str], now: datetime) -> dict[str, object]:
    for required in ("tableid", "year"):
        if not params.get(required):
            raise ApiError(
                "40",
                "The dataset requested requires parameters that were missing from the request.",
                f"Missing parameter {required}",
            )
    ids = series.chosen(params["tableid"], list(IO_TABLES))
    if ids is None:
        raise ApiError("201", "Error retrieving Input-Output data.", f"Invalid TableID: {params['tableid']}")
    release = schedule.latest_release(schedule.INPUT_OUTPUT, now)
    assert release is not None
    years = series.years_of(params["year"])
    rows = []
    for tid in ids:
        table = IO_TABLES[tid]
        for year in range(table.first_year, series.last_year(release)):
            if years is not None and year not in years:
                continue
            for row_code, row_name in SECTORS:
                for col_code, col_name in SECTORS:
                    key = f"io:{tid}:{row_code}:{col_code}"
                    if table.requirements:
                        own = 1.0 if row_code == col_code else 0.0
                        value = own + 0.05 * (1 + series.noise(key)) * (
                            1
                            + 0.01
                            * series.noise(key, year, release.isoformat() if release.year - year <= 3 else "")
                        )
                        shown = f"{value:.6g}"
                    else:
                        value = series.level(
                            key, year, 2_000 * (1.5 + series.noise(key)), 0.03, release, 2015
                        )
                        shown = f"{value:,.0f}"
                    rows.append(
                        {
                            "TableID": tid,
                            "Year": str(year),
                            "RowCode": row_code,
                            "RowDescr": row_name,
                            "RowType": "Industry",
                            "ColCode": col_code,
                            "ColDescr": col_name,
                            "ColType": "Commodity",
                            "DataValue": shown,
                            "NoteRef": tid,
                        }
                    )
    if not rows:
        raise ApiError("101", "Error retrieving Input-Output data.", "No data exists for the requested Year.")
    notes = [{"NoteRef": f"{ids[0]}.0.1", "NoteText": "Note. Detail may not add to total due to rounding."}]
    notes += [{"NoteRef": tid, "NoteText": IO_TABLES[tid].title + " "} for tid in ids]
    return {
        "Statistic": "Input-Output Table",
        "Dimensions": [
            {
                "Ordinal": str(i),
                "Name": n,
                "DataType": "numeric" if n in ("TableID", "DataValue") else "string",
                "IsValue": "1" if n == "DataValue" else "0",
            }
            for i, n in enumerate(_IO_DIMENSIONS, 1)
        ],
        "Data": rows,
        "Notes": notes,
    }


def parameter_values(dataset: str, name: str) -> list[dict[str, str]] | None:
    if dataset in ("GDPBYINDUSTRY", "UNDERLYINGGDPBYINDUSTRY"):
        if name == "TABLEID":
            return [
                {"Key": t.table_id, "Desc": f"{t.title} ({') ('.join(t.frequencies)})"}
                for t in tables(dataset).values()
            ]
        if name == "INDUSTRY":
            return [{"Key": k, "Desc": d} for k, d, _ in industries(dataset)]
        if name == "FREQUENCY":
            return [{"Key": "A", "Desc": "Annual"}] + (
                [] if dataset == "UNDERLYINGGDPBYINDUSTRY" else [{"Key": "Q", "Desc": "Quarterly"}]
            )
    if dataset == "INPUTOUTPUT" and name == "TABLEID":
        return [{"Key": t.table_id, "Desc": t.title} for t in IO_TABLES.values()]
    return None
