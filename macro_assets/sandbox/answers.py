"""BEA's answers, built the way BEA builds them: every field a string, display commas, the
request echoed back (API key included), and errors inside HTTP 200."""

from __future__ import annotations

from datetime import UTC, date, datetime

from macro_assets.sandbox import economy, schedule
from macro_assets.sandbox.tables import TABLES, Table

DATASETS = [
    ("NIPA", "Standard NIPA tables"),
    ("NIUnderlyingDetail", "Standard NI underlying detail tables"),
    ("MNE", "Multinational Enterprises"),
    ("FixedAssets", "Standard Fixed Assets tables"),
    ("ITA", "International Transactions Accounts"),
    ("IIP", "International Investment Position"),
    ("GDPbyIndustry", "GDP by Industry"),
    ("Regional", "Regional data sets"),
]

NIPA_DIMENSIONS = [
    ("TableName", "string", "0"),
    ("SeriesCode", "string", "0"),
    ("LineNumber", "numeric", "0"),
    ("LineDescription", "string", "0"),
    ("TimePeriod", "string", "0"),
    ("METRIC_NAME", "string", "0"),
    ("CL_UNIT", "string", "0"),
    ("UNIT_MULT", "numeric", "0"),
    ("DataValue", "numeric", "1"),
]


class ApiError(Exception):
    """An error BEA reports inside an HTTP 200 answer."""

    def __init__(self, code: str, description: str, detail: str | None = None, top_level: bool = False):
        super().__init__(description)
        self.code, self.description, self.detail, self.top_level = code, description, detail, top_level


def request_echo(params: list[tuple[str, str]]) -> dict[str, object]:
    return {"RequestParam": [{"ParameterName": k.upper(), "ParameterValue": v} for k, v in params]}


def error_answer(params: list[tuple[str, str]], err: ApiError) -> dict[str, object]:
    body: dict[str, object] = {"APIErrorCode": err.code, "APIErrorDescription": err.description}
    if err.detail:
        body["ErrorDetail"] = {"Description": err.detail}
    if err.top_level:
        return {"BEAAPI": {"Request": request_echo(params), "Error": body}}
    return {"BEAAPI": {"Request": request_echo(params), "Results": {"Error": body}}}


def production_time(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}"


def long_date(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def display(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def vintage_of(table: Table, now: datetime) -> economy.Vintage:
    release = schedule.latest_release(table.release, now)
    if release is None:
        raise ApiError("201", "Error retrieving NIPA/Fixed Assets data.", "No vintage published yet")
    last_month = (
        economy.last_quarter_month(release)
        if table.release == schedule.GDP
        else economy.last_month_before(release)
    )
    return economy.Vintage(release, last_month, schedule.annual_update(now))


def _period_values(table: Table, vintage: economy.Vintage, variable: str, frequency: str) -> dict[str, float]:
    if frequency == "M":
        series = economy.monthly_accounts(vintage)[variable]
        return {f"{y}M{m:02d}": v for (y, m), v in series.items()}
    quarterly = economy.quarterly_accounts(vintage)[variable]
    if frequency == "Q":
        levels = {f"{y}Q{q}": v for (y, q), v in quarterly.items()}
        power = 4
    else:
        levels = {str(y): v for y, v in economy.annual_from_quarters(quarterly).items()}
        power = 1
    if table.kind == "level":
        return levels
    keys = list(levels)
    return {
        keys[i]: ((levels[keys[i]] / levels[keys[i - 1]]) ** power - 1) * 100 for i in range(1, len(keys))
    }


def _wanted_year(period: str, years: set[str] | None) -> bool:
    return years is None or period[:4] in years


def nipa_rows(
    table: Table, vintage: economy.Vintage, frequencies: list[str], years: set[str] | None
) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for frequency in frequencies:
        for line in table.lines:
            for period, value in _period_values(table, vintage, line.variable, frequency).items():
                if not _wanted_year(period, years):
                    continue
                rows.append(
                    {
                        "TableName": table.name,
                        "SeriesCode": line.series,
                        "LineNumber": str(line.number),
                        "LineDescription": line.description,
                        "TimePeriod": period,
                        "METRIC_NAME": table.metric,
                        "CL_UNIT": line.cl_unit or table.cl_unit,
                        "UNIT_MULT": line.unit_mult or table.unit_mult,
                        "DataValue": display(value, 1 if line.cl_unit == "Percent" else table.decimals),
                        "NoteRef": table.name,
                    }
                )
    return rows


def parse_years(raw: str) -> set[str] | None:
    if raw.strip().upper() in ("ALL", "X"):
        return None
    return {y.strip() for y in raw.split(",") if y.strip()}


def get_data(params: dict[str, str], echo: list[tuple[str, str]], now: datetime) -> dict[str, object]:
    dataset = params.get("datasetname", "")
    if dataset.upper() != "NIPA":
        raise ApiError("20", "The dataset requested is not valid or is not yet available via the API.")
    for required in ("tablename", "frequency", "year"):
        if not params.get(required):
            raise ApiError("40", f"The dataset requested requires parameter {required.upper()}.")
    table = TABLES.get(params["tablename"].strip().upper())
    if table is None:
        raise ApiError(
            "201", "Error retrieving NIPA/Fixed Assets data.", f"Invalid Table Name: {params['tablename']}"
        )
    frequencies = [f.strip().upper() for f in params["frequency"].split(",") if f.strip()]
    served = [f for f in frequencies if f in table.frequencies]
    vintage = vintage_of(table, now)
    rows = nipa_rows(table, vintage, served, parse_years(params["year"]))
    if not rows:
        raise ApiError(
            "101",
            "Error retrieving NIPA/Fixed Assets data.",
            "No data exists for the requested Frequency and Year.",
        )
    return {
        "BEAAPI": {
            "Request": request_echo(echo),
            "Results": {
                "Statistic": "NIPA Table",
                "UTCProductionTime": production_time(now),
                "Dimensions": [
                    {"Ordinal": str(i), "Name": n, "DataType": t, "IsValue": v}
                    for i, (n, t, v) in enumerate(NIPA_DIMENSIONS, start=1)
                ],
                "Data": rows,
                "Notes": [
                    {
                        "NoteRef": table.name,
                        "NoteText": f"{table.title} - LastRevised: {long_date(vintage.release)}",
                    },
                    {
                        "NoteRef": f"{table.name}.1",
                        "NoteText": "Seasonally adjusted at annual rates, where applicable.",
                    },
                ],
            },
        }
    }


def get_dataset_list(echo: list[tuple[str, str]]) -> dict[str, object]:
    return {
        "BEAAPI": {
            "Request": request_echo(echo),
            "Results": {"Dataset": [{"DatasetName": n, "DatasetDescription": d} for n, d in DATASETS]},
        }
    }


def get_parameter_values(params: dict[str, str], echo: list[tuple[str, str]]) -> dict[str, object]:
    if params.get("datasetname", "").upper() != "NIPA":
        raise ApiError("20", "The dataset requested is not valid or is not yet available via the API.")
    if params.get("parametername", "").upper() != "TABLENAME":
        raise ApiError("31", f"Invalid parameter requested: {params.get('parametername', '')}")
    return {
        "BEAAPI": {
            "Request": request_echo(echo),
            "Results": {
                "ParamValue": [
                    {"TableName": t.name, "Description": f"{t.title} ({') ('.join(t.frequencies)})"}
                    for t in TABLES.values()
                ]
            },
        }
    }
