from __future__ import annotations

from pathlib import Path

import pytest

from macro_assets.catalog import CatalogError, FetchUnit, load_catalog


def test_default_catalog() -> None:
    catalog = load_catalog()
    nipa = {t.table for t in catalog.tables if t.dataset == "NIPA"}
    assert nipa == {"T10101", "T10105", "T10106", "T20600", "T20804"}
    states = {t.table for t in catalog.tables if t.dataset == "Regional"}
    assert states == {"SAPCE1", "SAPCE4", "SARPP", "SARPI", "SAINC1", "SAINC35", "SAGDP11", "SASUMMARY"} | {
        f"SAGDP{i}" for i in range(1, 10)
    }
    assert catalog.release_names == [
        "GDP by State",
        "Gross Domestic Product",
        "Personal Income and Outlays",
        "Personal Income by State",
    ]
    t10101 = next(t for t in catalog.tables if t.table == "T10101")
    assert FetchUnit(t10101).params == {"Frequency": "A,Q", "Year": "ALL"}
    sainc35 = next(t for t in catalog.tables if t.table == "SAINC35")
    assert sainc35.lines == ("2000",) and sainc35.frequencies == ("A",)
    assert FetchUnit(sainc35, "2000").params == {"LineCode": "2000", "GeoFips": "STATE", "Year": "ALL"}
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
        ("{dataset: Regional, table: SAINC1, geo: '01000;DROP'}", "geo must be STATE"),
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
