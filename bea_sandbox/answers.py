"""BEA's answers, built the way BEA builds them: every field a string, display commas, the
request echoed back (API key included), and errors inside HTTP 200."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bea_sandbox import (
    counties,
    economy,
    fixed_assets,
    fullscale,
    industry,
    international,
    mne,
    parameters,
    regional,
    schedule,
)
from bea_sandbox.errors import ApiError
from bea_sandbox.tables import TABLES, Table

DATASETS = [
    ("NIPA", "Standard NIPA tables"),
    ("NIUnderlyingDetail", "Standard NI underlying detail tables"),
    ("MNE", "Multinational Enterprises"),
    ("FixedAssets", "Standard Fixed Assets tables"),
    ("ITA", "International Transactions Accounts"),
    ("IIP", "International Investment Position"),
    ("InputOutput", "Input-Output Data"),
    ("IntlServTrade", "International Services Trade"),
    ("IntlServSTA", "International Services Supplied Through Affiliates"),
    ("GDPbyIndustry", "GDP by Industry"),
    ("Regional", "Regional data sets"),
    ("UnderlyingGDPbyIndustry", "Underlying GDP by Industry"),
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


_UPPERCASED = {"METHOD", "DATASETNAME", "RESULTFORMAT"}


def request_echo(params: list[tuple[str, str]]) -> dict[str, object]:
    """BEA echoes every parameter, names in capitals, the key as given (see the real samples)."""
    return {
        "RequestParam": [
            {"ParameterName": k.upper(), "ParameterValue": v.upper() if k.upper() in _UPPERCASED else v}
            for k, v in params
        ]
    }


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
    if table.kind == "synthetic":
        raise AssertionError("synthetic tables are valued per line")
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
            if table.kind == "synthetic":
                year, month = vintage.last_month
                values = fullscale.series(
                    table.name,
                    line.number,
                    frequency,
                    (year, (month - 1) // 3 + 1),
                    vintage.release.toordinal(),
                    vintage.annual_update.year if vintage.annual_update else 0,
                )
            else:
                values = _period_values(table, vintage, line.variable, frequency)
            for period, value in values.items():
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


def _nipa_like(params: dict[str, str], echo: list[tuple[str, str]], now: datetime, dataset: str) -> dict:
    for required in ("tablename", "frequency", "year"):
        if not params.get(required):
            raise ApiError("40", f"The dataset requested requires parameter {required.upper()}.")
    table = TABLES.get(params["tablename"].strip().upper())
    if table is None or table.dataset.upper() != dataset:
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
                "Statistic": "NIPA Table" if dataset == "NIPA" else "NI Underlying Detail Table",
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


REGIONAL_DIMENSIONS = [
    ("Code", "string", "0"),
    ("GeoFips", "string", "0"),
    ("GeoName", "string", "0"),
    ("TimePeriod", "string", "0"),
    ("DataValue", "numeric", "1"),
    ("CL_UNIT", "string", "0"),
    ("UNIT_MULT", "numeric", "0"),
]


def _regional_years(raw: str, last: int) -> set[str] | None:
    text = raw.strip().upper()
    if text in ("ALL", "X"):
        return None
    if text in ("LAST5", "LAST10"):
        n = int(text[4:])
        return {str(y) for y in range(last - n + 1, last + 1)}
    return {y.strip() for y in raw.split(",") if y.strip()}


def _regional(params: dict[str, str], echo: list[tuple[str, str]], now: datetime) -> dict:
    for required in ("tablename", "linecode", "geofips"):
        if not params.get(required):
            raise ApiError("40", f"The dataset requested requires parameter {required.upper()}.")
    table = regional.REGIONAL_TABLES.get(params["tablename"].strip().upper())
    if table is None:
        raise ApiError("41", "Invalid parameter value.", f"Invalid TableName: {params['tablename']}")
    line = next((ln for ln in table.lines if str(ln.code) == params["linecode"].strip()), None)
    if line is None:
        raise ApiError(
            "41", "Invalid parameter value.", f"Invalid LineCode for {table.name}: {params['linecode']}"
        )
    release = regional.vintage(table, now)
    if release is None:
        raise ApiError("101", "No data exists for the requested parameters.")
    names = regional.geo_names()
    geo = params["geofips"].strip().upper()
    county_names = {c.fips: c.name for c in counties.counties()} if table.counties else {}
    if geo == "STATE":
        wanted = set(names)
    elif geo == "COUNTY" and table.counties:
        wanted = set(county_names)
    elif len(geo) == 2 and geo.isalpha() and table.counties:
        wanted = {c.fips for c in counties.in_state(geo)}
    else:
        wanted = {g.strip() for g in geo.split(",")}
    if not wanted or not wanted <= set(names) | set(county_names):
        raise ApiError("41", "Invalid parameter value.", f"Invalid GeoFips: {params['geofips']}")
    names = names | county_names
    years = _regional_years(params.get("year", "ALL"), regional.last_year(release))
    values = regional.line_values(table, line, release)
    if wanted & set(county_names):
        values = values | regional.county_values(table, line, release)
    rows = []
    for (fips, year), value in sorted(values.items()):
        if fips not in wanted or (years is not None and str(year) not in years):
            continue
        shown = regional.display(value, line.decimals)
        if table.counties and not isinstance(value, str):
            # County answers print thousands separators (the real CAINC1 county answer does).
            shown = f"{value:,.{line.decimals}f}"
        row = {
            "Code": f"{table.name}-{line.code}",
            "GeoFips": fips,
            "GeoName": names[fips],
            "TimePeriod": str(year),
            "CL_UNIT": line.unit,
            "UNIT_MULT": line.unit_mult,
            "DataValue": shown,
        }
        if value == "(D)" and (fips == "11000" or fips in county_names):
            # BEA sometimes sends a suppressed cell as "0" with the marker in NoteRef.
            row["DataValue"], row["NoteRef"] = "0", "(D)"
        elif value == "(NA)" and fips in county_names:
            row["NoteRef"] = "(NA)"
        rows.append(row)
    if not rows:
        raise ApiError("101", "No data exists for the requested parameters.")
    first, last = rows[0]["TimePeriod"], rows[-1]["TimePeriod"]
    dollars = "All dollar estimates are in millions of current dollars (not adjusted for inflation). "
    return {
        "BEAAPI": {
            "Request": request_echo(echo),
            "Results": {
                "Statistic": line.statistic,
                "UnitOfMeasure": line.unit,
                "PublicTable": table.public_table,
                "UTCProductionTime": production_time(now),
                "NoteRef": " ",
                "Dimensions": [{"Name": n, "DataType": t, "IsValue": v} for n, t, v in REGIONAL_DIMENSIONS],
                "Data": rows,
                "Notes": [
                    {
                        "NoteRef": "Note.",
                        "NoteText": dollars + "Calculations are performed on unrounded data.",
                    },
                    {
                        "NoteRef": " ",
                        "NoteText": f"Last updated: {long_date(release)}-- revised statistics for "
                        f"{min(first, last)}-{max(first, last)}.",
                    },
                ],
            },
        }
    }


# Datasets whose Results BEA sends as a one-element list.
_LISTED_RESULTS = {"GDPBYINDUSTRY", "UNDERLYINGGDPBYINDUSTRY", "INPUTOUTPUT"}


def get_data(params: dict[str, str], echo: list[tuple[str, str]], now: datetime) -> dict[str, object]:
    dataset = params.get("datasetname", "").strip().upper()
    if dataset in ("NIPA", "NIUNDERLYINGDETAIL"):
        return _nipa_like(params, echo, now, dataset)
    if dataset == "REGIONAL":
        return _regional(params, echo, now)
    if dataset in international.DATASETS:
        return {"BEAAPI": {"Request": request_echo(echo), **international.get_data(dataset, params, now)}}
    if dataset in ("GDPBYINDUSTRY", "UNDERLYINGGDPBYINDUSTRY"):
        results = industry.gdp_by_industry(dataset, params, now)
    elif dataset == "INPUTOUTPUT":
        results = industry.input_output(params, now)
    elif dataset == "MNE":
        results = mne.get_data(params, now)
    elif dataset == "FIXEDASSETS":
        results = fixed_assets.get_data(params, now)
    else:
        raise ApiError("20", "The dataset requested is not valid or is not yet available via the API.")
    results = {"UTCProductionTime": production_time(now), **results}
    if dataset in ("FIXEDASSETS",):
        results = {"Statistic": results.pop("Statistic"), **results}
    return {
        "BEAAPI": {
            "Request": request_echo(echo),
            "Results": [results] if dataset in _LISTED_RESULTS else results,
        }
    }


def get_dataset_list(echo: list[tuple[str, str]]) -> dict[str, object]:
    return {
        "BEAAPI": {
            "Request": request_echo(echo),
            "Results": {"Dataset": [{"DatasetName": n, "DatasetDescription": d} for n, d in DATASETS]},
        }
    }


def _table_values(dataset: str) -> list[dict[str, str]]:
    if dataset == "REGIONAL":
        return [{"Key": t.name, "Desc": t.public_table} for t in regional.REGIONAL_TABLES.values()]
    return [
        {"TableName": t.name, "Description": f"{t.title} ({') ('.join(t.frequencies)})"}
        for t in TABLES.values()
        if t.dataset.upper() == dataset
    ]


_FREQUENCIES = {"A": "Annual", "Q": "Quarterly", "M": "Monthly"}


def get_parameter_list(params: dict[str, str], echo: list[tuple[str, str]]) -> dict[str, object]:
    described = parameters.parameter_list(params.get("datasetname", ""))
    if described is None:
        raise ApiError("20", "The dataset requested is not valid or is not yet available via the API.")
    return {"BEAAPI": {"Request": request_echo(echo), "Results": {"Parameter": described}}}


def get_parameter_values(params: dict[str, str], echo: list[tuple[str, str]]) -> dict[str, object]:
    dataset = params.get("datasetname", "").strip().upper()
    if parameters.parameter_list(dataset) is None:
        raise ApiError("20", "The dataset requested is not valid or is not yet available via the API.")
    name = params.get("parametername", "").strip().upper()
    if not parameters.takes(dataset, name):
        raise ApiError("31", f"Invalid parameter requested: {params.get('parametername', '')}")
    values: list[dict[str, str]] | None = None
    if name == "TABLENAME" and dataset in ("NIPA", "NIUNDERLYINGDETAIL", "REGIONAL"):
        values = _table_values(dataset)
    elif name == "FREQUENCY" and dataset in ("NIPA", "NIUNDERLYINGDETAIL"):
        values = [{"FrequencyID": k, "Description": d} for k, d in _FREQUENCIES.items()]
    elif dataset == "FIXEDASSETS":
        values = fixed_assets.parameter_values(name)
    elif dataset == "MNE":
        values = mne.parameter_values(name)
    elif dataset in international.DATASETS:
        values = international.parameter_values(dataset, name)
    else:
        values = industry.parameter_values(dataset, name)
    if values is None:
        # Years, line codes and places are not listed here (BEA lists them per table).
        raise ApiError("31", f"Invalid parameter requested: {params.get('parametername', '')}")
    return {"BEAAPI": {"Request": request_echo(echo), "Results": {"ParamValue": values}}}


def get_parameter_values_filtered(params: dict[str, str], echo: list[tuple[str, str]]) -> dict[str, object]:
    dataset = params.get("datasetname", "").strip().upper()
    if dataset != "REGIONAL":
        raise ApiError(
            "34",
            "The GetParameterValuesFiltered method has not been implemented on this dataset (coming soon).",
        )
    target = params.get("targetparameter", "").strip().upper()
    if target != "LINECODE":
        raise ApiError("31", f"Invalid parameter requested: {params.get('targetparameter', '')}")
    table = regional.REGIONAL_TABLES.get(params.get("tablename", "").strip().upper())
    if table is None:
        raise ApiError("41", "Invalid parameter value.", f"Invalid TableName: {params.get('tablename', '')}")
    return {
        "BEAAPI": {
            "Request": request_echo(echo),
            "Results": {
                "ParamValue": [
                    {"Key": str(ln.code), "Desc": f"[{table.name}] {ln.statistic}"} for ln in table.lines
                ]
            },
        }
    }
