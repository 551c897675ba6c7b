"""How each BEA dataset's Data rows become observations: which fields name the table and the
series, where the period, the value and the unit are, and which fields are kept as the series'
dimensions. Calibrated field by field on the real answers in shared/reference/samples/real.

NIPA-shaped answers (NIPA, NIUnderlyingDetail, FixedAssets) and Regional's have readers of their
own in ``transform.observations`` (they are the large ones, read without a Python object per
row); every other dataset is read here through the exact decoder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaSchemaError

# Separates the dimension values that make a series_id (none of BEA's codes holds one).
SERIES_SEPARATOR = "|"


@dataclass(frozen=True)
class RowShape:
    """One dataset family's Data rows, as BEA names their fields."""

    # Fields every row carries: a renamed one must fail, not become empty text.
    required: tuple[str, ...]
    # Fields whose values, joined by SERIES_SEPARATOR, identify a series across vintages.
    series: tuple[str, ...]
    # The period: TimePeriod, or Year with Quarter (GDP by industry), or Year alone.
    period: tuple[str, ...]
    # The row field that names the table; None: the table is the request's (the catalog's name).
    table: str | None = None
    # The value's fields, the first non-empty one wins (MNE: DataValueUnformatted has no commas).
    value: tuple[str, ...] = ("DataValue",)
    unit: str | None = "CL_UNIT"
    unit_mult: str | None = "UNIT_MULT"
    # A "Millions of Dollars" field that gives unit and multiplier at once (MNE).
    scale: str | None = None
    description: str | None = None
    # Fields not kept as dimensions: they are columns of their own or repeat another field.
    left_out: frozenset[str] = field(default_factory=frozenset)
    # The unit is in the title of the table's own note, "… [Billions of dollars]" (GDP by
    # industry gives it nowhere else).
    unit_in_note: bool = False


_INTERNATIONAL = {
    "series": ("TimeSeriesId",),
    "period": ("TimePeriod",),
    "description": "TimeSeriesDescription",
    # Year repeats TimePeriod's year.
    "left_out": frozenset({"Year"}),
}
_GDP_BY_INDUSTRY = RowShape(
    required=("TableID", "Frequency", "Year", "Quarter", "Industry", "DataValue"),
    # Tables of components (value added: compensation, taxes, surplus) repeat an industry once
    # per component, told apart only by the description.
    series=("Industry", "IndustrYDescription"),
    period=("Year", "Quarter"),
    table="TableID",
    unit=None,
    unit_mult=None,
    # BEA's spelling, sic.
    description="IndustrYDescription",
    left_out=frozenset({"Frequency"}),
    unit_in_note=True,
)
SHAPES: dict[str, RowShape] = {
    "GDPbyIndustry": _GDP_BY_INDUSTRY,
    "UnderlyingGDPbyIndustry": _GDP_BY_INDUSTRY,
    "ITA": RowShape(
        required=("Indicator", "AreaOrCountry", "Frequency", "TimeSeriesId", "TimePeriod", "DataValue"),
        **_INTERNATIONAL,
    ),
    "IIP": RowShape(
        required=("TypeOfInvestment", "Component", "Frequency", "TimeSeriesId", "TimePeriod", "DataValue"),
        **_INTERNATIONAL,
    ),
    "IntlServTrade": RowShape(
        required=("TypeOfService", "TradeDirection", "Affiliation", "AreaOrCountry", "TimeSeriesId"),
        **_INTERNATIONAL,
    ),
    # No real IntlServSTA answer was at hand: BEA documents it as IntlServTrade's sibling
    # (TimeSeriesId, TimePeriod, CL_UNIT, UNIT_MULT, TsLastUpdated); only those are required.
    "IntlServSTA": RowShape(required=("TimeSeriesId", "TimePeriod", "DataValue"), **_INTERNATIONAL),
    "InputOutput": RowShape(
        required=("TableID", "Year", "RowCode", "ColCode", "DataValue"),
        series=("RowCode", "ColCode"),
        period=("Year",),
        table="TableID",
        unit=None,
        unit_mult=None,
    ),
    "MNE": RowShape(
        required=("Year", "SeriesID", "RowCode", "ColumnCode", "DataValue"),
        series=("SeriesID", "RowCode", "ColumnCode", "ColumnParentCode", "ColumnGParentCode"),
        period=("Year",),
        value=("DataValueUnformatted", "DataValue"),
        unit=None,
        unit_mult=None,
        scale="TableScale",
        description="SeriesName",
        # Display positions in BEA's printed table, not properties of the value.
        left_out=frozenset({"TableColumnDisplayOrder", "TableRowDisplayOrder"}),
    ),
}
DATASETS = frozenset(SHAPES)
_QUARTERS = {"I": "1", "II": "2", "III": "3", "IV": "4", "1": "1", "2": "2", "3": "3", "4": "4"}
_SCALE = re.compile(r"^\s*(Thousands|Millions|Billions|Trillions) of (.+?)\s*$", re.IGNORECASE)
_SCALE_POWERS = {"thousands": 3, "millions": 6, "billions": 9, "trillions": 12}
_TITLE_UNIT = re.compile(r"\[([^\[\]]+)\]\s*$")


def scale_unit(text: str) -> tuple[str, int]:
    """("Dollars", 6) for "Millions of Dollars"; a scale without a multiplier word is its own
    unit at 10^0."""
    m = _SCALE.match(text or "")
    if not m:
        return (text or "").strip(), 0
    return m.group(2), _SCALE_POWERS[m.group(1).lower()]


def bea_period(year: str, quarter: str) -> str:
    """GDP by industry's (Year, Quarter) in BEA's period grammar: annual rows repeat the year
    as their Quarter; quarterly ones say I-IV. Anything else is returned as is, for the period
    check to name."""
    year, quarter = year.strip(), quarter.strip()
    if quarter == year:
        return year
    q = _QUARTERS.get(quarter.upper())
    return f"{year}Q{q}" if q else f"{year}Q{quarter}"


def _series(values: Mapping[str, object], fields: tuple[str, ...]) -> str:
    return SERIES_SEPARATOR.join(str(values.get(f, "") or "").strip() for f in fields)


def answer_rows(raw: bytes, dataset: str, table_name: str) -> pl.DataFrame:
    """One answer of a dataset in ``SHAPES`` as silver's text columns (``observations._RAW``
    with series_id and dimensions); ``table_name`` is the catalog's name of the request."""
    shape = SHAPES[dataset]
    context = f"{dataset}/{table_name}"
    doc = envelope.decode(raw, context)
    envelope.raise_for_errors(doc, context)
    rows = envelope.data_rows(doc, context)
    titles = {str(n.get("NoteRef", "")).strip(): str(n.get("NoteText", "")) for n in envelope.notes(doc)}
    records = []
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise BeaSchemaError(f"BEA answer for {context}: Data row {number} is not an object")
        missing = [f for f in shape.required if f not in row]
        if missing:
            raise BeaSchemaError(f"BEA answer for {context} lacks required field {missing[0]} in a Data row")
        records.append(_record(shape, row, dataset, table_name, context, titles))
    return pl.DataFrame(records, schema=dict.fromkeys(RAW_COLUMNS, pl.String()), orient="row")


RAW_COLUMNS = (
    "answer",
    "dataset",
    "table",
    "line",
    "series",
    "description",
    "geo_fips",
    "geo_name",
    "period",
    "raw_value",
    "note_ref",
    "metric",
    "unit",
    "unit_mult",
    "series_id",
    "dimensions",
)


def _text(row: Mapping[str, object], name: str | None) -> str | None:
    if name is None or row.get(name) is None:
        return None
    return str(row[name])


def title_unit(title: str) -> tuple[str, int] | None:
    """The unit a table's title ends with, "… [Billions of dollars]" → ("dollars", 9)."""
    m = _TITLE_UNIT.search(title)
    return scale_unit(m.group(1)) if m else None


def _record(
    shape: RowShape, row: dict, dataset: str, table_name: str, context: str, titles: dict[str, str]
) -> tuple:
    if shape.period == ("Year", "Quarter"):
        period = bea_period(str(row["Year"]), str(row["Quarter"]))
    else:
        period = str(row.get(shape.period[0], ""))
    value = next((str(row[f]) for f in shape.value if str(row.get(f) or "").strip()), "")
    unit, unit_mult = _text(row, shape.unit), _text(row, shape.unit_mult)
    if shape.scale is not None and row.get(shape.scale) is not None:
        unit, power = scale_unit(str(row[shape.scale]))
        unit_mult = str(power)
    table = str(row[shape.table]).strip() if shape.table else table_name
    if shape.unit_in_note and (found := title_unit(titles.get(table, ""))):
        unit, unit_mult = found[0], str(found[1])
    taken = {*shape.period, *shape.value, "NoteRef", *shape.left_out}
    taken |= {f for f in (shape.unit, shape.unit_mult, shape.scale, shape.description, shape.table) if f}
    dimensions = {k: v for k, v in row.items() if k not in taken}
    return (
        context,
        dataset,
        table,
        None,
        None,
        _text(row, shape.description),
        None,
        None,
        period,
        value,
        str(row.get("NoteRef") or ""),
        None,
        unit,
        unit_mult,
        _series(row, shape.series),
        _json(dimensions),
    )


def _json(values: dict) -> str | None:
    # Keys sorted, text as sent: the same dimensions are the same text in every vintage.
    return (
        json.dumps({k: "" if v is None else str(v) for k, v in values.items()}, sort_keys=True)
        if values
        else None
    )
