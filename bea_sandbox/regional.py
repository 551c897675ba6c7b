"""Regional (state) tables: lines, shares of the nation, markers, and BEA's Regional answer shape."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from bea_sandbox import counties, schedule
from bea_sandbox.economy import _noise
from bea_sandbox.geography import NATION, REGIONS, STATES, TOTAL_POPULATION, state_fips

FIRST_YEAR = 1998


@dataclass(frozen=True)
class RegionalLine:
    code: int
    statistic: str
    unit: str
    unit_mult: str
    base: float  # national value in FIRST_YEAR, in units of 10^unit_mult
    growth: float
    kind: str = "sum"  # "sum": states add up to the nation; "ratio": per capita, index, rate
    decimals: int = 0
    suppress_small: bool = False  # (D) for the smallest states
    first_year: int = FIRST_YEAR
    # Lines that publish the same statistic in several tables share it, so the tables agree.
    concept: str = ""
    # (numerator line, denominator line) of the same table: a per-capita line BEA computes.
    per_capita_of: tuple[int, int] | None = None


@dataclass(frozen=True)
class RegionalTable:
    name: str
    public_table: str
    release: str
    lines: tuple[RegionalLine, ...]
    # A county table (CA…): served for counties (GeoFips COUNTY, a state's postal code, county
    # FIPS) as well as for the states and the nation.
    counties: bool = False
    # The first year served, and how many of the newest years each release revises.
    first_year: int = FIRST_YEAR
    revised_years: int = 3


def _t(name: str, public: str, release: str, *lines: RegionalLine) -> RegionalTable:
    return RegionalTable(name, f"{name} {public}", release, lines)


_PI, _GDP = schedule.PI_BY_STATE, schedule.GDP_BY_STATE
_M, _K = "Millions of dollars", "Thousands of dollars"

REGIONAL_TABLES: dict[str, RegionalTable] = {
    t.name: t
    for t in (
        _t(
            "SAINC1",
            "State annual personal income summary: personal income, population, per capita personal income",
            _PI,
            RegionalLine(1, "Personal income", _M, "6", 7_500_000, 0.045, concept="personal_income"),
            RegionalLine(2, "Population", "Number of persons", "0", 276_000_000, 0.007),
            RegionalLine(
                3,
                "Per capita personal income",
                "Dollars",
                "0",
                27_200,
                0.038,
                kind="ratio",
                per_capita_of=(1, 2),
            ),
        ),
        _t(
            "SAINC35",
            "Personal current transfer receipts",
            _PI,
            RegionalLine(
                2000,
                "Current transfer receipts of individuals from governments",
                _K,
                "3",
                1_000_000_000,
                0.055,
            ),
        ),
        _t(
            "SAPCE1",
            "Personal consumption expenditures by major type of product",
            _PI,
            RegionalLine(1, "Personal consumption expenditures", _M, "6", 6_100_000, 0.045, concept="pce"),
            RegionalLine(2, "Goods", _M, "6", 2_200_000, 0.037),
            RegionalLine(3, "Durable goods", _M, "6", 780_000, 0.035),
            RegionalLine(13, "Services", _M, "6", 3_900_000, 0.05),
        ),
        _t(
            "SAPCE4",
            "Personal consumption expenditures by function",
            _PI,
            RegionalLine(1, "Personal consumption expenditures", _M, "6", 6_100_000, 0.045, concept="pce"),
            RegionalLine(
                2, "Food and beverages purchased for off-premises consumption", _M, "6", 510_000, 0.037
            ),
            RegionalLine(12, "Housing and utilities", _M, "6", 1_100_000, 0.047),
            RegionalLine(24, "Health care", _M, "6", 950_000, 0.06),
        ),
        _t(
            "SARPP",
            "Regional price parities by state",
            _PI,
            RegionalLine(
                1,
                "RPPs: All items",
                "Percent",
                "0",
                100.0,
                0.0,
                kind="ratio",
                decimals=3,
                first_year=2008,
                concept="rpp",
            ),
            RegionalLine(
                2, "RPPs: Goods", "Percent", "0", 100.0, 0.0, kind="ratio", decimals=3, first_year=2008
            ),
            RegionalLine(
                3,
                "RPPs: Services: Housing",
                "Percent",
                "0",
                100.0,
                0.0,
                kind="ratio",
                decimals=3,
                first_year=2008,
            ),
        ),
        _t(
            "SARPI",
            "Real personal income by state",
            _PI,
            RegionalLine(
                1, "Real personal income", "Millions of constant (2017) dollars", "6", 10_300_000, 0.025
            ),
            RegionalLine(
                2,
                "Real per capita personal income",
                "Constant (2017) dollars",
                "0",
                37_000,
                0.018,
                kind="ratio",
            ),
            RegionalLine(
                3,
                "Implicit regional price deflator",
                "Index (2017=100)",
                "0",
                72.6,
                0.02,
                kind="ratio",
                decimals=3,
            ),
        ),
        _t(
            "SAGDP1",
            "State annual gross domestic product (GDP) summary",
            _GDP,
            RegionalLine(
                1,
                "Real GDP (millions of chained 2017 dollars)",
                "Millions of chained 2017 dollars",
                "6",
                12_900_000,
                0.022,
                concept="real_gdp",
            ),
            RegionalLine(
                2,
                "Chain-type quantity indexes for real GDP",
                "Quantity index",
                "0",
                66.0,
                0.022,
                kind="ratio",
                decimals=3,
            ),
            RegionalLine(
                3,
                "Current-dollar GDP (millions of current dollars)",
                "Millions of current dollars",
                "6",
                9_000_000,
                0.043,
                concept="gdp",
            ),
        ),
        _t(
            "SAGDP2",
            "Gross domestic product (GDP) by state",
            _GDP,
            RegionalLine(
                1, "All industry total", "Millions of current dollars", "6", 9_000_000, 0.043, concept="gdp"
            ),
            RegionalLine(2, "Private industries", "Millions of current dollars", "6", 7_800_000, 0.044),
            RegionalLine(
                3,
                "Agriculture, forestry, fishing and hunting",
                "Millions of current dollars",
                "6",
                120_000,
                0.03,
                suppress_small=True,
            ),
            RegionalLine(
                6,
                "Mining, quarrying, and oil and gas extraction",
                "Millions of current dollars",
                "6",
                110_000,
                0.05,
                suppress_small=True,
            ),
            RegionalLine(
                83,
                "Government and government enterprises",
                "Millions of current dollars",
                "6",
                1_200_000,
                0.042,
            ),
        ),
        _t(
            "SAGDP3",
            "Taxes on production and imports less subsidies",
            _GDP,
            RegionalLine(1, "All industry total", _K, "3", 620_000_000, 0.04),
        ),
        _t(
            "SAGDP4",
            "Compensation of employees",
            _GDP,
            RegionalLine(1, "All industry total", _K, "3", 5_200_000_000, 0.043),
            RegionalLine(2, "Private industries", _K, "3", 4_300_000_000, 0.044),
        ),
        _t("SAGDP5", "Subsidies", _GDP, RegionalLine(1, "All industry total", _K, "3", 45_000_000, 0.05)),
        _t(
            "SAGDP6",
            "Taxes on production and imports",
            _GDP,
            RegionalLine(1, "All industry total", _K, "3", 665_000_000, 0.041),
        ),
        _t(
            "SAGDP7",
            "Gross operating surplus",
            _GDP,
            RegionalLine(1, "All industry total", _K, "3", 3_180_000_000, 0.044),
        ),
        _t(
            "SAGDP8",
            "Chain-type quantity indexes for real GDP by state",
            _GDP,
            RegionalLine(
                1, "All industry total", "Quantity index", "0", 66.0, 0.022, kind="ratio", decimals=3
            ),
        ),
        _t(
            "SAGDP9",
            "Real GDP by state",
            _GDP,
            RegionalLine(
                1,
                "All industry total",
                "Millions of chained 2017 dollars",
                "6",
                12_900_000,
                0.022,
                concept="real_gdp",
            ),
            RegionalLine(2, "Private industries", "Millions of chained 2017 dollars", "6", 11_000_000, 0.023),
        ),
        _t(
            "SAGDP11",
            "Contributions to percent change in real GDP",
            _GDP,
            RegionalLine(
                1, "All industry total", "Percentage points", "0", 2.4, 0.0, kind="ratio", decimals=2
            ),
        ),
        _t(
            "SASUMMARY",
            "State annual summary statistics: personal income, GDP, consumer spending, price "
            "indexes, and employment",
            _GDP,
            RegionalLine(
                1,
                "Real GDP (millions of chained 2017 dollars)",
                "Millions of chained 2017 dollars",
                "6",
                12_900_000,
                0.022,
                concept="real_gdp",
            ),
            RegionalLine(
                3,
                "Current-dollar GDP (millions of current dollars)",
                "Millions of current dollars",
                "6",
                9_000_000,
                0.043,
                concept="gdp",
            ),
            RegionalLine(
                4,
                "Personal income (millions of dollars)",
                _M,
                "6",
                7_500_000,
                0.045,
                concept="personal_income",
            ),
            RegionalLine(
                8,
                "Regional price parities (RPPs)",
                "Percent",
                "0",
                100.0,
                0.0,
                kind="ratio",
                decimals=3,
                first_year=2008,
                concept="rpp",
            ),
        ),
    )
}
# The county table of personal income: SAINC1's statistics, for every county (the states' and
# the nation's values are SAINC1's).
REGIONAL_TABLES["CAINC1"] = RegionalTable(
    "CAINC1",
    "CAINC1 Personal Income Summary: Personal Income, Population, Per Capita Personal Income",
    schedule.PI_BY_COUNTY,
    (
        RegionalLine(
            1, "Personal income", "Thousands of dollars", "3", 7_500_000_000, 0.045, concept="personal_income"
        ),
        RegionalLine(2, "Population", "Number of persons", "0", 276_000_000, 0.007, concept="SAINC1-2"),
        RegionalLine(
            3, "Per capita personal income", "Dollars", "0", 27_200, 0.038, kind="ratio", per_capita_of=(1, 2)
        ),
    ),
    counties=True,
)

SMALLEST = {code for code, _, pop, _ in STATES if pop < 0.8}


def last_year(release: date) -> int:
    """Annual state estimates for year Y appear from the release of late March Y+1 on."""
    return release.year - 1 if release >= date(release.year, 3, 20) else release.year - 2


def _share(code: str, table: str, year: int, pop: float) -> float:
    base = pop / TOTAL_POPULATION * (1 + 0.15 * _noise(code, table, "share"))
    return base * (1 + 0.004 * (year - FIRST_YEAR) * _noise(code, "drift"))


def _revision(release: date, table: str, line: int, code: str, year: int, revised_years: int = 3) -> float:
    epoch = f"release-{release}" if year > last_year(release) - revised_years else "comprehensive-2023"
    return 1 + 0.003 * _noise(table, line, code, year, epoch)


def line_values(
    table: RegionalTable, line: RegionalLine, release: date
) -> dict[tuple[str, int], float | str]:
    """(GeoFips, year) → value, or a marker string, for the nation, regions and states."""
    if line.per_capita_of is not None:
        return _per_capita(table, line, release)
    out: dict[tuple[str, int], float | str] = {}
    concept = line.concept or f"{table.name}-{line.code}"
    years = range(table.first_year, last_year(release) + 1)
    for year in years:
        national = line.base * math.exp(line.growth * (year - FIRST_YEAR))
        if line.growth:  # a parity keeps its national level: the nation's RPP is 100
            national *= 1 + 0.01 * math.sin(year + _noise(concept, "phase") * 3)
        if year < line.first_year:
            for fips in [NATION[0], *REGIONS, *(state_fips(c) for c, *_ in STATES)]:
                out[(fips, year)] = "(NA)"
            continue
        states: dict[str, float] = {}
        if line.kind == "sum":
            # Lines of one concept in several tables share their weights, so the tables agree.
            weights = {c: _share(c, concept, year, p) for c, _, p, _ in STATES}
            total = sum(weights.values())
            for code, weight in weights.items():
                states[code] = (
                    national
                    * weight
                    / total
                    * _revision(release, concept, 0, code, year, table.revised_years)
                )
        else:
            for code, *_ in STATES:
                spread = 0.12 * _noise(code, concept, "level")
                states[code] = (
                    national * (1 + spread) * _revision(release, concept, 0, code, year, table.revised_years)
                )
        pops = {c: p for c, _, p, _ in STATES}
        for region in REGIONS:
            members = [c for c, _, _, r in STATES if r == region]
            if line.kind == "sum":
                out[(region, year)] = sum(states[c] for c in members)
            else:
                out[(region, year)] = sum(states[c] * pops[c] for c in members) / sum(
                    pops[c] for c in members
                )
        out[(NATION[0], year)] = sum(states.values()) if line.kind == "sum" else national
        for code, value in states.items():
            suppressed = line.suppress_small and code in SMALLEST
            out[(state_fips(code), year)] = "(D)" if suppressed else value
    return out


def _per_capita(
    table: RegionalTable,
    line: RegionalLine,
    release: date,
    values_of: Callable[[RegionalTable, RegionalLine, date], dict[tuple[str, int], float | str]]
    | None = None,
) -> dict[tuple[str, int], float | str]:
    """A per-capita line from its numerator and denominator lines (of states, or of counties
    with ``values_of=county_values``), as BEA computes it: rounded to whole dollars."""
    values_of = values_of or line_values
    num_line, den_line = (next(ln for ln in table.lines if ln.code == c) for c in line.per_capita_of or ())
    num, den = values_of(table, num_line, release), values_of(table, den_line, release)
    scale = 10 ** int(num_line.unit_mult)
    return {
        key: round(value * scale / den[key])
        if isinstance(value, float) and isinstance(den[key], float)
        else "(NA)"
        for key, value in num.items()
    }


def geo_names() -> dict[str, str]:
    names = {NATION[0]: NATION[1], **REGIONS}
    names.update({state_fips(c): n for c, n, _, _ in STATES})
    return names


# Counties BEA publishes no estimates for (merged or redrawn areas): "(NA)" with NoteRef "(NA)".
NOT_AVAILABLE = frozenset({"02013", "02015", "51001"})


def county_values(
    table: RegionalTable, line: RegionalLine, release: date
) -> dict[tuple[str, int], float | str]:
    """(county FIPS, year) → value or marker: each state's value shared out by its counties'
    weights (sums), or the state's ratio spread a little; per capita computed from the
    county's own income and population."""
    if line.per_capita_of is not None:
        return _per_capita(table, line, release, county_values)
    states = line_values(table, line, release)
    concept = line.concept or f"{table.name}-{line.code}"
    # Each statistic tilts the counties' shares a little (income is not spread as people are),
    # then the shares are normalised so that the counties still add up to their state.
    tilted = {c.fips: c.weight * (1 + 0.2 * _noise(c.fips, concept)) for c in counties.counties()}
    per_state: dict[str, float] = {}
    for county in counties.counties():
        per_state[county.state] = per_state.get(county.state, 0.0) + tilted[county.fips]
    out: dict[tuple[str, int], float | str] = {}
    for county in counties.counties():
        for year in range(table.first_year, last_year(release) + 1):
            state = states[(state_fips(county.state), year)]
            if county.fips in NOT_AVAILABLE or isinstance(state, str):
                out[(county.fips, year)] = "(NA)" if county.fips in NOT_AVAILABLE else state
            elif line.kind == "sum":
                suppressed = line.suppress_small and county.weight < counties.SUPPRESSED_BELOW
                share = tilted[county.fips] / per_state[county.state]
                out[(county.fips, year)] = "(D)" if suppressed else state * share
            else:
                out[(county.fips, year)] = state * (1 + 0.1 * _noise(county.fips, table.name, line.code))
    return out


def display(value: float | str, decimals: int) -> str:
    # Regional answers carry no thousands separators (see the real samples).
    return value if isinstance(value, str) else f"{value:.{decimals}f}"


def vintage(table: RegionalTable, now: datetime) -> date | None:
    return schedule.latest_release(table.release, now)
