"""The sandbox answers as BEA does, calibrated against BEA's real answers in ../shared."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import requests

from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets_tests.conftest import SANDBOX_NOW, SHARED, TEST_KEY

SANDBOX_DIR = Path(__file__).resolve().parents[1] / "bea_sandbox"


def get(sandbox: Sandbox, **params: str) -> requests.Response:
    return requests.get(
        sandbox.api_url, params={"UserID": TEST_KEY, "ResultFormat": "JSON", **params}, timeout=10
    )


def get_data(sandbox: Sandbox, table: str, frequency: str, year: str = "ALL") -> dict:
    resp = get(sandbox, method="GetData", DatasetName="NIPA", TableName=table, Frequency=frequency, Year=year)
    assert resp.status_code == 200
    return json.loads(resp.content.decode("ISO-8859-1"))


def values(doc: dict, series: str) -> dict[str, float]:
    return {
        r["TimePeriod"]: float(r["DataValue"].replace(",", ""))
        for r in doc["BEAAPI"]["Results"]["Data"]
        if r["SeriesCode"] == series
    }


def test_sandbox_imports_nothing_from_the_pipeline() -> None:
    paths = list(SANDBOX_DIR.glob("*.py"))
    assert len(paths) > 10
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith("macro_assets"), f"{path.name} imports {name}"


def test_answer_shape_matches_bea(sandbox: Sandbox) -> None:
    doc = get_data(sandbox, "T10105", "Q")
    real = json.loads(
        (SHARED / "samples" / "bea_api_raw_Regional_SAINC1_line1_Alabama_2017_2022.json").read_text()
    )
    assert doc.keys() == real.keys() == {"BEAAPI"}
    assert doc["BEAAPI"].keys() == real["BEAAPI"].keys()
    echoed = {p["ParameterName"]: p["ParameterValue"] for p in doc["BEAAPI"]["Request"]["RequestParam"]}
    assert echoed["USERID"] == TEST_KEY  # BEA echoes the key: the pipeline must redact it
    results = doc["BEAAPI"]["Results"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", results["UTCProductionTime"])
    for row in results["Data"]:
        assert all(isinstance(v, str) for v in row.values())
    gdp = [r for r in results["Data"] if r["SeriesCode"] == "A191RC"]
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})+", r["DataValue"]) for r in gdp)
    note = next(n for n in results["Notes"] if n["NoteRef"] == "T10105")
    assert note["NoteText"].endswith("- LastRevised: October 29, 2026")


def compact(raw: bytes) -> bytes:
    doc = json.loads(raw.decode("ISO-8859-1"))
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("ISO-8859-1")


def test_answers_are_serialized_as_compactly_as_beas(sandbox: Sandbox) -> None:
    for sample in (
        "bea_api_raw_Regional_SAINC1_line1_Alabama_2017_2022.json",
        "userguide/getdatasetlist_json_example.json",
    ):
        real = (SHARED / "samples" / sample).read_bytes()
        assert compact(real) == real.rstrip(b"\r\n"), sample
    ours = get(
        sandbox, method="GetData", DatasetName="NIPA", TableName="T10105", Frequency="A", Year="2024"
    ).content
    assert ours.startswith(b'{"BEAAPI":{"Request":{"RequestParam":[{"ParameterName":"USERID"')
    assert compact(ours) == ours


def test_release_calendar_lists_catalog_releases(sandbox: Sandbox) -> None:
    doc = requests.get(sandbox.calendar_url, timeout=10).json()
    assert isinstance(doc["file_last_updated"], str)
    gdp = doc["Gross Domestic Product"]["release_dates"]
    assert "2026-10-29T08:30:00-04:00" in gdp
    assert "Personal Income and Outlays" in doc


def test_errors_come_inside_http_200(sandbox: Sandbox) -> None:
    bad_key = requests.get(sandbox.api_url, params={"UserID": "nope", "method": "GetData"}, timeout=10)
    assert bad_key.status_code == 200
    assert bad_key.json()["BEAAPI"]["Error"]["APIErrorCode"] == "1"
    bad_table = get(
        sandbox, method="GetData", DatasetName="NIPA", TableName="T99999", Frequency="A", Year="ALL"
    )
    assert bad_table.status_code == 200
    error = bad_table.json()["BEAAPI"]["Results"]["Error"]
    assert error["APIErrorCode"] == "201" and "T99999" in error["ErrorDetail"]["Description"]


def test_unknown_key_when_keys_are_configured() -> None:
    with Sandbox(settings=SandboxSettings(known_keys={TEST_KEY})) as s:
        resp = requests.get(s.api_url, params={"UserID": "F" * 36, "method": "GetDataSetList"}, timeout=10)
    assert resp.json()["BEAAPI"]["Error"]["APIErrorCode"] == "3"


def test_year_filter_and_frequencies(sandbox: Sandbox) -> None:
    doc = get_data(sandbox, "T10101", "A,Q", year="2024,2025")
    periods = {r["TimePeriod"] for r in doc["BEAAPI"]["Results"]["Data"]}
    assert periods == {"2024", "2025"} | {f"{y}Q{q}" for y in (2024, 2025) for q in range(1, 5)}


def test_gdp_is_the_sum_of_its_components(sandbox: Sandbox) -> None:
    doc = get_data(sandbox, "T10105", "Q")
    gdp, pce, inv, nx, gov = (values(doc, s) for s in ("A191RC", "DPCERC", "A006RC", "A019RC", "A822RC"))
    for period in gdp:
        assert abs(gdp[period] - (pce[period] + inv[period] + nx[period] + gov[period])) <= 3


def test_published_growth_agrees_with_chained_levels(sandbox: Sandbox) -> None:
    levels = values(get_data(sandbox, "T10106", "Q"), "A191RX")
    growth = values(get_data(sandbox, "T10101", "Q"), "A191RL")
    periods = sorted(levels, key=lambda p: (p[:4], p[-1]))
    for prev, cur in zip(periods, periods[1:], strict=False):
        recomputed = ((levels[cur] / levels[prev]) ** 4 - 1) * 100
        assert abs(recomputed - growth[cur]) < 0.1


def test_saving_rate_is_saving_over_disposable_income(sandbox: Sandbox) -> None:
    doc = get_data(sandbox, "T20600", "M")
    saving, dpi, rate = (values(doc, s) for s in ("A071RC", "A067RC", "A072RC"))
    for period in rate:
        assert abs(saving[period] / dpi[period] * 100 - rate[period]) < 0.06


def test_successive_vintages_revise_recent_periods_only() -> None:
    def gdp_at(now: str) -> dict[str, float]:
        from datetime import datetime

        moment = datetime.fromisoformat(now)
        with Sandbox(settings=SandboxSettings(clock=lambda: moment)) as s:
            return values(get_data(s, "T10105", "Q"), "A191RC")

    before, after = gdp_at("2026-08-01T12:00:00+00:00"), gdp_at("2026-08-28T12:00:00+00:00")
    assert set(before) <= set(after)
    assert before["2010Q1"] == after["2010Q1"]
    assert any(before[p] != after[p] for p in ("2026Q1", "2026Q2") if p in before)


def test_replay_serves_recorded_answers_filtered(tmp_path: Path) -> None:
    (tmp_path / "Regional").mkdir()
    sample = SHARED / "samples" / "bea_api_raw_Regional_SAGDP2N_line1_Alabama_2017_2022.json"
    (tmp_path / "Regional" / "SAGDP2N.json").write_bytes(sample.read_bytes())
    (tmp_path / "release_dates.json").write_text('{"GDP by State": {"release_dates": []}}')
    with Sandbox(settings=SandboxSettings(replay_dir=tmp_path, clock=lambda: SANDBOX_NOW)) as s:
        resp = requests.get(
            s.api_url,
            params={
                "UserID": TEST_KEY,
                "method": "GetData",
                "DatasetName": "Regional",
                "TableName": "SAGDP2N",
                "Year": "2020,2021",
                "ResultFormat": "JSON",
            },
            timeout=10,
        )
        calendar = requests.get(s.calendar_url, timeout=10).json()
    results = resp.json()["BEAAPI"]["Results"]
    assert [r["TimePeriod"] for r in results["Data"]] == ["2020", "2021"]
    assert results["Notes"][0]["NoteText"].startswith("Last updated: September 29, 2023")
    assert calendar == {"GDP by State": {"release_dates": []}}


@pytest.mark.parametrize("path", ["/nothing", "/api/other"])
def test_unknown_paths_get_an_html_404(sandbox: Sandbox, path: str) -> None:
    resp = requests.get(sandbox.base_url + path, timeout=10)
    assert resp.status_code == 404 and resp.text.startswith("<html>")


def test_regional_answer_matches_beas_real_one(sandbox: Sandbox) -> None:
    real = json.loads(
        (SHARED / "samples" / "bea_api_raw_Regional_SAINC1_line1_Alabama_2017_2022.json").read_text()
    )
    resp = get(
        sandbox,
        method="GetData",
        DatasetName="Regional",
        TableName="SAINC1",
        LineCode="1",
        GeoFips="01000",
        Year="2017,2018,2019,2020,2021,2022",
    )
    ours = json.loads(resp.content.decode("ISO-8859-1"))
    real_results, results = real["BEAAPI"]["Results"], ours["BEAAPI"]["Results"]
    assert list(results) == list(real_results)
    assert results["Dimensions"] == real_results["Dimensions"]
    assert [list(r) for r in results["Data"]] == [list(r) for r in real_results["Data"]]
    assert [r["TimePeriod"] for r in results["Data"]] == [r["TimePeriod"] for r in real_results["Data"]]
    assert all(re.fullmatch(r"\d+", r["DataValue"]) for r in results["Data"])  # no thousands commas
    assert (results["Statistic"], results["UnitOfMeasure"], results["NoteRef"]) == (
        real_results["Statistic"],
        real_results["UnitOfMeasure"],
        " ",
    )
    assert re.fullmatch(
        r"Last updated: [A-Z][a-z]+ \d{1,2}, \d{4}-- revised statistics for \d{4}-\d{4}\.",
        results["Notes"][-1]["NoteText"],
    )
    echoed = [p["ParameterName"] for p in ours["BEAAPI"]["Request"]["RequestParam"]]
    assert echoed == [
        "USERID",
        "RESULTFORMAT",
        "METHOD",
        "DATASETNAME",
        "TABLENAME",
        "LINECODE",
        "GEOFIPS",
        "YEAR",
    ]
    values = {p["ParameterName"]: p["ParameterValue"] for p in ours["BEAAPI"]["Request"]["RequestParam"]}
    assert (values["METHOD"], values["DATASETNAME"]) == ("GETDATA", "REGIONAL")


def test_regional_states_add_up_to_regions_and_nation(sandbox: Sandbox) -> None:
    resp = get(
        sandbox,
        method="GetData",
        DatasetName="Regional",
        TableName="SAGDP2",
        LineCode="1",
        GeoFips="STATE",
        Year="2024",
    )
    rows = resp.json()["BEAAPI"]["Results"]["Data"]
    by_fips = {r["GeoFips"]: float(r["DataValue"]) for r in rows}
    states = [
        v
        for k, v in by_fips.items()
        if k.endswith("000") and k[:2] not in ("00", "91", "92", "93", "94", "95", "96", "97", "98")
    ]
    regions = [by_fips[f"{n}000"] for n in range(91, 99)]
    assert len(states) == 51
    assert abs(sum(states) - by_fips["00000"]) <= 51 and abs(sum(regions) - by_fips["00000"]) <= 8


def test_regional_markers(sandbox: Sandbox) -> None:
    gdp = get(
        sandbox,
        method="GetData",
        DatasetName="Regional",
        TableName="SAGDP2",
        LineCode="6",
        GeoFips="STATE",
        Year="2020",
    ).json()["BEAAPI"]["Results"]["Data"]
    suppressed = {
        r["GeoFips"]: (r["DataValue"], r.get("NoteRef"))
        for r in gdp
        if "(D)" in (r["DataValue"], r.get("NoteRef"))
    }
    assert suppressed["56000"] == ("(D)", None) and suppressed["11000"] == ("0", "(D)")
    rpp = get(
        sandbox,
        method="GetData",
        DatasetName="Regional",
        TableName="SARPP",
        LineCode="1",
        GeoFips="06000",
        Year="2005,2010",
    ).json()["BEAAPI"]["Results"]["Data"]
    assert [r["DataValue"] == "(NA)" for r in rpp] == [True, False]


def test_line_codes_are_listed_for_regional_only(sandbox: Sandbox) -> None:
    listed = get(
        sandbox,
        method="GetParameterValuesFiltered",
        DatasetName="Regional",
        TargetParameter="LineCode",
        TableName="SAINC1",
    ).json()["BEAAPI"]["Results"]["ParamValue"]
    assert [v["Key"] for v in listed] == ["1", "2", "3"]
    nipa = get(
        sandbox,
        method="GetParameterValuesFiltered",
        DatasetName="NIPA",
        TargetParameter="Year",
        TableName="T10101",
    ).json()["BEAAPI"]["Results"]["Error"]
    assert nipa["APIErrorCode"] == "34"  # as BEA's guide shows


def test_niunderlyingdetail_is_served_with_the_nipa_shape(sandbox: Sandbox) -> None:
    resp = get(
        sandbox,
        method="GetData",
        DatasetName="NIUnderlyingDetail",
        TableName="U20305",
        Frequency="M",
        Year="2025",
    )
    results = resp.json()["BEAAPI"]["Results"]
    assert results["Statistic"] == "NI Underlying Detail Table" and len(results["Data"]) == 5 * 12
    assert results["Notes"][0]["NoteText"].startswith("Table 2.3.5U.")


def test_vintages_history_and_publishing_the_next_release(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    port_file = tmp_path / "out.txt"
    with port_file.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bea_sandbox", "--port", "0", "--vintages", "40"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(100):
            text = port_file.read_text()
            if "serving" in text:
                break
            time.sleep(0.05)
        api = re.search(r"serving (http://127\.0\.0\.1:\d+/api/data)", text).group(1)
        base = api.rsplit("/api/data", 1)[0]

        def gdp_vintage() -> str:
            doc = requests.get(
                api,
                params={
                    "UserID": TEST_KEY,
                    "method": "GetData",
                    "DatasetName": "NIPA",
                    "TableName": "T10105",
                    "Frequency": "Q",
                    "Year": "ALL",
                },
                timeout=10,
            ).json()
            return doc["BEAAPI"]["Results"]["Notes"][0]["NoteText"].rsplit("LastRevised: ", 1)[1]

        seen = [gdp_vintage()]
        for _ in range(4):
            published = requests.post(f"{base}/sandbox/publish", timeout=10).json()["published"]
            assert published.endswith("T08:30:00-04:00") or published.endswith("T08:30:00-05:00")
            seen.append(gdp_vintage())
        assert len(set(seen)) >= 2  # GDP and PIO releases alternate: GDP's vintage moves every other step
    finally:
        proc.terminate()
        proc.wait(timeout=10)
