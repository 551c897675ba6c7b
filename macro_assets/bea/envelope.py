"""Reading BEA's answer envelope: errors inside HTTP 200, Results, Data, Notes, the vintage.

Pure functions over bytes and dicts, testable without a server or Dagster.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from macro_assets.bea.errors import (
    BeaAuthError,
    BeaBadRequestError,
    BeaError,
    BeaSchemaError,
    BeaThrottledError,
)

# BEA serves ISO-8859-1; decoding as UTF-8 fails on some notes.
ENCODING = "ISO-8859-1"
REDACTED = "REDACTED"

_LAST_REVISED = re.compile(r"LastRevised:\s*([A-Z][a-z]+ \d{1,2}, \d{4})")
_LAST_UPDATED = re.compile(r"Last updated:\s*([A-Z][a-z]+ \d{1,2}, \d{4})")
# The stamp NIPA-shaped tables put after their title in the table's own note.
_STAMP = re.compile(r"\s*-\s*LastRevised:.*$", re.DOTALL)


_HTML = re.compile(r"<(?:!doctype|html|head|body|title)\b", re.IGNORECASE)
_TITLE = re.compile(r"<title>\s*([^<]{1,80})", re.IGNORECASE)


def decode(raw: bytes, context: str = "") -> dict[str, Any]:
    """Parse an answer's bytes; control characters in notes are tolerated. Errors say which
    answer (``context``: dataset, table, line) and what BEA sent instead."""
    what = f"BEA answer for {context}" if context else "BEA answer"
    if not raw.strip():
        raise BeaSchemaError(f"{what} was an empty body ({len(raw)} bytes)")
    text = raw.decode(ENCODING)
    html = _HTML.search(text)
    if html or text.lstrip().startswith("<"):
        # Overloaded BEA servers send an error page, alone or after the first bytes of JSON.
        title = _TITLE.search(text)
        shown = f": {title.group(1).strip()!r}" if title else ""
        at = html.start() if html else len(text) - len(text.lstrip())
        raise BeaSchemaError(f"{what} was HTML or XML instead of JSON (from byte {at} of {len(raw)}){shown}")
    try:
        doc = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        # Where the decoder ran out of text (an unterminated string is reported where it starts).
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise BeaSchemaError(
                f"{what} was cut short: JSON ends after {len(raw)} bytes ({exc.msg})"
            ) from None
        raise BeaSchemaError(f"{what} was invalid JSON ({exc.msg} at byte {exc.pos} of {len(raw)})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("BEAAPI"), dict):
        raise BeaSchemaError(f"{what} has no BEAAPI object")
    return doc


def results_of(doc: dict[str, Any]) -> dict[str, Any]:
    """``Results`` is an object for most datasets and a one-element list for some."""
    results = doc["BEAAPI"].get("Results")
    if isinstance(results, list):
        results = results[0] if results else None
    if not isinstance(results, dict):
        raise BeaSchemaError("BEA answer has no Results")
    return results


def _errors_in(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node]
    if isinstance(node, list):
        return [e for e in node if isinstance(e, dict)]
    return []


def find_errors(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Errors at ``BEAAPI.Error``, ``BEAAPI.Results.Error`` or ``Results[0].Error``."""
    api = doc["BEAAPI"]
    found = _errors_in(api.get("Error"))
    results = api.get("Results")
    for res in results if isinstance(results, list) else [results]:
        if isinstance(res, dict):
            found += _errors_in(res.get("Error"))
    return found


def _describe(err: dict[str, Any]) -> str:
    parts = [str(err.get("APIErrorDescription", "")).strip()]
    detail = err.get("ErrorDetail")
    for d in detail if isinstance(detail, list) else [detail]:
        if isinstance(d, dict) and d.get("Description"):
            parts.append(str(d["Description"]).strip())
    if err.get("AdditionalDetail"):
        parts.append(str(err["AdditionalDetail"]).strip())
    return ": ".join(p for p in parts if p)


def classify(err: dict[str, Any], context: str) -> BeaError:
    """Map one BEA error to the taxonomy; codes are reused, so read the description too."""
    code = str(err.get("APIErrorCode", "")).strip()
    text = _describe(err)
    message = f"BEA error {code or '?'} for {context}: {text or 'no description'}"
    lowered = text.lower()
    if "quota" in lowered or "exceeded" in lowered:
        return BeaThrottledError(message, code)
    if code in ("1", "3") or "userid" in lowered:
        return BeaAuthError(message, code)
    return BeaBadRequestError(message, code)


def raise_for_errors(doc: dict[str, Any], context: str) -> None:
    errors = find_errors(doc)
    if errors:
        raise classify(errors[0], context)


def data_rows(doc: dict[str, Any], context: str) -> list[dict[str, Any]]:
    """The ``Data`` rows; a single row may come as an object. Missing or empty is an error."""
    results = results_of(doc)
    rows = results.get("Data", doc["BEAAPI"].get("Data"))
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list) or not rows:
        raise BeaSchemaError(f"BEA answer for {context} has no Data rows")
    return rows


# Every field BEA always sends for a dataset (checked on the real answers in
# shared/reference/samples/real): a renamed one must fail, not become empty text. NoteRef is
# the only field BEA leaves out of some NIPA rows.
_NIPA_ROW = (
    "TableName",
    "SeriesCode",
    "LineNumber",
    "LineDescription",
    "TimePeriod",
    "METRIC_NAME",
    "CL_UNIT",
    "UNIT_MULT",
    "DataValue",
)
REQUIRED_FIELDS = {
    "NIPA": _NIPA_ROW,
    "NIUnderlyingDetail": _NIPA_ROW,
    "FixedAssets": _NIPA_ROW,
    "Regional": ("Code", "GeoFips", "GeoName", "TimePeriod", "DataValue", "CL_UNIT", "UNIT_MULT"),
}


def check_fields(rows: list[dict[str, Any]], dataset: str, context: str) -> None:
    """Every row has the fields the parser needs; extra fields are tolerated (and kept in bronze)."""
    required = REQUIRED_FIELDS.get(dataset, ())
    for row in rows:
        missing = [name for name in required if name not in row]
        if missing:
            raise BeaSchemaError(f"BEA answer for {context} lacks required field {missing[0]} in a Data row")


def notes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    raw = results_of(doc).get("Notes", [])
    return [raw] if isinstance(raw, dict) else [n for n in raw if isinstance(n, dict)]


def _long_date(text: str) -> date:
    return datetime.strptime(text, "%B %d, %Y").date()


def last_revised(doc: dict[str, Any], table_name: str) -> date:
    """The table's vintage: its own note's ``LastRevised`` (NIPA) or ``Last updated`` (Regional)."""
    all_notes = notes(doc)
    own = [n for n in all_notes if str(n.get("NoteRef", "")).strip().upper() == table_name.upper()]
    for note in own + all_notes:
        text = str(note.get("NoteText", ""))
        match = _LAST_REVISED.search(text) or _LAST_UPDATED.search(text)
        if match:
            try:
                return _long_date(match.group(1))
            except ValueError:
                continue
    raise BeaSchemaError(f"BEA answer for {table_name} has no LastRevised date in its notes")


def title(doc: dict[str, Any], table_name: str) -> str | None:
    """BEA's title of the table, as the answer gives it: Regional's ``PublicTable`` ("CAINC1
    Personal Income Summary: …"), else the table's own note (its NoteRef the table's name: "Table
    1.1.6. Real Gross Domestic Product, Chained Dollars [Billions of chained (2017) dollars] …")
    without its LastRevised stamp; None where the answer names none (ITA, MNE, …)."""
    public = results_of(doc).get("PublicTable")
    if isinstance(public, str) and public.strip():
        return " ".join(public.split())
    for note in notes(doc):
        if str(note.get("NoteRef", "")).strip().upper() == table_name.upper():
            text = " ".join(_STAMP.sub("", str(note.get("NoteText", ""))).split())
            if text:
                return text
    return None


# The datasets whose answers must say their vintage in the table's note (LastRevised): the
# capture's vintage rule depends on it, so an answer without it is refused.
NOTE_STAMPED = frozenset({"NIPA", "NIUnderlyingDetail", "FixedAssets"})
INTERNATIONAL = frozenset({"ITA", "IIP", "IntlServTrade", "IntlServSTA"})


def _ts_date(text: object) -> date | None:
    try:
        return datetime.fromisoformat(str(text).strip()).date() if text else None
    except ValueError:
        return None


def vintage(doc: dict[str, Any], dataset: str, table_name: str) -> date | None:
    """The day an answer's numbers were published, as the answer says it: LastRevised in the
    table's note (NIPA, NIUnderlyingDetail, FixedAssets: required), "Last updated" (Regional),
    TsLastUpdated (the international datasets: of the answer, else the latest of its rows).
    None when the answer carries no stamp (GDP by industry, input-output, MNE, some IIP and
    Regional answers): the capture then stands for the vintage (docs/architecture.md)."""
    if dataset in NOTE_STAMPED:
        return last_revised(doc, table_name)
    if dataset in INTERNATIONAL:
        results = results_of(doc)
        stamped = _ts_date(results.get("TsLastUpdated"))
        if stamped is not None:
            return stamped
        rows = results.get("Data", doc["BEAAPI"].get("Data")) or []
        rows = [rows] if isinstance(rows, dict) else rows
        stamps = [d for r in rows if isinstance(r, dict) and (d := _ts_date(r.get("TsLastUpdated")))]
        return max(stamps) if stamps else None
    if dataset == "Regional":
        try:
            return last_revised(doc, table_name)
        except BeaSchemaError:
            return None
    return None


def production_time(doc: dict[str, Any]) -> datetime | None:
    raw = results_of(doc).get("UTCProductionTime")
    try:
        return datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def redact(raw: bytes, api_key: str) -> bytes:
    """Remove every occurrence of the key from an answer, keeping all other bytes as BEA sent them."""
    if not api_key:
        return raw
    return raw.replace(api_key.encode(ENCODING), REDACTED.encode(ENCODING))


@dataclass(frozen=True)
class Answer:
    """One redacted GetData answer, parsed enough to know its vintage."""

    dataset: str
    table_name: str
    params: dict[str, str]
    raw: bytes
    http_status: int
    # None: the answer carries no vintage stamp (see ``vintage``).
    last_revised: date | None
    utc_production_time: datetime | None
    row_count: int
    # BEA's title of the table (``title``), when the answer names it.
    title: str | None = None
