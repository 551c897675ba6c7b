"""Silver: BEA GetData answers to one typed long table of observations."""

from __future__ import annotations

from datetime import date

import polars as pl

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaSchemaError

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


# The columns an answer's rows are read into (as text) before typing, whatever the dataset.
_RAW = (
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
)
_PERIOD = r"^(\d{4})(?:Q([1-4])|M(\d{1,2}))?$"


def _first_bad(frame: pl.DataFrame, bad: pl.Expr, column: str) -> str | None:
    found = frame.filter(bad).select(column).head(1)
    return None if found.is_empty() else found.item()


def _typed(raw: pl.DataFrame, dataset: str, release_date: date, context: str) -> pl.DataFrame:
    """Text columns of one answer → silver's typed columns, column at a time (no Python per row).
    Errors name the answer and the first offending value."""
    parts = pl.col("period").str.strip_chars().str.extract_groups(_PERIOD)
    frame = raw.with_columns(
        parts.struct.field("1").cast(pl.Int32).alias("_year"),
        parts.struct.field("2").cast(pl.Int32).alias("_q"),
        parts.struct.field("3").cast(pl.Int32).alias("_m"),
        pl.col("raw_value").str.strip_chars().alias("_text"),
        (pl.col("note_ref").str.strip_chars() == "(D)").fill_null(False).alias("_suppressed"),
    )
    bad_period = pl.col("_year").is_null() | (pl.col("_m").is_not_null() & ~pl.col("_m").is_between(1, 12))
    if (period := _first_bad(frame, bad_period, "period")) is not None:
        raise BeaSchemaError(f"BEA answer for {context}: unrecognised BEA time period {period!r}")
    is_marker = pl.col("_text").is_in(list(MARKERS))
    number = pl.col("_text").str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    bad_value = ~pl.col("_suppressed") & ~is_marker & number.is_null()
    if (value := _first_bad(frame, bad_value, "raw_value")) is not None:
        raise BeaSchemaError(f"BEA answer for {context}: unknown DataValue marker {value!r}")
    for column, what in (("line", "line number"), ("unit_mult", "UNIT_MULT")):
        text = _first_bad(
            frame, pl.col(column).str.strip_chars().cast(pl.Int32, strict=False).is_null(), column
        )
        if text is not None:
            raise BeaSchemaError(f"BEA answer for {context}: {what} {text!r} is not a whole number")
    frequency = (
        pl.when(pl.col("_q").is_not_null())
        .then(pl.lit("Q"))
        .when(pl.col("_m").is_not_null())
        .then(pl.lit("M"))
        .otherwise(pl.lit("A"))
    )
    first_month = pl.coalesce(pl.col("_q") * 3 - 2, pl.col("_m"), pl.lit(1))
    last_month = pl.coalesce(pl.col("_q") * 3, pl.col("_m"), pl.lit(12))
    year = pl.col("_year").cast(pl.String)
    fips = pl.col("geo_fips")
    typed = frame.select(
        pl.lit(dataset).alias("dataset"),
        pl.col("table").str.to_uppercase().alias("table_name"),
        pl.col("line").str.strip_chars().cast(pl.Int32).alias("line_number"),
        pl.col("series").alias("series_code"),
        pl.col("description").alias("line_description"),
        fips.alias("geo_fips"),
        pl.col("geo_name"),
        pl.when(fips == NATION[0])
        .then(pl.lit("nation"))
        .when(fips.is_in(list(_REGIONS)))
        .then(pl.lit("region"))
        .when(fips.str.ends_with("000"))
        .then(pl.lit("state"))
        .otherwise(pl.lit("local"))
        .alias("geo_level"),
        pl.when(pl.col("_q").is_not_null())
        .then(pl.concat_str(year, pl.lit("Q"), pl.col("_q").cast(pl.String)))
        .when(pl.col("_m").is_not_null())
        .then(pl.concat_str(year, pl.lit("M"), pl.col("_m").cast(pl.String).str.zfill(2)))
        .otherwise(year)
        .alias("time_period"),
        frequency.alias("frequency"),
        pl.date(pl.col("_year"), first_month, 1).alias("period_start"),
        pl.date(pl.col("_year"), last_month, 1).dt.month_end().alias("period_end"),
        pl.when(pl.col("_suppressed") | is_marker).then(None).otherwise(number).alias("value"),
        pl.when(pl.col("_suppressed"))
        .then(pl.lit("(D)"))
        .when(is_marker)
        .then(pl.when(pl.col("_text") == "").then(pl.lit("(empty)")).otherwise(pl.col("_text")))
        .otherwise(None)
        .alias("value_status"),
        pl.col("metric").alias("metric_name"),
        pl.col("unit"),
        pl.col("unit_mult").str.strip_chars().cast(pl.Int32).alias("unit_mult"),
        pl.lit(release_date).alias("release_date"),
    ).cast(SCHEMA)  # type: ignore[arg-type]
    dupes = typed.filter(typed.select(KEY).is_duplicated())
    if dupes.height:
        first = dupes.row(0, named=True)
        raise BeaSchemaError(
            f"BEA answer for {context} repeats line {first['line_number']} "
            f"geo {first['geo_fips']} period {first['time_period']}"
        )
    return typed


def _rows(
    raw: bytes, context: str, fields: dict[str, str], required: tuple[str, ...]
) -> tuple[dict, pl.DataFrame]:
    """The answer's Data rows as text columns named as in ``fields`` (BEA's name → ours)."""
    doc = envelope.decode(raw)
    envelope.raise_for_errors(doc, context)
    rows = envelope.data_rows(doc, context)
    frame = pl.from_dicts(rows, schema={name: pl.String for name in fields}, strict=False)
    for name in required:
        if frame[name].null_count():
            raise BeaSchemaError(f"BEA answer for {context} lacks required field {name} in a Data row")
    return doc, frame.rename(fields)


_NIPA_FIELDS = {
    "TableName": "table",
    "LineNumber": "line",
    "SeriesCode": "series",
    "LineDescription": "description",
    "TimePeriod": "period",
    "DataValue": "raw_value",
    "NoteRef": "note_ref",
    "METRIC_NAME": "metric",
    "CL_UNIT": "unit",
    "UNIT_MULT": "unit_mult",
}


def nipa_frame(raw: bytes, dataset: str, table_name: str, release_date: date) -> pl.DataFrame:
    """Observations of one NIPA-shaped answer (NIPA, NIUnderlyingDetail): the nation only."""
    context = f"{dataset}/{table_name}"
    _, rows = _rows(raw, context, _NIPA_FIELDS, NIPA_REQUIRED)
    rows = rows.with_columns(
        pl.col("series", "description", "note_ref", "metric").fill_null(""),
        pl.lit(NATION[0]).alias("geo_fips"),
        pl.lit(NATION[1]).alias("geo_name"),
    )
    return _typed(rows.select(_RAW), dataset, release_date, context)


_REGIONAL_FIELDS = {
    "Code": "series",
    "GeoFips": "geo_fips",
    "GeoName": "geo_name",
    "TimePeriod": "period",
    "DataValue": "raw_value",
    "NoteRef": "note_ref",
    "CL_UNIT": "unit",
    "UNIT_MULT": "unit_mult",
}


def regional_frame(raw: bytes, table_name: str, release_date: date) -> pl.DataFrame:
    """Observations of one Regional answer (one line of a table, many geographies).

    The line number comes from ``Code`` (``SAINC1-3`` → 3); the line's description is the
    Results-level ``Statistic``. Nation and region rows are kept and labelled by geo_level.
    Regional codes can abbreviate the table (CAINC1 rows come as CA1-3): the table's name is
    the request's.
    """
    context = f"Regional/{table_name}"
    doc, rows = _rows(raw, context, _REGIONAL_FIELDS, REGIONAL_REQUIRED)
    statistic = str(envelope.results_of(doc).get("Statistic", ""))
    code = pl.col("series")
    rows = rows.with_columns(
        pl.col("note_ref").fill_null(""),
        pl.when(code.str.contains("-", literal=True))
        .then(code.str.split("-").list.last())
        .otherwise(code)
        .alias("line"),
        pl.lit(table_name).alias("table"),
        pl.lit(statistic).alias("description"),
        pl.lit("").alias("metric"),
    )
    return _typed(rows.select(_RAW), "Regional", release_date, context)


def answer_frame(raw: bytes, dataset: str, table_name: str, release_date: date) -> pl.DataFrame:
    if dataset == "Regional":
        return regional_frame(raw, table_name, release_date)
    return nipa_frame(raw, dataset, table_name, release_date)


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)
