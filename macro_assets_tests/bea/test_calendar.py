from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from macro_assets.bea.calendar import parse_release_dates, passed_release_dates
from macro_assets.bea.errors import BeaSchemaError

DOC = {
    "Gross Domestic Product": {
        "release_dates": [
            "2026-09-25T08:30:00-04:00",
            "2026-10-29T08:30:00-04:00",
            "not a date",
            "2026-11-25T08:30:00",
        ]
    },
    "Personal Income and Outlays": {"release_dates": ["2026-10-30T08:30:00-04:00"]},
    "file_last_updated": "2026-11-01T06:00:00-05:00",
}


def test_parse_skips_non_releases_and_bad_dates() -> None:
    schedule = parse_release_dates(json.dumps(DOC).encode())
    assert set(schedule) == {"Gross Domestic Product", "Personal Income and Outlays"}
    assert len(schedule["Gross Domestic Product"]) == 2  # naive and unparseable stamps dropped


def test_passed_dates_are_bea_local_dates_up_to_now() -> None:
    schedule = parse_release_dates(json.dumps(DOC).encode())
    at = datetime(2026, 10, 30, 12, 29, tzinfo=UTC)  # 08:29 Eastern: PIO not out yet
    names = ["Gross Domestic Product", "Personal Income and Outlays"]
    assert passed_release_dates(schedule, names, at) == [date(2026, 9, 25), date(2026, 10, 29)]
    later = datetime(2026, 10, 30, 12, 30, tzinfo=UTC)
    assert passed_release_dates(schedule, names, later)[-1] == date(2026, 10, 30)


def test_unknown_release_name_is_refused() -> None:
    schedule = parse_release_dates(json.dumps(DOC).encode())
    with pytest.raises(BeaSchemaError, match="'GDP by Metro'"):
        passed_release_dates(schedule, ["GDP by Metro"], datetime.now(UTC))


def test_not_json_is_a_schema_error() -> None:
    with pytest.raises(BeaSchemaError):
        parse_release_dates(b"<html>")
