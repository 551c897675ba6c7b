"""Partitions: one per BEA release date (``YYYY-MM-DD``), registered as releases happen."""

from __future__ import annotations

import re
from datetime import date

import dagster as dg

release_date_partitions = dg.DynamicPartitionsDefinition(name="release_date")

_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidReleaseKey(ValueError):
    pass


def parse_release_key(key: str) -> date:
    """A release partition key as a date; anything else is refused before any I/O."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidReleaseKey(f"invalid release date partition key {key!r}: expected YYYY-MM-DD")
    try:
        return date.fromisoformat(key)
    except ValueError:
        raise InvalidReleaseKey(f"invalid release date partition key {key!r}: no such date") from None
