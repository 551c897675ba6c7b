"""BEA's NIPA at full scale: hundreds of detail tables reaching back to 1929 (annual) and 1947
(quarterly), about three million observations per vintage, as the whole NIPA dataset is.

Their numbers are not an economy (they are deterministic random walks), but their volume,
shape and revisions are BEA's: the benchmark fetches, parses and loads them like any table.
Each release revises the last eight quarters of every series and the annual update the last
five years, so consecutive vintages differ only where BEA's would.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

COUNT = 260
LINES = 24
FIRST_YEAR, FIRST_QUARTER_YEAR = 1929, 1947
PREFIX = "T9"


def names(count: int = COUNT) -> list[str]:
    return [f"{PREFIX}{i:04d}" for i in range(1, count + 1)]


def _unit(*parts: object) -> float:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@lru_cache(maxsize=4096)
def _quarterly_path(table: str, line: int, last_year: int) -> tuple[float, ...]:
    """Quarterly levels from 1929Q1 to last_year Q4 (annual values are their means)."""
    level = 50.0 + 950.0 * _unit(table, line, "start")
    drift = 0.004 + 0.01 * _unit(table, line, "drift")
    values = []
    for i in range((last_year - FIRST_YEAR + 1) * 4):
        shock = (_unit(table, line, i) - 0.5) * 0.02
        level *= math.exp(drift + shock)
        values.append(level)
    return tuple(values)


def series(
    table: str, line: int, frequency: str, last: tuple[int, int], release_ordinal: int, annual_update: int
) -> dict[str, float]:
    """One line's values through the quarter ``last`` (year, quarter) as of a release: the last
    eight quarters carry a revision keyed by the release, the five years before the annual
    update one keyed by that update."""
    last_year, last_q = last
    path = _quarterly_path(table, line, last_year)
    n_quarters = (last_year - FIRST_YEAR) * 4 + last_q
    revised = []
    for i in range(n_quarters):
        value = path[i]
        if i >= n_quarters - 8:
            value *= 1 + (_unit(table, line, i, "release", release_ordinal) - 0.5) * 0.004
        elif FIRST_YEAR + i // 4 >= annual_update - 5:
            value *= 1 + (_unit(table, line, i, "annual", annual_update) - 0.5) * 0.002
        revised.append(value)
    if frequency == "Q":
        return {
            f"{FIRST_YEAR + i // 4}Q{i % 4 + 1}": v
            for i, v in enumerate(revised)
            if FIRST_YEAR + i // 4 >= FIRST_QUARTER_YEAR
        }
    return {str(FIRST_YEAR + y): sum(revised[4 * y : 4 * y + 4]) / 4 for y in range(n_quarters // 4)}
