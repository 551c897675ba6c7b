"""The international accounts (ITA, IIP, IntlServTrade, IntlServSTA) as BEA answers them
(calibrated on the real ITA, IIP and IntlServTrade answers in the shared samples): one row per
time series and period with ``TimeSeriesId``, ``TimeSeriesDescription``, ``CL_UNIT`` "USD",
``UNIT_MULT`` "6"; an empty DataValue whose marker is in NoteRef (".....", "n.a.", "(D)", or
"ITA1.4:5,n.a." among footnote references); ``TsLastUpdated`` at Results level (IIP's
answers carry none, and put ``Data`` beside ``Results``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime

from bea_sandbox import schedule, series
from bea_sandbox.errors import ApiError

FIRST_YEAR = 1999
_AREAS = (
    ("AllCountries", "all countries"),
    ("China", "China"),
    ("Canada", "Canada"),
    ("Mexico", "Mexico"),
    ("Japan", "Japan"),
    ("UnitedKingdom", "United Kingdom"),
)
_AREA_SHARE = {
    "AllCountries": 1.0,
    "China": 0.12,
    "Canada": 0.14,
    "Mexico": 0.13,
    "Japan": 0.06,
    "UnitedKingdom": 0.05,
}
_FREQUENCY_WORDS = {
    "A": "annual",
    "QSA": "quarterly, seasonally adjusted",
    "QNSA": "quarterly, not seasonally adjusted",
}


@dataclass(frozen=True)
class Dimension:
    name: str
    values: tuple[tuple[str, str], ...]  # (key, words)


@dataclass(frozen=True)
class IntlDataset:
    name: str
    release: str
    prefix: str  # of TimeSeriesId: TSI_Ita…, TSI_Iip…, TSI_Ist…
    dimensions: tuple[Dimension, ...]
    frequencies: tuple[str, ...]
    # (key of the first dimension, base level in millions of dollars)
    bases: dict[str, float]
    stamped: bool = True
    data_beside_results: bool = False
    # The parameter that names the frequency: None for annual-only datasets (no Frequency field).
    has_frequency: bool = True


ITA = IntlDataset(
    "ITA",
    schedule.INTERNATIONAL_TRANSACTIONS,
    "Ita",
    (
        Dimension(
            "Indicator",
            (
                ("BalGds", "Balance on goods"),
                ("BalServ", "Balance on services"),
                ("BalCurrAcct", "Balance on current account"),
                ("BalPrimInc", "Balance on primary income"),
                ("BalCapAcct", "Balance on capital account"),
                ("ExpGds", "Exports of goods"),
                ("ImpGds", "Imports of goods"),
                ("ExpServ", "Exports of services"),
                ("ImpServ", "Imports of services"),
                (
                    "CurrAndDepReserveAssets",
                    "Net U.S. acquisition of reserve assets; other; currency and deposits",
                ),
                (
                    "DiInvDebtInstAssets",
                    "Net U.S. acquisition of direct investment assets, directional basis; debt instruments",
                ),
            ),
        ),
        Dimension("AreaOrCountry", _AREAS),
    ),
    ("A", "QSA", "QNSA"),
    {
        "BalGds": -800_000.0,
        "BalServ": 230_000.0,
        "BalCurrAcct": -500_000.0,
        "BalPrimInc": 150_000.0,
        "BalCapAcct": -2_000.0,
        "ExpGds": 1_600_000.0,
        "ImpGds": 2_400_000.0,
        "ExpServ": 800_000.0,
        "ImpServ": 570_000.0,
        "CurrAndDepReserveAssets": 1_500.0,
        "DiInvDebtInstAssets": 20_000.0,
    },
)
IIP = IntlDataset(
    "IIP",
    schedule.INTERNATIONAL_INVESTMENT_POSITION,
    "Iip",
    (
        Dimension(
            "TypeOfInvestment",
            (
                ("FinAssetsExclFinDeriv", "U.S. assets excluding financial derivatives"),
                ("FinLiabsExclFinDeriv", "U.S. liabilities excluding financial derivatives"),
                ("DiInvAssets", "Direct investment at market value, assets"),
                (
                    "NetIipExclFinDeriv",
                    "U.S. net international investment position excluding financial derivatives",
                ),
            ),
        ),
        Dimension(
            "Component",
            (
                ("Pos", "Position"),
                ("ChgPosTrans", "Change in position attributable to financial-account transactions"),
                ("ChgPosPrice", "Change in position attributable to price changes"),
                ("ChgPosXRate", "Change in position attributable to exchange-rate changes"),
            ),
        ),
    ),
    ("A", "QNSA"),
    {
        "FinAssetsExclFinDeriv": 30_000_000.0,
        "FinLiabsExclFinDeriv": 48_000_000.0,
        "DiInvAssets": 11_000_000.0,
        "NetIipExclFinDeriv": -18_000_000.0,
    },
    stamped=False,
    data_beside_results=True,
)
INTL_SERV_TRADE = IntlDataset(
    "IntlServTrade",
    schedule.INTERNATIONAL_SERVICES,
    "Ist",
    (
        Dimension(
            "TypeOfService",
            (
                ("Telecom", "telecommunications services"),
                ("Travel", "travel"),
                ("Transport", "transport"),
                ("Financial", "financial services"),
            ),
        ),
        Dimension("TradeDirection", (("Exports", "Exports"), ("Imports", "Imports"), ("Balance", "Balance"))),
        Dimension(
            "Affiliation",
            (
                ("AllAffiliations", "all affiliations"),
                ("Unaffiliated", "unaffiliated"),
                ("UsParents", "U.S. parents' exports to their foreign affiliates"),
            ),
        ),
        Dimension("AreaOrCountry", _AREAS),
    ),
    ("A",),
    {"Telecom": 7_000.0, "Travel": 150_000.0, "Transport": 90_000.0, "Financial": 120_000.0},
    has_frequency=False,
)
INTL_SERV_STA = IntlDataset(
    "IntlServSTA",
    schedule.INTERNATIONAL_SERVICES,
    "Sta",
    (
        Dimension("Channel", (("Trade", "Trade"), ("MnesOutward", "Sales through foreign affiliates"))),
        Dimension(
            "Destination", (("AllDestinations", "all destinations"), ("ToForeign", "to foreign persons"))
        ),
        Dimension(
            "Industry",
            (("AllInd", "all industries"), ("Info", "information"), ("Finance", "finance and insurance")),
        ),
        Dimension("AreaOrCountry", _AREAS),
    ),
    ("A",),
    {"Trade": 800_000.0, "MnesOutward": 1_700_000.0},
    has_frequency=False,
)
DATASETS = {d.name.upper(): d for d in (ITA, IIP, INTL_SERV_TRADE, INTL_SERV_STA)}


def _marker(dataset: IntlDataset, keys: tuple[str, ...], year: int) -> str | None:
    """Where BEA prints no number: reserve assets by country are not applicable ("....."),
    direct investment debt by country unavailable (with a footnote), small services cells
    suppressed, and the first years of the services series not available."""
    first, area = keys[0], keys[-1]
    if dataset is ITA and first == "CurrAndDepReserveAssets" and area != "AllCountries":
        return "....."
    if dataset is ITA and first == "DiInvDebtInstAssets" and area == "China":
        return "ITA1.4:5,n.a."
    if dataset is INTL_SERV_TRADE and year < 2003 and "UsParents" in keys:
        return "n.a."
    if dataset is INTL_SERV_TRADE and area == "Japan" and first == "Telecom":
        return "(D)"
    return None


def _periods(frequency: str, release: date) -> list[tuple[int, str, float]]:
    if frequency == "A":
        return [(y, str(y), float(y)) for y in range(FIRST_YEAR, series.last_year(release) + 1)]
    return [(y, f"{y}Q{q}", y + (q - 1) / 4) for y, q in series.quarters(FIRST_YEAR, release, 3)]


def _series_id(dataset: IntlDataset, keys: tuple[str, ...], frequency: str) -> str:
    shown = [k for k in keys if k not in ("AllCountries", "AllAffiliations", "AllDestinations", "AllInd")]
    return f"TSI_{dataset.prefix}{''.join(shown)}_{frequency}"


def get_data(dataset_name: str, params: dict[str, str], now: datetime) -> dict[str, object]:
    """The ``BEAAPI`` members (but Request) of a GetData of an international dataset."""
    dataset = DATASETS[dataset_name]
    chosen = []
    for dimension in dataset.dimensions:
        keys = [k for k, _ in dimension.values]
        default = "AllCountries" if dimension.name == "AreaOrCountry" else "ALL"
        picked = series.chosen(params.get(dimension.name.lower(), default), keys)
        if picked is None:
            raise ApiError(
                "1",
                "Invalid Value for Parameter",
                f"Invalid {dimension.name}: {params.get(dimension.name.lower())}",
            )
        chosen.append(picked)
    frequencies = (
        series.chosen(params.get("frequency", "ALL"), list(dataset.frequencies))
        if dataset.has_frequency
        else ["A"]
    )
    if frequencies is None:
        raise ApiError("1", "Invalid Value for Parameter", f"Invalid Frequency: {params.get('frequency')}")
    release = schedule.latest_release(dataset.release, now)
    assert release is not None
    years = series.years_of(params.get("year", "ALL"))
    words = {d.name: dict(d.values) for d in dataset.dimensions}
    rows = []
    for keys in itertools.product(*chosen):
        base = dataset.bases[keys[0]] * _AREA_SHARE.get(keys[-1], 1.0)
        for frequency in frequencies:
            sid = _series_id(dataset, keys, frequency)
            parts = [words[d.name][k] for d, k in zip(dataset.dimensions, keys, strict=True)]
            description = "; ".join([*parts, _FREQUENCY_WORDS[frequency]])
            for year, period, t in _periods(frequency, release):
                if years is not None and year not in years:
                    continue
                row = {d.name: k for d, k in zip(dataset.dimensions, keys, strict=True)}
                if dataset.has_frequency:
                    row["Frequency"] = frequency
                value = series.level(sid, t, base, 0.04, release, FIRST_YEAR) / (4 if frequency != "A" else 1)
                marker = _marker(dataset, keys, year)
                row |= {
                    "Year": str(year),
                    "TimeSeriesId": sid,
                    "TimeSeriesDescription": description,
                    "TimePeriod": period,
                    "CL_UNIT": "USD",
                    "UNIT_MULT": "6",
                    "DataValue": "" if marker else f"{value:.0f}",
                    "NoteRef": marker or ("ITA1.3:9,ITA1.4:9" if dataset is ITA else ""),
                }
                rows.append(row)
    if not rows:
        raise ApiError("101", "Error retrieving data.", "No data exists for the requested parameters.")
    dimension_names = [
        *(d.name for d in dataset.dimensions),
        *(["Frequency"] if dataset.has_frequency else []),
    ]
    dimension_names += [
        "Year",
        "TimeSeriesId",
        "TimeSeriesDescription",
        "TimePeriod",
        "CL_UNIT",
        "UNIT_MULT",
        "DataValue",
    ]
    results: dict[str, object] = {}
    if dataset.stamped:
        results["TsLastUpdated"] = f"{release.isoformat()} 08:30:00.000"
    if not dataset.has_frequency:
        results |= {"EarliestFullYear": str(FIRST_YEAR), "LatestFullYear": str(series.last_year(release))}
    results["Dimensions"] = [
        {
            "Ordinal": str(i),
            "Name": n,
            "DataType": "numeric" if n == "DataValue" else "string",
            "IsValue": "1" if n == "DataValue" else "0",
        }
        for i, n in enumerate(dimension_names, 1)
    ]
    notes = [
        {"NoteRef": "(D)", "NoteText": "Suppressed to avoid the disclosure of data of individual companies."},
        {"NoteRef": "n.a.", "NoteText": "Transactions are possible, but data are not available."},
        {"NoteRef": ".....", "NoteText": "Not applicable."},
    ]
    if dataset.data_beside_results:
        # IIP: Results a one-element list, Data beside it (BEA's shape, per the real answer).
        return {"Results": [results], "Data": rows}
    return {"Results": results | {"Data": rows, "Notes": notes}}


def parameter_values(dataset_name: str, name: str) -> list[dict[str, str]] | None:
    dataset = DATASETS.get(dataset_name)
    if dataset is None:
        return None
    for dimension in dataset.dimensions:
        if dimension.name.upper() == name:
            return [{"Key": k, "Desc": w} for k, w in dimension.values]
    if name == "FREQUENCY" and dataset.has_frequency:
        return [{"Key": f, "Desc": _FREQUENCY_WORDS[f]} for f in dataset.frequencies]
    return None
