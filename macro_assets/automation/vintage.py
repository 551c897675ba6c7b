"""Which vintage BEA serves now: a small request per table, read for its LastRevised."""

from __future__ import annotations

from datetime import UTC, date, datetime

from macro_assets.bea.client import BeaClient
from macro_assets.catalog import CatalogTable


def now() -> datetime:
    """The pipeline's clock (one place, so tests can move it)."""
    return datetime.now(UTC)


def probe_params(table: CatalogTable, line_code: str, today: date) -> dict[str, str]:
    # An explicit year BEA has surely published keeps the answer small (Year=ALL can be megabytes).
    if table.is_regional:
        return {"LineCode": line_code, "GeoFips": "00000", "Year": str(today.year - 2)}
    return {"Frequency": table.frequencies[0], "Year": str(today.year - 1)}


def served_vintage(client: BeaClient, table: CatalogTable, today: date) -> date:
    """The LastRevised of what BEA serves for ``table`` right now."""
    line = ""
    if table.is_regional:
        line = table.lines[0] if table.lines else client.line_codes(table.dataset, table.table)[0]
    answer = client.get_data(table.dataset, table.table, **probe_params(table, line, today))
    return answer.last_revised
