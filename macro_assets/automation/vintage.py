"""Which vintage BEA serves now: a small request per table, read for its vintage stamp."""

from __future__ import annotations

from datetime import UTC, date, datetime

from macro_assets.bea import envelope
from macro_assets.bea.client import BeaClient
from macro_assets.catalog import CatalogTable


def now() -> datetime:
    """The pipeline's clock (one place, so tests can move it)."""
    return datetime.now(UTC)


def can_probe(table: CatalogTable) -> bool:
    """Whether asking BEA for a little of ``table`` tells its vintage: its dataset stamps every
    answer, and the entry names one table. GDP by industry, input-output, MNE and (sometimes)
    IIP carry no stamp: their release is known from BEA's calendar alone."""
    stamped = envelope.NOTE_STAMPED | envelope.INTERNATIONAL | {"Regional"}
    return table.dataset in stamped and not table.every_table


def probe_params(table: CatalogTable, line_code: str, today: date) -> dict[str, str]:
    # An explicit year BEA has surely published keeps the answer small (Year=ALL can be megabytes).
    params = table.request()
    if table.is_regional:
        return params | {"LineCode": line_code, "GeoFips": "00000", "Year": str(today.year - 2)}
    if "Frequency" in params and table.frequencies:
        params["Frequency"] = table.frequencies[0]
    return params | {"Year": str(today.year - 1)}


def served_vintage(client: BeaClient, table: CatalogTable, today: date) -> date | None:
    """The vintage of what BEA serves for ``table`` right now; None when its answers carry no
    stamp (see ``can_probe``)."""
    if not can_probe(table):
        return None
    line = ""
    if table.is_regional:
        line = table.lines[0] if table.lines else client.line_codes(table.dataset, table.table)[0]
    answer = client.get_data(table.dataset, table.table, **probe_params(table, line, today))
    return answer.last_revised
