"""Silver: BEA GetData answers to one typed long table of observations."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaSchemaError
from macro_assets.transform.periods import canonical_period, parse_period

# A marker is a status, never a zero and never a parse error.
MARKERS = frozenset({"(NA)", "(D)", "(NM)", "(*)", "(L)", "(S)", "(X)", "n.s.", "n.a.", "...", ""})

SCHEMA: dict[str, pl.DataType] = {
    "dataset": pl.String(),
    "table_name": pl.String(),
    "line_number": pl.Int32(),
    "series_code": pl.String(),
    "line_description": pl.String(),
    "time_period": pl.String(),
    "frequency": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "value": pl.Float64(),
    "value_status": pl.String(),
    "metric_name": pl.String(),
    "unit": pl.String(),
    "unit_mult": pl.Int32(),
    "release_date": pl.Date(),
}
KEY = ["dataset", "table_name", "line_number", "time_period"]
NIPA_REQUIRED = ("TableName", "LineNumber", "TimePeriod", "DataValue", "CL_UNIT", "UNIT_MULT")


def parse_value(raw: str, note_ref: str = "") -> tuple[float | None, str | None]:
    """(value, marker) for a DataValue string with display commas."""
    text = raw.strip()
    if note_ref.strip() == "(D)":
        # BEA sometimes sends a suppressed cell as "0" with the marker in NoteRef.
        return None, "(D)"
    if text in MARKERS:
        return None, text or "(empty)"
    try:
        return float(text.replace(",", "")), None
    except ValueError:
        raise BeaSchemaError(f"unknown DataValue marker {raw!r}") from None


def _field(row: dict[str, Any], name: str, context: str) -> str:
    if name not in row:
        raise BeaSchemaError(f"BEA answer for {context} lacks required field {name} in a Data row")
    return str(row[name])


def nipa_frame(raw: bytes, dataset: str, table_name: str, release_date: date) -> pl.DataFrame:
    """Observations of one NIPA-shaped answer (NIPA, NIUnderlyingDetail)."""
    context = f"{dataset}/{table_name}"
    doc = envelope.decode(raw)
    envelope.raise_for_errors(doc, context)
    rows = envelope.data_rows(doc, context)
    cols: dict[str, list[Any]] = {name: [] for name in SCHEMA}
    for row in rows:
        values = {name: _field(row, name, context) for name in NIPA_REQUIRED}
        try:
            frequency, start, end = parse_period(values["TimePeriod"])
            value, status = parse_value(values["DataValue"], str(row.get("NoteRef", "")))
            line, mult = int(values["LineNumber"]), int(values["UNIT_MULT"])
        except (ValueError, BeaSchemaError) as exc:
            raise BeaSchemaError(f"BEA answer for {context}: {exc}") from None
        cols["dataset"].append(dataset)
        cols["table_name"].append(values["TableName"].upper())
        cols["line_number"].append(line)
        cols["series_code"].append(str(row.get("SeriesCode", "")))
        cols["line_description"].append(str(row.get("LineDescription", "")))
        cols["time_period"].append(canonical_period(frequency, end))
        cols["frequency"].append(frequency)
        cols["period_start"].append(start)
        cols["period_end"].append(end)
        cols["value"].append(value)
        cols["value_status"].append(status)
        cols["metric_name"].append(str(row.get("METRIC_NAME", "")))
        cols["unit"].append(values["CL_UNIT"])
        cols["unit_mult"].append(mult)
        cols["release_date"].append(release_date)
    frame = pl.DataFrame(cols, schema=SCHEMA)
    dupes = frame.filter(frame.select(KEY).is_duplicated())
    if dupes.height:
        first = dupes.row(0, named=True)
        raise BeaSchemaError(
            f"BEA answer for {context} repeats line {first['line_number']} period {first['time_period']}"
        )
    return frame


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)
