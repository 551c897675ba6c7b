"""The county-scale tables (``bea-sandbox --county-scale``): BEA's county tables with BEA's years
and about its line counts, ~50 million cells a vintage, and a next vintage that revises only the
year it had newest and adds one."""

from __future__ import annotations

from datetime import UTC, datetime

from bea_sandbox import answers, counties, county_scale, regional

FIRST, SECOND = datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)


def served(table: str, line: int, now: datetime) -> dict[tuple[str, str], dict]:
    params = {"tablename": table, "linecode": str(line), "geofips": "COUNTY", "year": "ALL"}
    rows = answers._regional(params, [], now)["BEAAPI"]["Results"]["Data"]
    return {(r["GeoFips"], r["TimePeriod"]): r for r in rows}


def test_a_vintage_is_about_fifty_million_observations() -> None:
    n = len(counties.counties())
    assert 3_000 < n < 3_300
    assert county_scale.observations_per_vintage(n, 2024) > 45_000_000
    names = set(county_scale.tables())
    assert names == {
        "CAINC1", "CAINC4", "CAINC5N", "CAINC6N", "CAINC30", "CAINC35", "CAINC91", "CAEMP25N",
        "CAGDP1", "CAGDP2", "CAGDP8", "CAGDP9", "CAGDP11",
    }  # fmt: skip


def test_tables_are_served_only_while_enabled() -> None:
    assert "CAINC5N" not in regional.REGIONAL_TABLES
    small = regional.REGIONAL_TABLES["CAINC1"]
    with county_scale.enabled():
        assert regional.REGIONAL_TABLES["CAINC1"].first_year == 1969
        cainc1 = served("CAINC1", 3, FIRST)
        assert min(year for _, year in cainc1) == "1969" and max(year for _, year in cainc1) == "2024"
        industry = served("CAINC5N", 20, FIRST)
    assert regional.REGIONAL_TABLES["CAINC1"] is small and "CAINC5N" not in regional.REGIONAL_TABLES
    assert len(industry) == len(counties.counties()) * (2024 - 2001 + 1)
    suppressed = [r for r in industry.values() if r.get("NoteRef") == "(D)"]
    assert suppressed and all(r["DataValue"] == "0" for r in suppressed)


def test_the_next_vintage_revises_the_newest_year_and_adds_one() -> None:
    with county_scale.enabled():
        first, second = served("CAINC4", 20, FIRST), served("CAINC4", 20, SECOND)
    assert set(second) - set(first) == {(fips, "2025") for fips, _ in first if _ == "2024"}
    revised = {key for key, row in first.items() if second[key]["DataValue"] != row["DataValue"]}
    assert revised and {year for _, year in revised} == {"2024"}
    assert 0.01 < len(revised) / len(first) < 0.03
