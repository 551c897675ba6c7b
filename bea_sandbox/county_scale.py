"""BEA's county tables at full scale: every county table of the county personal income and GDP
releases, with about BEA's line counts and years, for ~3,100 counties: some 50 million
observations a vintage, as BEA's county tables are.

The SIC-era tables (CAINC1, CAINC4, CAINC30, CAINC35, CAINC91) start in 1969; the NAICS tables
(CAINC5N, CAINC6N, CAEMP25N) and county GDP (CAGDP…) in 2001, as BEA's do. Industry lines are
suppressed for the smallest counties ("(D)"). Each release revises the newest year it had
published and adds a year, so consecutive vintages differ by a few percent of their cells.
County GDP is published in December by BEA; here it rides with the November county release, so
that one release date holds every county table.

Served only when asked (``bea-sandbox --county-scale``, or ``enabled()``): the tables replace
the small county model's CAINC1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from bea_sandbox import regional, schedule
from bea_sandbox.economy import _noise
from bea_sandbox.regional import RegionalLine, RegionalTable

_K = "Thousands of dollars"
_CHAINED = "Thousands of chained 2017 dollars"
# name: (title, first year, lines, unit, unit_mult, national total in 1998 (units), growth, kind)
SPECS: dict[str, tuple[str, int, int, str, str, float, float, str]] = {
    "CAINC4": ("Personal income and employment by major component", 1969, 33, _K, "3", 7.5e9, 0.045, "sum"),
    "CAINC5N": ("Personal income by major component and earnings by NAICS industry", 2001, 100, _K, "3",
                5.6e9, 0.045, "sum"),
    "CAINC6N": ("Compensation of employees by NAICS industry", 2001, 90, _K, "3", 4.9e9, 0.045, "sum"),
    "CAINC30": ("Economic profile", 1969, 30, _K, "3", 7.5e9, 0.045, "sum"),
    "CAINC35": ("Personal current transfer receipts", 1969, 40, _K, "3", 1.0e9, 0.055, "sum"),
    "CAINC91": ("Gross flow of earnings", 1969, 10, _K, "3", 5.6e9, 0.045, "sum"),
    "CAEMP25N": ("Total full-time and part-time employment by NAICS industry", 2001, 100, "Number of jobs",
                 "0", 1.6e8, 0.012, "sum"),
    "CAGDP1": ("Gross domestic product (GDP) summary", 2001, 3, _CHAINED, "3", 1.29e10, 0.022, "sum"),
    "CAGDP2": ("Gross domestic product (GDP) by county and metropolitan area", 2001, 34,
               "Thousands of current dollars", "3", 9.0e9, 0.043, "sum"),
    "CAGDP8": ("Chain-type quantity indexes for real GDP by county and metropolitan area", 2001, 34,
               "Quantity index", "0", 66.0, 0.022, "ratio"),
    "CAGDP9": ("Real GDP by county and metropolitan area", 2001, 34, _CHAINED, "3", 1.29e10, 0.022, "sum"),
    "CAGDP11": ("Contributions to percent change in real GDP", 2001, 34, "Percentage points", "0", 2.4,
                0.0, "ratio"),
}  # fmt: skip
CAINC1_FIRST_YEAR = 1969


def _lines(name: str, lines: int, unit: str, mult: str, total: float, growth: float, kind: str):  # noqa: ANN202
    out = []
    for i in range(lines):
        code = 10 * (i + 1)
        # Line 1 is the table's total; the others its industries or components, a share each.
        share = 1.0 if i == 0 else (0.3 + _noise(name, code, "share")) / lines
        out.append(
            RegionalLine(
                code,
                "All industry total" if i == 0 else f"Line {code} of {name}",
                unit,
                mult,
                total * abs(share) if kind == "sum" else total,
                growth + (0.01 * _noise(name, code, "growth") if i else 0.0),
                kind=kind,
                decimals=0 if kind == "sum" else 3,
                suppress_small=i > 0 and kind == "sum",
                first_year=1900,
            )
        )
    return tuple(out)


def tables() -> dict[str, RegionalTable]:
    """The county-scale tables, by name (CAINC1 from 1969 among them)."""
    small = regional.REGIONAL_TABLES["CAINC1"]
    out = {
        "CAINC1": RegionalTable(
            small.name,
            small.public_table,
            small.release,
            tuple(replace(line, first_year=1900) for line in small.lines),
            counties=True,
            first_year=CAINC1_FIRST_YEAR,
            revised_years=1,
        )
    }
    for name, (title, first, lines, unit, mult, total, growth, kind) in SPECS.items():
        out[name] = RegionalTable(
            name,
            f"{name} {title}",
            schedule.PI_BY_COUNTY,
            _lines(name, lines, unit, mult, total, growth, kind),
            counties=True,
            first_year=first,
            revised_years=1,
        )
    return out


def observations_per_vintage(counties: int, last_year: int) -> int:
    """Cells a vintage holds for ``counties`` counties through ``last_year``."""
    return counties * sum(len(t.lines) * (last_year - t.first_year + 1) for t in tables().values())


def enable() -> None:
    """Serve the county-scale tables from now on, in this process."""
    regional.REGIONAL_TABLES.update(tables())


@contextmanager
def enabled() -> Iterator[None]:
    """The county-scale tables for the duration of the block (the small model's after)."""
    before = dict(regional.REGIONAL_TABLES)
    enable()
    try:
        yield
    finally:
        regional.REGIONAL_TABLES.clear()
        regional.REGIONAL_TABLES.update(before)
