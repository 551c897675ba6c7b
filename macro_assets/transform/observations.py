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
    "geo_fips": pl.String(),
    "geo_name": pl.String(),
    "geo_level": pl.String(),
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
KEY = ["dataset", "table_name", "line_number", "geo_fips", "time_period"]
NIPA_REQUIRED = envelope.REQUIRED_FIELDS["NIPA"]
REGIONAL_REQUIRED = envelope.REQUIRED_FIELDS["Regional"]
NATION = ("00000", "United States")
_REGIONS = {f"{n}000" for n in range(91, 99)}


def geo_level(fips: str) -> str:
    """nation (00000), BEA region (91000-98000), state (SS000), or local (county, metro area)."""
    if fips == NATION[0]:
        return "nation"
    if fips in _REGIONS:
        return "region"
    return "state" if fips.endswith("000") else "local"


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


class _Columns:
    """Column lists filled row by row, then typed once."""

    def __init__(self, dataset: str, release_date: date, context: str):
        self.cols: dict[str, list[Any]] = {name: [] for name in SCHEMA}
        self.dataset, self.release_date, self.context = dataset, release_date, context

    def add(
        self,
        table: str,
        line: str,
        series: str,
        description: str,
        geo: tuple[str, str],
        period: str,
        raw_value: str,
        note_ref: str,
        metric: str,
        unit: str,
        unit_mult: str,
    ) -> None:
        try:
            frequency, start, end = parse_period(period)
            value, status = parse_value(raw_value, note_ref)
            line_number, mult = int(line), int(unit_mult)
        except (ValueError, BeaSchemaError) as exc:
            raise BeaSchemaError(f"BEA answer for {self.context}: {exc}") from None
        row = (
            self.dataset,
            table.upper(),
            line_number,
            series,
            description,
            geo[0],
            geo[1],
            geo_level(geo[0]),
            canonical_period(frequency, end),
            frequency,
            start,
            end,
            value,
            status,
            metric,
            unit,
            mult,
            self.release_date,
        )
        for column, item in zip(self.cols.values(), row, strict=True):
            column.append(item)

    def frame(self) -> pl.DataFrame:
        frame = pl.DataFrame(self.cols, schema=SCHEMA)
        dupes = frame.filter(frame.select(KEY).is_duplicated())
        if dupes.height:
            first = dupes.row(0, named=True)
            raise BeaSchemaError(
                f"BEA answer for {self.context} repeats line {first['line_number']} "
                f"geo {first['geo_fips']} period {first['time_period']}"
            )
        return frame


def _rows(raw: bytes, context: str, required: tuple[str, ...]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    doc = envelope.decode(raw)
    envelope.raise_for_errors(doc, context)
    rows = envelope.data_rows(doc, context)
    for row in rows:
        for name in required:
            _field(row, name, context)
    return doc, rows


def nipa_frame(raw: bytes, dataset: str, table_name: str, release_date: date) -> pl.DataFrame:
    """Observations of one NIPA-shaped answer (NIPA, NIUnderlyingDetail): the nation only."""
    context = f"{dataset}/{table_name}"
    _, rows = _rows(raw, context, NIPA_REQUIRED)
    out = _Columns(dataset, release_date, context)
    for row in rows:
        out.add(
            str(row["TableName"]),
            str(row["LineNumber"]),
            str(row.get("SeriesCode", "")),
            str(row.get("LineDescription", "")),
            NATION,
            str(row["TimePeriod"]),
            str(row["DataValue"]),
            str(row.get("NoteRef", "")),
            str(row.get("METRIC_NAME", "")),
            str(row["CL_UNIT"]),
            str(row["UNIT_MULT"]),
        )
    return out.frame()


def regional_frame(raw: bytes, table_name: str, release_date: date) -> pl.DataFrame:
    """Observations of one Regional answer (one line of a table, many geographies).

    The line number comes from ``Code`` (``SAINC1-3`` → 3); the line's description is the
    Results-level ``Statistic``. Nation and region rows are kept and labelled by geo_level.
    """
    context = f"Regional/{table_name}"
    doc, rows = _rows(raw, context, REGIONAL_REQUIRED)
    statistic = str(envelope.results_of(doc).get("Statistic", ""))
    out = _Columns("Regional", release_date, context)
    for row in rows:
        code = str(row["Code"])
        table, _, line = code.rpartition("-")
        if table.upper() != table_name.upper():
            # Regional codes can abbreviate the table (CAINC1 rows come as CA1-3): keep the request's name.
            table = table_name
        out.add(
            table,
            line,
            code,
            statistic,
            (str(row["GeoFips"]), str(row["GeoName"])),
            str(row["TimePeriod"]),
            str(row["DataValue"]),
            str(row.get("NoteRef", "")),
            "",
            str(row["CL_UNIT"]),
            str(row["UNIT_MULT"]),
        )
    return out.frame()


def answer_frame(raw: bytes, dataset: str, table_name: str, release_date: date) -> pl.DataFrame:
    if dataset == "Regional":
        return regional_frame(raw, table_name, release_date)
    return nipa_frame(raw, dataset, table_name, release_date)


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)
