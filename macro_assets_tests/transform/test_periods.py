from __future__ import annotations

from datetime import date

import pytest

from macro_assets.transform.periods import canonical_period, parse_period


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023", ("A", date(2023, 1, 1), date(2023, 12, 31))),
        ("2024Q1", ("Q", date(2024, 1, 1), date(2024, 3, 31))),
        ("2023Q4", ("Q", date(2023, 10, 1), date(2023, 12, 31))),
        ("2024M02", ("M", date(2024, 2, 1), date(2024, 2, 29))),
        ("2023M1", ("M", date(2023, 1, 1), date(2023, 1, 31))),
    ],
)
def test_parse(text: str, expected: tuple) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2023Q5", "2023M13", "2023M0", "23Q1", "2023-01", ""])
def test_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


def test_canonical_spelling_pads_months() -> None:
    freq, _, end = parse_period("2023M1")
    assert canonical_period(freq, end) == "2023M01"
    assert canonical_period("Q", date(2024, 6, 30)) == "2024Q2"
