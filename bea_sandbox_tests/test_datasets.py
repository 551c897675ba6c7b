"""The sandbox speaks every BEA dataset: each generated answer's shape is held to the real
answer of the same shape in the shared samples (fields of the rows, in order; members of
Results; where Data sits; the vintage stamp), and passes the pipeline's own parser and checks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.bea import envelope
from macro_assets.checks.silver import (
    key_unique,
    markers_known,
    one_unit_per_series,
    period_format,
    schema_contract,
)
from macro_assets.transform.observations import answer_frame
from macro_assets_tests.conftest import SHARED, TEST_KEY

REAL = SHARED / "samples" / "real"

# (real sample, the sandbox request of the same shape)
SHAPES = [
    ("NIUnderlyingDetail_U20305_AQ_2011-2012.json", None),
    (
        "GDPbyIndustry_ALLtables_Ind52_A_2018-2019.json",
        {
            "DatasetName": "GDPbyIndustry",
            "TableID": "ALL",
            "Industry": "52",
            "Frequency": "A",
            "Year": "2018,2019",
        },
    ),
    (
        "ITA_ALLindicators_China_A_2011-2012.json",
        {
            "DatasetName": "ITA",
            "Indicator": "ALL",
            "AreaOrCountry": "China",
            "Frequency": "A",
            "Year": "2011,2012",
        },
    ),
    (
        "IIP_FinAssetsExclFinDeriv_ChgPosPrice_A_ALL.json",
        {
            "DatasetName": "IIP",
            "TypeOfInvestment": "FinAssetsExclFinDeriv",
            "Component": "ChgPosPrice",
            "Frequency": "A",
            "Year": "ALL",
        },
    ),
    (
        "IntlServTrade_Telecom_Exports_USParents_AllCountries_ALL.json",
        {
            "DatasetName": "IntlServTrade",
            "TypeOfService": "Telecom",
            "TradeDirection": "Exports",
            "Affiliation": "UsParents",
            "AreaOrCountry": "AllCountries",
            "Year": "ALL",
        },
    ),
    ("InputOutput_T56_2010-2013.json", {"DatasetName": "InputOutput", "TableID": "56", "Year": "2015,2016"}),
    (
        "MNE_DI_Outward_Country_Series30_650-699_2011-2012.json",
        {
            "DatasetName": "MNE",
            "DirectionOfInvestment": "Outward",
            "Classification": "Country",
            "SeriesID": "30",
            "Country": "650,699",
            "Industry": "ALL",
            "Year": "2011,2012",
        },
    ),
    (
        "Regional_CAINC1_COUNTY_line3_2020.json",
        {
            "DatasetName": "Regional",
            "TableName": "CAINC1",
            "LineCode": "3",
            "GeoFips": "COUNTY",
            "Year": "2020",
        },
    ),
]


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_bytes().decode("ISO-8859-1"), strict=False)


def _results(doc: dict[str, Any]) -> dict[str, Any]:
    results = doc["BEAAPI"]["Results"]
    return results[0] if isinstance(results, list) else results


def _rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows = _results(doc).get("Data", doc["BEAAPI"].get("Data"))
    return [rows] if isinstance(rows, dict) else rows


def _get(sandbox: Sandbox, params: dict[str, str]) -> tuple[bytes, dict[str, Any]]:
    resp = requests.get(
        sandbox.api_url,
        params={"UserID": TEST_KEY, "method": "GetData", **params, "ResultFormat": "JSON"},
        timeout=30,
    )
    assert resp.status_code == 200
    doc = _load_bytes(resp.content)
    assert "Error" not in json.dumps(doc)[:2000], doc
    return resp.content, doc


def _load_bytes(raw: bytes) -> dict[str, Any]:
    return json.loads(raw.decode("ISO-8859-1"), strict=False)


@pytest.mark.parametrize(
    "sample, params", [s for s in SHAPES if s[1]], ids=[s[0].split("_")[0] for s in SHAPES if s[1]]
)
def test_each_generated_answer_has_the_real_ones_shape(
    sandbox: Sandbox, sample: str, params: dict[str, str]
) -> None:
    real = _load(REAL / sample)
    raw, made = _get(sandbox, params)
    real_rows, made_rows = _rows(real), _rows(made)
    # Every field of BEA's rows, in BEA's order (NoteRef is the one BEA leaves out of some rows).
    assert list(made_rows[0]) == list(real_rows[0]) or [k for k in made_rows[0] if k != "NoteRef"] == [
        k for k in real_rows[0] if k != "NoteRef"
    ]
    assert {k for r in made_rows for k in r} == {k for r in real_rows for k in r}
    # Data where BEA puts it (IIP: beside Results), and the Results members BEA sends.
    assert ("Data" in made["BEAAPI"]) == ("Data" in real["BEAAPI"])
    real_members = set(_results(real)) - {"UTCProductionTime"}
    assert real_members <= set(_results(made)), real_members - set(_results(made))
    dataset = params["DatasetName"]
    stamped = envelope.vintage(made, dataset, params.get("TableName", "x"))
    assert (stamped is None) == (envelope.vintage(real, dataset, params.get("TableName", "x")) is None)
    # The pipeline's own parser and silver's checks take it.
    name = params.get("TableName") or params.get("TableID") or "request"
    frame = answer_frame(raw, dataset, name, date(2026, 11, 2))
    assert frame.height == len(made_rows)
    outcomes = [
        check(frame)
        for check in (schema_contract, key_unique, period_format, markers_known, one_unit_per_series)
    ]
    assert all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]


def test_every_dataset_answers_its_parameter_list_and_values(sandbox: Sandbox) -> None:
    for dataset in (
        "NIPA",
        "NIUnderlyingDetail",
        "FixedAssets",
        "Regional",
        "GDPbyIndustry",
        "UnderlyingGDPbyIndustry",
        "ITA",
        "IIP",
        "IntlServTrade",
        "IntlServSTA",
        "InputOutput",
        "MNE",
    ):
        resp = requests.get(
            sandbox.api_url,
            params={
                "UserID": TEST_KEY,
                "method": "GetParameterList",
                "DatasetName": dataset,
                "ResultFormat": "JSON",
            },
            timeout=30,
        )
        listed = resp.json()["BEAAPI"]["Results"]["Parameter"]
        assert listed and all(p["ParameterIsRequiredFlag"] in ("0", "1") for p in listed), dataset
        answered = 0
        for parameter in listed:
            resp = requests.get(
                sandbox.api_url,
                params={
                    "UserID": TEST_KEY,
                    "method": "GetParameterValues",
                    "DatasetName": dataset,
                    "ParameterName": parameter["ParameterName"],
                    "ResultFormat": "JSON",
                },
                timeout=30,
            )
            answered += "ParamValue" in resp.json()["BEAAPI"].get("Results", {})
        assert answered, f"{dataset}: no parameter has values"


@pytest.mark.parametrize(
    "params",
    [
        {"DatasetName": "FixedAssets", "TableName": "FAAt201", "Year": "ALL"},
        {
            "DatasetName": "UnderlyingGDPbyIndustry",
            "TableID": "210",
            "Industry": "ALL",
            "Frequency": "A",
            "Year": "ALL",
        },
        {"DatasetName": "IntlServSTA", "Channel": "Trade", "AreaOrCountry": "AllCountries", "Year": "ALL"},
        {"DatasetName": "Regional", "TableName": "CAINC1", "LineCode": "1", "GeoFips": "NY", "Year": "ALL"},
    ],
    ids=lambda p: p["DatasetName"],
)
def test_datasets_without_a_real_sample_pass_the_parser_and_checks(
    sandbox: Sandbox, params: dict[str, str]
) -> None:
    raw, made = _get(sandbox, params)
    dataset = params["DatasetName"]
    frame = answer_frame(
        raw, dataset, params.get("TableName") or params.get("TableID") or "request", date(2026, 11, 2)
    )
    assert frame.height == len(_rows(made)) > 0
    outcomes = [
        check(frame)
        for check in (schema_contract, key_unique, period_format, markers_known, one_unit_per_series)
    ]
    assert all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]
    if dataset == "FixedAssets":
        # Mixed case in the rows, upper case in silver; stamped like NIPA.
        assert _rows(made)[0]["TableName"] == "FAAt201" and set(frame["table_name"]) == {"FAAT201"}
        assert envelope.vintage(made, dataset, "FAAT201") is not None
    if dataset == "Regional":
        # A state's counties (GeoFips "NY"): 5-digit FIPS of that state, nothing else.
        assert {f[:2] for f in frame["geo_fips"]} == {"36"} and all(
            not f.endswith("000") for f in frame["geo_fips"]
        )


def test_county_answers_add_up_to_their_state(sandbox: Sandbox) -> None:
    base = {"DatasetName": "Regional", "TableName": "CAINC1", "LineCode": "1", "Year": "2024"}
    _, counties = _get(sandbox, base | {"GeoFips": "COUNTY"})
    _, states = _get(sandbox, base | {"GeoFips": "STATE"})
    rows = _rows(counties)
    assert 3000 <= len(rows) <= 3300
    by_state: dict[str, float] = {}
    for row in rows:
        if row["DataValue"] not in ("(NA)", "0"):
            by_state[row["GeoFips"][:2]] = by_state.get(row["GeoFips"][:2], 0.0) + float(
                row["DataValue"].replace(",", "")
            )
    ohio = next(float(r["DataValue"].replace(",", "")) for r in _rows(states) if r["GeoFips"] == "39000")
    assert abs(by_state["39"] - ohio) / ohio < 1e-6


def test_the_first_step_of_a_stepped_history_serves_every_table_of_the_default_catalog() -> None:
    """Just after the calendar's first release (``--vintages 1``), every default catalog
    entry is answered (state, county and annual tables with the vintage of the year before),
    so a stepped history can be captured from its first step."""
    from bea_sandbox.clock import SteppedClock
    from bea_sandbox.limits import Limits
    from macro_assets.bea import harvest
    from macro_assets.bea.client import BeaClient
    from macro_assets.bea.throttle import RateLimits
    from macro_assets.catalog import load_catalog

    clock = SteppedClock.after_releases(1)
    first = clock().date()
    # BEA's window shrunk to 5 s on both sides: the capture is over a hundred requests.
    settings = SandboxSettings(clock=clock, limits=Limits(window_s=5.0))
    with Sandbox(settings=settings) as sandbox:
        client = BeaClient(sandbox.api_url, TEST_KEY, limits=RateLimits(window_s=5.0))
        units = harvest.plan(client, load_catalog().tables)
        stamps = harvest.fetch(client, units, lambda unit, answer: (unit.label, answer.last_revised))
    assert len(stamps) == len(units) > 50
    stamped = {label: d for label, d in stamps if d is not None}
    assert stamped and all(d <= first for d in stamped.values())
    # The state and county tables have no release of their own before it: last year's vintage.
    assert stamped["Regional/SAINC1 line 1"].year == stamped["Regional/CAINC1 line 3"].year == first.year - 1
