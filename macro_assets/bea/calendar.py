"""BEA's release calendar (release_dates.json): which release happened when."""

from __future__ import annotations

import json
from datetime import date, datetime

from macro_assets.bea.errors import BeaSchemaError


def parse_release_dates(raw: bytes) -> dict[str, list[datetime]]:
    """Release name → release datetimes (with offsets). Non-release entries such as
    ``file_last_updated`` and unparseable dates are skipped; the shape is undocumented."""
    try:
        doc = json.loads(raw.decode("utf-8-sig", errors="replace"), strict=False)
    except json.JSONDecodeError as exc:
        raise BeaSchemaError(f"BEA release calendar is not JSON ({exc.msg})") from None
    if not isinstance(doc, dict):
        raise BeaSchemaError("BEA release calendar is not a JSON object")
    out: dict[str, list[datetime]] = {}
    for name, entry in doc.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("release_dates"), list):
            continue
        stamps: list[datetime] = []
        for value in entry["release_dates"]:
            try:
                stamp = datetime.fromisoformat(str(value))
            except ValueError:
                continue
            if stamp.tzinfo is not None:
                stamps.append(stamp)
        out[name] = sorted(stamps)
    return out


def passed_release_dates(
    calendar: dict[str, list[datetime]], releases: list[str], now: datetime
) -> list[date]:
    """The dates (as BEA's local date) on which any of ``releases`` was published by ``now``."""
    missing = [r for r in releases if r not in calendar]
    if missing:
        raise BeaSchemaError(f"BEA release calendar has no release named {missing[0]!r}")
    return sorted({d.date() for r in releases for d in calendar[r] if d <= now})
