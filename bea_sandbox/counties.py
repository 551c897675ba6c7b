"""Counties for the Regional county tables (CAINC…): about 3,100 of them, each state's shared
out by deterministic weights (a few large counties, many small ones), named the way BEA names
them ("County 001, AL"), with FIPS codes state + odd three digits as the Census numbers them.
County values add up to their state's; the smallest counties' industry lines are suppressed,
sent as DataValue "0" with NoteRef "(D)" as in BEA's real county answers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bea_sandbox.geography import STATES
from bea_sandbox.series import noise

# Counties per million people, so that the nation has about as many as BEA publishes.
PER_MILLION = 9.4
POSTAL = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
    "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
    "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
    "28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
    "36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI",
    "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
    "54": "WV", "55": "WI", "56": "WY",
}  # fmt: skip
# A county whose share of its state is below this has its industry lines suppressed.
SUPPRESSED_BELOW = 0.004


@dataclass(frozen=True)
class County:
    fips: str
    name: str
    state: str  # two-digit state code
    weight: float  # share of the state, summing to 1 over the state


@lru_cache(maxsize=1)
def counties() -> tuple[County, ...]:
    out = []
    for code, _, population, _ in STATES:
        if code == "11":
            out.append(County("11001", "District of Columbia", code, 1.0))
            continue
        n = max(3, round(population * PER_MILLION))
        raw = [(1 + 0.3 * noise(code, k, "size")) / (k + 1) ** 0.9 for k in range(n)]
        total = sum(raw)
        out += [
            County(f"{code}{2 * k + 1:03d}", f"County {2 * k + 1:03d}, {POSTAL[code]}", code, w / total)
            for k, w in enumerate(raw)
        ]
    return tuple(out)


def in_state(postal: str) -> list[County]:
    """A state's counties by its postal code (BEA's GeoFips "NY"); empty when unknown."""
    code = next((c for c, p in POSTAL.items() if p == postal.upper()), None)
    return [c for c in counties() if c.state == code]


def by_fips() -> dict[str, County]:
    return {c.fips: c for c in counties()}
