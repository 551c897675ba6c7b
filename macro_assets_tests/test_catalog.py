from __future__ import annotations

from pathlib import Path

import pytest

from macro_assets.catalog import CatalogError, load_catalog


def test_default_catalog() -> None:
    catalog = load_catalog()
    assert {t.table for t in catalog.tables} >= {"T10101", "T10105", "T10106", "T20600", "T20804"}
    assert catalog.releases == ["Gross Domestic Product", "Personal Income and Outlays"]
    t10101 = next(t for t in catalog.tables if t.table == "T10101")
    assert t10101.frequencies == ("A", "Q") and t10101.request_params == {"Frequency": "A,Q", "Year": "ALL"}


@pytest.mark.parametrize(
    "entry, message",
    [
        ("{dataset: NIPA, table: '../etc', frequencies: [A]}", "invalid table name"),
        ("{dataset: NIPA, table: 'T1; DROP TABLE x', frequencies: [A]}", "invalid table name"),
        ("{dataset: Nope, table: T10101, frequencies: [A]}", "unknown dataset"),
        ("{dataset: NIPA, table: T10101, frequencies: [W]}", "frequencies"),
        ("{dataset: NIPA, table: T10101, frequencies: []}", "frequencies"),
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
