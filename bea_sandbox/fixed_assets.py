"""Fixed assets (BEA's FixedAssets dataset): annual tables shaped as NIPA's, but asked without
a Frequency and echoing their names in mixed case (``FAAt201``), stamped LastRevised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bea_sandbox import schedule, series
from bea_sandbox.errors import ApiError

FIRST_YEAR = 1925


@dataclass(frozen=True)
class FixedAssetsTable:
    name: str  # as BEA spells it
    title: str
    metric: str
    cl_unit: str
    unit_mult: str
    # (line, series code, description, level in 2000 in units of 10^unit_mult)
    lines: tuple[tuple[int, str, str, float], ...]


TABLES = {
    t.name.upper(): t
    for t in (
        FixedAssetsTable(
            "FAAt101",
            "Table 1.1. Current-Cost Net Stock of Fixed Assets and Consumer Durable Goods",
            "Current Dollars",
            "Level",
            "9",
            (
                (1, "k1ttotl1es00", "Fixed assets and consumer durable goods", 32_000.0),
                (2, "k1ptotl1es00", "Fixed assets", 29_000.0),
                (3, "k1ntotl1es00", "Private", 22_000.0),
                (4, "k1gtotl1es00", "Government", 7_000.0),
                (5, "k1cdurb1es00", "Consumer durable goods", 3_000.0),
            ),
        ),
        FixedAssetsTable(
            "FAAt201",
            "Table 2.1. Current-Cost Net Stock of Private Fixed Assets, Equipment, Structures, and "
            "Intellectual Property Products by Type",
            "Current Dollars",
            "Level",
            "9",
            (
                (1, "k1ptotl1es00", "Private fixed assets", 22_000.0),
                (2, "k1ntotl1eq00", "Equipment", 4_000.0),
                (3, "k1ntotl1st00", "Structures", 15_000.0),
                (4, "k1ntotl1ip00", "Intellectual property products", 1_500.0),
            ),
        ),
    )
}


def get_data(params: dict[str, str], now: datetime) -> dict[str, object]:
    for required in ("tablename", "year"):
        if not params.get(required):
            raise ApiError("40", f"The dataset requested requires parameter {required.upper()}.")
    table = TABLES.get(params["tablename"].strip().upper())
    if table is None:
        raise ApiError(
            "201", "Error retrieving NIPA/Fixed Assets data.", f"Invalid Table Name: {params['tablename']}"
        )
    release = schedule.latest_release(schedule.FIXED_ASSETS, now)
    assert release is not None
    years = series.years_of(params["year"])
    rows = []
    for number, code, description, base in table.lines:
        for year in range(FIRST_YEAR, series.last_year(release) + 1):
            if years is not None and year not in years:
                continue
            value = series.level(f"fa:{code}", year, base / 4, 0.045, release, FIRST_YEAR)
            rows.append(
                {
                    "TableName": table.name,
                    "SeriesCode": code,
                    "LineNumber": str(number),
                    "LineDescription": description,
                    "TimePeriod": str(year),
                    "METRIC_NAME": table.metric,
                    "CL_UNIT": table.cl_unit,
                    "UNIT_MULT": table.unit_mult,
                    "DataValue": f"{value:,.1f}",
                    "NoteRef": table.name,
                }
            )
    if not rows:
        raise ApiError(
            "101", "Error retrieving NIPA/Fixed Assets data.", "No data exists for the requested Year."
        )
    stamp = f"{release:%B} {release.day}, {release.year}"
    return {
        "Statistic": "Fixed Assets Table",
        "Data": rows,
        "Notes": [
            {
                "NoteRef": table.name,
                "NoteText": f"{table.title} [Billions of dollars; yearend estimates] - LastRevised: {stamp}",
            }
        ],
    }


def parameter_values(name: str) -> list[dict[str, str]] | None:
    if name == "TABLENAME":
        return [{"TableName": t.name, "Description": t.title} for t in TABLES.values()]
    return None
