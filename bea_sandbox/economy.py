"""A small, deterministic U.S. economy whose accounts agree with each other.

Monthly consumption and prices feed quarterly GDP; real values are nominal values deflated
by prices normalised to 2017 = 100; percent changes are computed from unrounded real levels,
as BEA does. Each release revises recent periods, and the late-September annual update
revises the last five years, so successive vintages differ the way BEA's do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from bea_sandbox.series import noise

FIRST_YEAR = 2000
REFERENCE_YEAR = 2017

# name: (level in the first month, millions of dollars at an annual rate; annual growth;
#        cycle amplitude; cycle length in years)
_MONTHLY_NOMINAL = {
    "durable": (900_000.0, 0.040, 0.030, 7.0),
    "nondurable": (2_000_000.0, 0.040, 0.010, 9.0),
    "services": (3_700_000.0, 0.050, 0.008, 8.0),
    "compensation": (5_800_000.0, 0.045, 0.012, 8.0),
    "proprietors": (760_000.0, 0.045, 0.030, 6.0),
    "rental": (210_000.0, 0.060, 0.020, 10.0),
    "asset_income": (1_400_000.0, 0.040, 0.025, 9.0),
    "transfers": (1_050_000.0, 0.055, 0.020, 8.0),
    "contributions": (700_000.0, 0.045, 0.005, 8.0),
    "taxes": (1_200_000.0, 0.045, 0.030, 7.0),
    "other_outlays": (320_000.0, 0.045, 0.020, 6.0),
}
_QUARTERLY_NOMINAL = {
    "investment": (1_950_000.0, 0.042, 0.060, 8.0),
    "exports": (1_100_000.0, 0.045, 0.040, 6.0),
    "imports": (1_480_000.0, 0.046, 0.040, 6.0),
    "government": (1_720_000.0, 0.043, 0.008, 10.0),
}
# name: (annual inflation; cycle amplitude; cycle length in years)
_PRICES = {
    "durable": (-0.012, 0.010, 5.0),
    "nondurable": (0.022, 0.020, 4.0),
    "services": (0.028, 0.006, 6.0),
    "core": (0.021, 0.006, 6.0),
    "investment": (0.016, 0.010, 7.0),
    "exports": (0.014, 0.020, 5.0),
    "imports": (0.010, 0.025, 5.0),
    "government": (0.026, 0.006, 7.0),
}


# One deterministic noise for the whole sandbox (bea_sandbox/series.py).
_noise = noise


def _path(name: str, t_years: float, level: float, growth: float, amp: float, cycle: float) -> float:
    wave = amp * math.sin(2 * math.pi * t_years / cycle + _noise(name, "phase") * math.pi)
    return level * math.exp(growth * t_years) * (1 + wave + 0.002 * _noise(name, round(t_years, 4)))


def _price(name: str, t_years: float) -> float:
    inflation, amp, cycle = _PRICES[name]
    ref = t_years - (REFERENCE_YEAR + 0.5 - FIRST_YEAR)
    wave = amp * math.sin(2 * math.pi * t_years / cycle + _noise(name, "price-phase") * math.pi)
    return 100.0 * math.exp(inflation * ref) * (1 + wave)


@dataclass(frozen=True)
class Vintage:
    """What BEA has published as of one release: its date, how far its data reach, and the
    annual update in force (which fixes the revisions of older periods)."""

    release: date
    last_month: tuple[int, int]
    annual_update: date | None


def last_quarter_month(release: date) -> tuple[int, int]:
    """The last month of the newest quarter a GDP release covers (quarter ended ≥ 25 days ago)."""
    cutoff = release - timedelta(days=25)
    year, month = cutoff.year, cutoff.month
    while month % 3:
        month -= 1
    # the quarter ending in `month` must have ended by the cutoff
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    if end > cutoff:
        month -= 3
        if month <= 0:
            year, month = year - 1, month + 12
    return year, month


def last_month_before(release: date) -> tuple[int, int]:
    """Personal income and outlays cover the month before the release month."""
    return (release.year, release.month - 1) if release.month > 1 else (release.year - 1, 12)


def _revision(vintage: Vintage, name: str, year: int, month: int, scale: float) -> float:
    months_back = (vintage.last_month[0] - year) * 12 + vintage.last_month[1] - month
    if months_back < 6:
        epoch = f"release-{vintage.release}"
    elif vintage.annual_update and year >= vintage.annual_update.year - 5:
        epoch = f"annual-{vintage.annual_update}"
    else:
        epoch = "comprehensive-2023"
    return 1 + scale * _noise(name, year, month, epoch)


def _months(vintage: Vintage) -> list[tuple[int, int]]:
    last_y, last_m = vintage.last_month
    return [(y, m) for y in range(FIRST_YEAR, last_y + 1) for m in range(1, 13) if (y, m) <= (last_y, last_m)]


@lru_cache(maxsize=64)
def monthly(vintage: Vintage) -> dict[str, dict[tuple[int, int], float]]:
    """Monthly variables (nominal at annual rates in millions, prices 2017 = 100)."""
    out: dict[str, dict[tuple[int, int], float]] = {}
    months = _months(vintage)
    for name, params in _MONTHLY_NOMINAL.items():
        out[name] = {
            (y, m): _path(name, (y - FIRST_YEAR) + (m - 1) / 12, *params)
            * _revision(vintage, name, y, m, 0.004)
            for y, m in months
        }
    for name in ("durable", "nondurable", "services", "core"):
        raw = {
            (y, m): _price(name, (y - FIRST_YEAR) + (m - 1) / 12)
            * _revision(vintage, "p" + name, y, m, 0.0006)
            for y, m in months
        }
        out["price_" + name] = _rebase(raw)
    return out


def _rebase(series: dict[tuple[int, ...], float]) -> dict[tuple[int, ...], float]:
    ref = [v for k, v in series.items() if k[0] == REFERENCE_YEAR]
    base = sum(ref) / len(ref) if ref else 100.0
    return {k: v * 100.0 / base for k, v in series.items()}


@lru_cache(maxsize=64)
def monthly_accounts(vintage: Vintage) -> dict[str, dict[tuple[int, int], float]]:
    """Table 2.6 and 2.8.4 variables, derived so that their identities hold."""
    mo = monthly(vintage)
    out: dict[str, dict[tuple[int, int], float]] = {}
    keys = list(mo["durable"])
    pce = {k: mo["durable"][k] + mo["nondurable"][k] + mo["services"][k] for k in keys}
    real = {
        k: sum(mo[c][k] / mo["price_" + c][k] * 100 for c in ("durable", "nondurable", "services"))
        for k in keys
    }
    goods_real = {
        k: sum(mo[c][k] / mo["price_" + c][k] * 100 for c in ("durable", "nondurable")) for k in keys
    }
    out["nominal_pce"] = pce
    out["nominal_goods"] = {k: mo["durable"][k] + mo["nondurable"][k] for k in keys}
    for c in ("durable", "nondurable", "services"):
        out["nominal_" + c] = mo[c]
    out["price_pce"] = _rebase({k: pce[k] / real[k] * 100 for k in keys})
    out["price_goods"] = _rebase(
        {k: (mo["durable"][k] + mo["nondurable"][k]) / goods_real[k] * 100 for k in keys}
    )
    for c in ("durable", "nondurable", "services", "core"):
        out["price_" + c] = mo["price_" + c]
    for c in ("compensation", "proprietors", "rental", "asset_income", "transfers", "contributions", "taxes"):
        out[c] = mo[c]
    out["personal_income"] = {
        k: sum(mo[c][k] for c in ("compensation", "proprietors", "rental", "asset_income", "transfers"))
        - mo["contributions"][k]
        for k in keys
    }
    out["dpi"] = {k: out["personal_income"][k] - mo["taxes"][k] for k in keys}
    out["outlays"] = {k: pce[k] + mo["other_outlays"][k] for k in keys}
    out["saving"] = {k: out["dpi"][k] - out["outlays"][k] for k in keys}
    out["saving_rate"] = {k: out["saving"][k] / out["dpi"][k] * 100 for k in keys}
    return out


@lru_cache(maxsize=64)
def quarterly_accounts(vintage: Vintage) -> dict[str, dict[tuple[int, int], float]]:
    """Table 1.1.5 and 1.1.6 variables by (year, quarter); real values in chained 2017 dollars."""
    mo = monthly(vintage)
    quarters = sorted({(y, (m - 1) // 3 + 1) for y, m in mo["durable"]})
    quarters = [q for q in quarters if (q[0], q[1] * 3) in mo["durable"]]

    def q_mean(series: dict[tuple[int, int], float], q: tuple[int, int]) -> float:
        return sum(series[(q[0], q[1] * 3 - i)] for i in range(3)) / 3

    out: dict[str, dict[tuple[int, int], float]] = {}
    for c in ("durable", "nondurable", "services"):
        out["nominal_" + c] = {q: q_mean(mo[c], q) for q in quarters}
        out["real_" + c] = {
            q: q_mean({k: mo[c][k] / mo["price_" + c][k] * 100 for k in mo[c]}, q) for q in quarters
        }
    for name, params in _QUARTERLY_NOMINAL.items():
        out["nominal_" + name] = {
            q: _path(name, (q[0] - FIRST_YEAR) + (q[1] - 1) / 4, *params)
            * _revision(vintage, name, q[0], q[1] * 3, 0.006)
            for q in quarters
        }
        prices = _rebase({q: _price(name, (q[0] - FIRST_YEAR) + (q[1] - 1) / 4) for q in quarters})
        out["real_" + name] = {q: out["nominal_" + name][q] / prices[q] * 100 for q in quarters}
    for prefix in ("nominal_", "real_"):
        v = out
        v[prefix + "goods"] = {q: v[prefix + "durable"][q] + v[prefix + "nondurable"][q] for q in quarters}
        v[prefix + "pce"] = {q: v[prefix + "goods"][q] + v[prefix + "services"][q] for q in quarters}
        v[prefix + "net_exports"] = {q: v[prefix + "exports"][q] - v[prefix + "imports"][q] for q in quarters}
        v[prefix + "gdp"] = {
            q: v[prefix + "pce"][q]
            + v[prefix + "investment"][q]
            + v[prefix + "net_exports"][q]
            + v[prefix + "government"][q]
            for q in quarters
        }
    return out


def annual_from_quarters(series: dict[tuple[int, int], float]) -> dict[int, float]:
    """Annual levels are the mean of the four quarters at annual rates, for complete years."""
    years = sorted({y for y, _ in series})
    return {
        y: sum(series[(y, q)] for q in range(1, 5)) / 4
        for y in years
        if all((y, q) in series for q in range(1, 5))
    }
