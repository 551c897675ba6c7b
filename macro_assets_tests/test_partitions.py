from __future__ import annotations

from datetime import date

import pytest

from macro_assets.partitions import InvalidReleaseKey, parse_release_key


def test_valid_key() -> None:
    assert parse_release_key("2026-10-29") == date(2026, 10, 29)


@pytest.mark.parametrize(
    "key",
    ["../../etc", "2026-13-45", "2026-02-30", "2026-1-5", "20261029", "2026-10-29 ", "2026-10-29/../x", ""],
)
def test_anything_else_is_refused(key: str) -> None:
    with pytest.raises(InvalidReleaseKey, match="invalid release date partition key"):
        parse_release_key(key)
