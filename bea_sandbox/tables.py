"""The NIPA tables the sandbox serves: their lines, units and releases, as BEA lays them out."""

from __future__ import annotations

from dataclasses import dataclass

from bea_sandbox import fullscale
from bea_sandbox.schedule import GDP, PIO


@dataclass(frozen=True)
class Line:
    number: int
    series: str
    description: str
    variable: str
    cl_unit: str | None = None
    unit_mult: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    release: str
    frequencies: tuple[str, ...]
    metric: str
    cl_unit: str
    unit_mult: str
    decimals: int
    lines: tuple[Line, ...]
    # "level": the variable's value; "pct_change": percent change from the preceding period
    # (annualized for quarters), the way T10101 is derived from chained-dollar levels;
    # "synthetic": a full-scale detail table (sandbox/fullscale.py).
    kind: str = "level"
    dataset: str = "NIPA"


_GDP_LINES = (
    (1, "A191", "Gross domestic product", "gdp"),
    (2, "DPCE", "Personal consumption expenditures", "pce"),
    (3, "DGDS", "Goods", "goods"),
    (4, "DDUR", "Durable goods", "durable"),
    (5, "DNDG", "Nondurable goods", "nondurable"),
    (6, "DSER", "Services", "services"),
    (7, "A006", "Gross private domestic investment", "investment"),
    (15, "A019", "Net exports of goods and services", "net_exports"),
    (16, "A020", "Exports", "exports"),
    (19, "A021", "Imports", "imports"),
    (22, "A822", "Government consumption expenditures and gross investment", "government"),
)


def _gdp_lines(suffix: str, prefix: str, skip: tuple[str, ...] = ()) -> tuple[Line, ...]:
    return tuple(
        Line(n, code + suffix, desc, prefix + var) for n, code, desc, var in _GDP_LINES if var not in skip
    )


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "T10101",
            "Table 1.1.1. Percent Change From Preceding Period in Real Gross Domestic Product",
            GDP,
            ("A", "Q"),
            "Fisher Quantity Index",
            "Percent change, annual rate",
            "0",
            1,
            _gdp_lines("RL", "real_", skip=("net_exports",)),
            kind="pct_change",
        ),
        Table(
            "T10105",
            "Table 1.1.5. Gross Domestic Product",
            GDP,
            ("A", "Q"),
            "Current Dollars",
            "Level",
            "6",
            0,
            _gdp_lines("RC", "nominal_"),
        ),
        Table(
            "T10106",
            "Table 1.1.6. Real Gross Domestic Product, Chained Dollars",
            GDP,
            ("A", "Q"),
            "Chained Dollars",
            "Level",
            "6",
            0,
            _gdp_lines("RX", "real_"),
        ),
        Table(
            "T20600",
            "Table 2.6. Personal Income and Its Disposition, Monthly",
            PIO,
            ("M",),
            "Current Dollars",
            "Level",
            "6",
            0,
            (
                Line(1, "A065RC", "Personal income", "personal_income"),
                Line(2, "A033RC", "Compensation of employees", "compensation"),
                Line(9, "A041RC", "Proprietors' income with IVA and CCAdj", "proprietors"),
                Line(12, "A048RC", "Rental income of persons with CCAdj", "rental"),
                Line(13, "A064RC", "Personal income receipts on assets", "asset_income"),
                Line(16, "A063RC", "Personal current transfer receipts", "transfers"),
                Line(
                    25,
                    "A061RC",
                    "Less: Contributions for government social insurance, domestic",
                    "contributions",
                ),
                Line(26, "W055RC", "Less: Personal current taxes", "taxes"),
                Line(27, "A067RC", "Equals: Disposable personal income", "dpi"),
                Line(28, "A068RC", "Less: Personal outlays", "outlays"),
                Line(29, "DPCERC", "Personal consumption expenditures", "nominal_pce"),
                Line(34, "A071RC", "Equals: Personal saving", "saving"),
                Line(
                    35,
                    "A072RC",
                    "Personal saving as a percentage of disposable personal income",
                    "saving_rate",
                    cl_unit="Percent",
                    unit_mult="0",
                ),
            ),
        ),
        Table(
            "T20804",
            "Table 2.8.4. Price Indexes for Personal Consumption Expenditures by Major Type of Product, "
            "Monthly",
            PIO,
            ("M",),
            "Fisher Price Index",
            "Level",
            "0",
            3,
            (
                Line(1, "DPCERG", "Personal consumption expenditures (PCE)", "price_pce"),
                Line(2, "DGDSRG", "Goods", "price_goods"),
                Line(3, "DDURRG", "Durable goods", "price_durable"),
                Line(4, "DNDGRG", "Nondurable goods", "price_nondurable"),
                Line(5, "DSERRG", "Services", "price_services"),
                Line(25, "DPCCRG", "PCE excluding food and energy", "price_core"),
            ),
        ),
        Table(
            "U20305",
            "Table 2.3.5U. Personal Consumption Expenditures by Major Type of Product and by Major Function",
            PIO,
            ("M",),
            "Current Dollars",
            "Level",
            "6",
            0,
            (
                Line(1, "DPCERC", "Personal consumption expenditures (PCE)", "nominal_pce"),
                Line(2, "DGDSRC", "Goods", "nominal_goods"),
                Line(3, "DDURRC", "Durable goods", "nominal_durable"),
                Line(40, "DNDGRC", "Nondurable goods", "nominal_nondurable"),
                Line(100, "DSERRC", "Services", "nominal_services"),
            ),
            dataset="NIUnderlyingDetail",
        ),
        Table(
            "U20404",
            "Table 2.4.4U. Price Indexes for Personal Consumption Expenditures by Type of Product",
            PIO,
            ("M",),
            "Fisher Price Index",
            "Level",
            "0",
            3,
            (
                Line(1, "DPCERG", "Personal consumption expenditures (PCE)", "price_pce"),
                Line(2, "DDURRG", "Durable goods", "price_durable"),
                Line(3, "DNDGRG", "Nondurable goods", "price_nondurable"),
                Line(4, "DSERRG", "Services", "price_services"),
            ),
            dataset="NIUnderlyingDetail",
        ),
    )
}


def _synthetic(name: str, i: int) -> Table:
    return Table(
        name,
        f"Table 9.{i}. Detail Table {i} (full-scale NIPA)",
        GDP,
        ("A", "Q"),
        "Current Dollars",
        "Level",
        "6",
        1,
        tuple(
            Line(n, f"S{name[2:]}{n:02d}", f"Detail series {n} of table 9.{i}", "")
            for n in range(1, fullscale.LINES + 1)
        ),
        kind="synthetic",
    )


# Served like any NIPA table (BEA's list holds hundreds); generated only when asked for.
TABLES.update({name: _synthetic(name, i) for i, name in enumerate(fullscale.names(), start=1)})
