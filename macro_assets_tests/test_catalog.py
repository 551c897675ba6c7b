from __future__ import annotations

from pathlib import Path

import pytest

from macro_assets.catalog import CatalogError, CatalogTable, FetchUnit, load_catalog


def test_default_catalog() -> None:
    catalog = load_catalog()
    nipa = {t.table for t in catalog.tables if t.dataset == "NIPA"}
    assert nipa == {"T10101", "T10105", "T10106", "T20600", "T20804"}
    states = {t.table for t in catalog.tables if t.dataset == "Regional"}
    assert states == {"SAPCE1", "SAPCE4", "SARPP", "SARPI", "SAINC1", "SAINC35", "SAGDP11", "SASUMMARY"} | {
        f"SAGDP{i}" for i in range(1, 10)
    } | {"CAINC1"}
    # One table or request of every dataset family, under the BEA release that publishes it.
    assert set(catalog.datasets) == {
        "NIPA", "NIUnderlyingDetail", "FixedAssets", "Regional", "GDPbyIndustry", "UnderlyingGDPbyIndustry",
        "InputOutput", "ITA", "IIP", "IntlServTrade", "IntlServSTA", "MNE",
    }  # fmt: skip
    assert catalog.release_names == [
        "Direct Investment by Country and Industry",
        "Fixed Assets",
        "GDP by Industry",
        "GDP by State",
        "Gross Domestic Product",
        "Input-Output Accounts",
        "Personal Income and Outlays",
        "Personal Income by County, Metro, and Other Areas",
        "Personal Income by State",
        "U.S. International Investment Position",
        "U.S. International Services",
        "U.S. International Transactions",
    ]
    county = next(t for t in catalog.tables if t.table == "CAINC1")
    assert (
        county.geo == "COUNTY" and county.release_name == "Personal Income by County, Metro, and Other Areas"
    )
    t10101 = next(t for t in catalog.tables if t.table == "T10101")
    assert FetchUnit(t10101).params == {"TableName": "T10101", "Frequency": "A,Q", "Year": "ALL"}
    sainc35 = next(t for t in catalog.tables if t.table == "SAINC35")
    assert sainc35.lines == ("2000",) and sainc35.frequencies == ("A",)
    assert FetchUnit(sainc35, "2000").params == {
        "TableName": "SAINC35",
        "LineCode": "2000",
        "GeoFips": "STATE",
        "Year": "ALL",
    }
    assert next(t for t in catalog.tables if t.table == "SAINC1").lines is None  # ALL: listed by BEA


@pytest.mark.parametrize(
    "entry, message",
    [
        ("{dataset: NIPA, table: '../etc', frequencies: [A]}", "invalid table name"),
        ("{dataset: NIPA, table: 'T1; DROP TABLE x', frequencies: [A]}", "invalid table name"),
        ("{dataset: Nope, table: T10101, frequencies: [A]}", "unknown dataset"),
        ("{dataset: NIPA, table: T10101, frequencies: [W]}", "frequencies"),
        ("{dataset: NIPA, table: T10101, frequencies: []}", "frequencies"),
        ("{dataset: NIPA, table: T10101, frequencies: [A], lines: [1]}", "Regional tables only"),
        ("{dataset: Regional, table: SAINC1, lines: [x1]}", "lines must be ALL"),
        ("{dataset: Regional, table: SAINC1, geo: '01000;DROP'}", "geo must be one of STATE, COUNTY"),
        ("{dataset: Regional, table: SAINC1, geo: METRO}", "geo must be one of"),
        ("{dataset: FixedAssets, table: FAAt201, frequencies: [A]}", "takes no Frequency"),
        ("{dataset: GDPbyIndustry, table: T1}", "invalid table name"),
        ("{dataset: UnderlyingGDPbyIndustry, table: '1', frequencies: [Q]}", "subset of A"),
        ("{dataset: ITA, table: X}", "asked by its parameters"),
        ("{dataset: ITA}", "needs 'params'"),
        ("{dataset: ITA, params: {Year: '2020'}}", "needs 'params'"),
        ("{dataset: ITA, params: {Indicator: 'a;b'}}", "invalid value"),
        ("{dataset: ITA, params: {'Ind icator': X}}", "invalid parameter name"),
        ("{dataset: ITA, params: {UserID: X}}", "set by the client"),
        ("{dataset: NIPA, table: T10101, frequencies: [A], params: {TableName: T2}}", "entry's own keys"),
        ("{dataset: Regional, table: SAINC1, params: {LineCode: 3}}", "entry's own keys"),
        ("{dataset: NIPA, tables: SOME, frequencies: [A]}", "takes only ALL"),
        ("{dataset: NIPA, tables: ALL, table: T10101, frequencies: [A]}", "either 'table'"),
        ("{dataset: NIPA, table: T10101, frequencies: [A], colour: red}", "unknown key 'colour'"),
    ],
)
def test_bad_entries_are_refused_naming_the_entry(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(f"releases:\n  Gross Domestic Product:\n    - {entry}\n")
    with pytest.raises(CatalogError, match=message):
        load_catalog(path)


def test_duplicate_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "releases:\n  A:\n    - {dataset: NIPA, table: T10101, frequencies: [A]}\n"
        "  B:\n    - {dataset: NIPA, table: T10101, frequencies: [Q]}\n"
    )
    with pytest.raises(CatalogError, match="listed twice"):
        load_catalog(path)
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "missing.yaml")
    (tmp_path / "empty.yaml").write_text("{}")
    with pytest.raises(CatalogError, match="no 'releases'"):
        load_catalog(tmp_path / "empty.yaml")


def _one(tmp_path: Path, entry: str) -> CatalogTable:
    path = tmp_path / "catalog.yaml"
    path.write_text(f"releases:\n  Some Release:\n    - {entry}\n")
    (table,) = load_catalog(path).tables
    return table


def test_every_dataset_in_bea_words(tmp_path: Path) -> None:
    fixed = _one(tmp_path, "{dataset: FixedAssets, table: FAAt201}")
    assert fixed.table == "FAAT201" and FetchUnit(fixed).params == {"TableName": "FAAT201", "Year": "ALL"}
    county = _one(tmp_path, "{dataset: Regional, table: CAINC30, lines: [120, 170], geo: COUNTY}")
    assert county.lines == ("120", "170")
    assert FetchUnit(county, "170").params == {
        "TableName": "CAINC30",
        "LineCode": "170",
        "GeoFips": "COUNTY",
        "Year": "ALL",
    }
    for geo in ("MSA", "MIC", "PORT", "DIV", "CSA", "NY", "01001,01003"):
        assert _one(tmp_path, f"{{dataset: Regional, table: CAINC1, geo: '{geo}'}}").geo == geo
    industry = _one(tmp_path, "{dataset: GDPbyIndustry, table: '1', frequencies: [A, Q]}")
    assert FetchUnit(industry).params == {
        "TableID": "1",
        "Frequency": "A,Q",
        "Industry": "ALL",
        "Year": "ALL",
    }
    narrowed = _one(tmp_path, "{dataset: GDPbyIndustry, table: 6, params: {Industry: [52, 53]}}")
    assert FetchUnit(narrowed).params == {
        "TableID": "6",
        "Frequency": "A",
        "Industry": "52,53",
        "Year": "ALL",
    }
    io = _one(tmp_path, "{dataset: InputOutput, table: 56}")
    assert FetchUnit(io).params == {"TableID": "56", "Year": "ALL"}
    ita = _one(tmp_path, "{dataset: ITA, params: {Indicator: ALL, AreaOrCountry: China, Frequency: A}}")
    # The name leaves Year out and sorts the parameters: reordering the entry keeps its series.
    assert ita.table == "AreaOrCountry=China;Frequency=A;Indicator=ALL"
    assert FetchUnit(ita).params == {
        "Indicator": "ALL",
        "AreaOrCountry": "China",
        "Frequency": "A",
        "Year": "ALL",
    }
    years = _one(
        tmp_path,
        "{dataset: ITA, params: {Frequency: A, Year: '2011,2012', AreaOrCountry: China, Indicator: ALL}}",
    )
    assert years.table == ita.table and FetchUnit(years).params["Year"] == "2011,2012"
    every = _one(tmp_path, "{dataset: nipa, tables: all, frequencies: [q]}")
    assert every.every_table and every.dataset == "NIPA" and every.label == "NIPA/ALL"
    assert FetchUnit(every.with_table("T10101")).params == {
        "TableName": "T10101",
        "Frequency": "Q",
        "Year": "ALL",
    }


def test_parameter_shaped_entries_listed_twice(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "releases:\n  A:\n    - {dataset: ITA, params: {Indicator: ALL, AreaOrCountry: China}}\n"
        "  B:\n    - {dataset: ITA, params: {AreaOrCountry: China, Indicator: ALL, Year: '2020'}}\n"
    )
    with pytest.raises(CatalogError, match="ITA/AreaOrCountry=China;Indicator=ALL is listed twice"):
        load_catalog(path)
