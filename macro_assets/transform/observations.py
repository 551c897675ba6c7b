"""Silver: BEA GetData answers to one typed long table of observations."""

from __future__ import annotations

import math
import re
from datetime import date

import polars as pl

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaSchemaError
from macro_assets.transform import datasets
from macro_assets.transform.datasets import RAW_COLUMNS, SERIES_SEPARATOR
from macro_assets.transform.periods import typed_periods

# A marker is a status, never a zero and never a parse error ("....." is the international
# accounts' "not applicable").
MARKERS = frozenset({"(NA)", "(D)", "(NM)", "(*)", "(L)", "(S)", "(X)", "n.s.", "n.a.", "...", ".....", ""})

# A marker among NoteRef's comma-separated references (ITA: "ITA1.4:5,n.a."; Regional: "(D)").
_NOTE_MARKER = (
    r"(?:^|,)\s*("
    + "|".join(re.escape(m) for m in sorted(MARKERS - {""}, key=len, reverse=True))
    + r")\s*(?:,|$)"
)

SCHEMA: dict[str, pl.DataType] = {
    "dataset": pl.String(),
    "table_name": pl.String(),
    "series_id": pl.String(),
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
    "dimensions": pl.String(),
    "release_date": pl.Date(),
}
KEY = ["dataset", "table_name", "series_id", "time_period"]
# What each column holds: the UI's column schema and the data contract (docs/architecture.md).
COLUMNS: dict[str, str] = {
    "dataset": "BEA's dataset, e.g. NIPA, Regional, ITA (docs/warehouse.md lists all twelve)",
    "table_name": "BEA's table, e.g. T10105, CAINC1, GDP by industry's TableID; for ITA, IIP, "
    "international services and MNE the request's parameters, e.g. "
    "AreaOrCountry=China;Frequency=A;Indicator=ALL",
    "series_id": "the series, from BEA's own dimension values joined by |: NIPA line; Regional "
    "line|GeoFips; TimeSeriesId; Industry; RowCode|ColCode; MNE SeriesID|RowCode|ColumnCode|…",
    "line_number": "the table's line (Regional: the line code); null for datasets without lines",
    "series_code": "BEA's series code (NIPA SeriesCode, not unique within a table; Regional Code)",
    "line_description": "the line's or series' label (Regional: the answer's Statistic; "
    "international: TimeSeriesDescription; GDP by industry: the industry)",
    "geo_fips": "geography's FIPS code: 00000 for the nation; null for datasets without places",
    "geo_name": "geography's name",
    "geo_level": "nation, region, state or local",
    "time_period": "the period in canonical spelling: 2024, 2024Q1, 2024M01",
    "frequency": "A (annual), Q (quarterly), M (monthly)",
    "period_start": "first day of the period",
    "period_end": "last day of the period",
    "value": "the number as BEA sent it (UNIT_MULT not applied); null when BEA sent a marker",
    "value_status": "BEA's marker, e.g. (NA), (D); null for a number",
    "metric_name": "METRIC_NAME, e.g. Current Dollars",
    "unit": "CL_UNIT, e.g. Level, Percent change",
    "unit_mult": "power of ten of the value: 6 = millions; null where BEA gives none",
    "dimensions": "the series' other dimension values as BEA names them (JSON), e.g. "
    '{"Indicator": "BalCapAcct", "AreaOrCountry": "China"}; null for NIPA and Regional',
    "release_date": "the release date whose vintage this is (the partition)",
}
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
        value = float(text.replace(",", ""))
    except ValueError:
        raise BeaSchemaError(f"unknown DataValue marker {raw!r}") from None
    if not math.isfinite(value):
        # float() reads "NaN" and "Infinity"; BEA never publishes them: refuse, never store.
        raise BeaSchemaError(f"DataValue {raw!r} is not a finite number")
    return value, None


# The text columns an answer's rows are read into before typing, whatever the dataset
# (``datasets.RAW_COLUMNS``); "answer" names the answer (dataset/table) in error messages.
_RAW = RAW_COLUMNS


def _first_bad(frame: pl.DataFrame, bad: pl.Expr, column: str) -> tuple[str, str] | None:
    """(answer, value) of the first row where ``bad`` holds."""
    found = frame.filter(bad).select("answer", column).head(1)
    return None if found.is_empty() else found.row(0)


# Text columns as BEA names them (Regional: Code, Statistic): PostgreSQL's text cannot hold NUL.
_TEXT_FIELDS = {
    "series": "SeriesCode",
    "description": "LineDescription",
    "geo_name": "GeoName",
    "metric": "METRIC_NAME",
    "unit": "CL_UNIT",
}


def _refuse_nul(frame: pl.DataFrame) -> None:
    holds = [pl.col(column).str.contains("\x00", literal=True).fill_null(False) for column in _TEXT_FIELDS]
    found = frame.select(pl.any_horizontal(holds).any()).item()
    if not found:
        return
    for column, field in _TEXT_FIELDS.items():
        bad = frame.filter(pl.col(column).str.contains("\x00", literal=True)).head(1)
        if bad.height:
            answer, line, text = bad.select("answer", "line", column).row(0)
            raise BeaSchemaError(
                f"BEA answer for {answer}, line {line}: {field} holds a NUL character, which the "
                f"warehouse cannot store: {text!r}"
            )


def typed_frame(raw: pl.DataFrame, release_date: date, *, unique_keys: bool = True) -> pl.DataFrame:
    """Text columns of one or more answers → silver's typed columns, column at a time (no Python
    per row). Errors name the answer and the first offending value. ``unique_keys`` checks that
    no key repeats (the caller may check it over a whole release instead)."""
    text = pl.col("raw_value").str.strip_chars()
    frame = (
        raw.join(typed_periods(raw), on="period", how="left", maintain_order="left")
        .with_columns(
            text.alias("_text"),
            text.is_in(list(MARKERS)).alias("_marker"),
            text.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False).alias("_number"),
            pl.col("note_ref").str.extract(_NOTE_MARKER, 1).alias("_note_marker"),
            pl.col("line").str.strip_chars().cast(pl.Int32, strict=False).alias("_line"),
            pl.col("unit_mult").str.strip_chars().cast(pl.Int32, strict=False).alias("_unit_mult"),
        )
        .with_columns((pl.col("_note_marker") == "(D)").fill_null(False).alias("_suppressed"))
    )
    problems = {
        "period": (pl.col("_bad_period"), "unrecognised BEA time period"),
        "raw_value": (
            ~pl.col("_suppressed") & ~pl.col("_marker") & pl.col("_number").is_null(),
            "unknown DataValue marker",
        ),
        "_text": (
            pl.col("_number").is_nan() | pl.col("_number").is_infinite(),
            "DataValue that is not a finite number:",
        ),
        # Datasets without lines or multipliers leave them null; a text that is not a number fails.
        "line": (pl.col("line").is_not_null() & pl.col("_line").is_null(), "line number"),
        "unit_mult": (pl.col("unit_mult").is_not_null() & pl.col("_unit_mult").is_null(), "UNIT_MULT"),
    }
    # One pass says whether anything is wrong; only then is the first offender looked up.
    found = frame.select(bad.any().alias(column) for column, (bad, _) in problems.items()).row(0)
    for (column, (bad, what)), wrong in zip(problems.items(), found, strict=True):
        if wrong and (first := _first_bad(frame, bad, column)) is not None:
            answer, value = first
            if column == "_text":
                line = frame.filter(bad).select("line").head(1).item()
                raise BeaSchemaError(f"BEA answer for {answer}, line {line}: {what} {value!r}")
            if column in ("line", "unit_mult"):
                raise BeaSchemaError(f"BEA answer for {answer}: {what} {value!r} is not a whole number")
            raise BeaSchemaError(f"BEA answer for {answer}: {what} {value!r}")
    _refuse_nul(frame)
    fips = pl.col("geo_fips")
    typed = frame.select(
        pl.col("dataset"),
        pl.col("table").alias("table_name"),
        pl.col("series_id"),
        pl.col("_line").alias("line_number"),
        pl.col("series").alias("series_code"),
        pl.col("description").alias("line_description"),
        fips.alias("geo_fips"),
        pl.col("geo_name"),
        pl.when(fips.is_null())
        .then(None)
        .when(fips == NATION[0])
        .then(pl.lit("nation"))
        .when(fips.is_in(list(_REGIONS)))
        .then(pl.lit("region"))
        .when(fips.str.ends_with("000"))
        .then(pl.lit("state"))
        .otherwise(pl.lit("local"))
        .alias("geo_level"),
        pl.col("time_period"),
        pl.col("frequency"),
        pl.col("period_start"),
        pl.col("period_end"),
        pl.when(pl.col("_suppressed") | pl.col("_marker"))
        .then(None)
        .otherwise(pl.col("_number"))
        .alias("value"),
        pl.when(pl.col("_suppressed"))
        .then(pl.lit("(D)"))
        .when(pl.col("_marker"))
        .then(
            # An empty DataValue says why in NoteRef (the international accounts), or nowhere.
            pl.when(pl.col("_text") != "")
            .then(pl.col("_text"))
            .otherwise(pl.coalesce(pl.col("_note_marker"), pl.lit("(empty)")))
        )
        .otherwise(None)
        .alias("value_status"),
        pl.col("metric").alias("metric_name"),
        pl.col("unit"),
        pl.col("_unit_mult").alias("unit_mult"),
        pl.col("dimensions"),
        pl.lit(release_date).alias("release_date"),
    ).cast(SCHEMA)  # type: ignore[arg-type]
    if unique_keys:
        dupes = typed.filter(typed.select(KEY).is_duplicated())
        if dupes.height:
            first = dupes.row(0, named=True)
            raise BeaSchemaError(
                f"BEA answer for {first['dataset']}/{first['table_name']} repeats "
                f"{_series_words(first)} period {first['time_period']}"
            )
    return typed


def _series_words(row: dict) -> str:
    if row["line_number"] is not None:
        geo = f" geo {row['geo_fips']}" if row["geo_fips"] is not None else ""
        return f"line {row['line_number']}{geo}"
    return f"series {row['series_id']}"


def _native_data(raw: bytes, fields: dict[str, str]) -> tuple[str, pl.DataFrame] | None:
    """(Results.Statistic, Data rows as text) parsed by polars without a Python object per value,
    or None when the answer is anything but a well-formed answer with rows (an error, a single
    row sent as an object, control characters in a note...): the caller then takes the exact,
    slower path, which also words the error."""
    if not raw.isascii():
        # polars reads UTF-8; BEA's bytes are ISO-8859-1.
        raw = raw.decode(envelope.ENCODING).encode()
    # An Error (an object or a list, at either level) cannot be read as text: it fails the read
    # or comes back non-null, and either way the answer takes the exact path.
    row = pl.Struct(dict.fromkeys(fields, pl.String()))
    results_type = pl.Struct({"Error": pl.String(), "Statistic": pl.String(), "Data": pl.List(row)})
    schema = {"BEAAPI": pl.Struct({"Error": pl.String(), "Results": results_type})}
    try:
        api = pl.read_json(raw, schema=schema).to_series()
    except pl.exceptions.PolarsError:
        return None
    results = api.struct.field("Results")
    if api.struct.field("Error").null_count() == 0 or results.struct.field("Error").null_count() == 0:
        return None
    data = results.struct.field("Data")
    if data.null_count() or not data.list.len()[0]:
        return None
    return results.struct.field("Statistic")[0] or "", data.explode().struct.unnest()


def _rows(
    raw: bytes, context: str, fields: dict[str, str], required: tuple[str, ...]
) -> tuple[str, pl.DataFrame]:
    """(Results.Statistic, the answer's Data rows as text columns named as in ``fields``)."""
    native = _native_data(raw, fields)
    if native is not None and not any(native[1][name].null_count() for name in required):
        statistic, frame = native
    else:
        doc = envelope.decode(raw, context)
        envelope.raise_for_errors(doc, context)
        rows = envelope.data_rows(doc, context)
        frame = pl.from_dicts(rows, schema=dict.fromkeys(fields, pl.String()), strict=False)
        for name in required:
            if frame[name].null_count():
                raise BeaSchemaError(f"BEA answer for {context} lacks required field {name} in a Data row")
        statistic = str(envelope.results_of(doc).get("Statistic", ""))
    return statistic, frame.rename(fields)


# In the order BEA sends them: polars' reader matches a row's keys against this order, and
# parses a NIPA answer ~10 % faster when they agree.
_NIPA_FIELDS = {
    "TableName": "table",
    "SeriesCode": "series",
    "LineNumber": "line",
    "LineDescription": "description",
    "TimePeriod": "period",
    "METRIC_NAME": "metric",
    "CL_UNIT": "unit",
    "UNIT_MULT": "unit_mult",
    "DataValue": "raw_value",
    "NoteRef": "note_ref",
}


def nipa_text(raw: bytes, dataset: str, table_name: str) -> pl.DataFrame:
    """Text rows of one NIPA-shaped answer (NIPA, NIUnderlyingDetail): the nation only."""
    context = f"{dataset}/{table_name}"
    _, rows = _rows(raw, context, _NIPA_FIELDS, NIPA_REQUIRED)
    return rows.with_columns(
        pl.col("series", "description", "note_ref", "metric").fill_null(""),
        # FixedAssets echoes table names in mixed case (FAAt201); BEA's names are case-blind.
        pl.col("table").str.to_uppercase(),
        pl.lit(context).alias("answer"),
        pl.lit(dataset).alias("dataset"),
        pl.lit(NATION[0]).alias("geo_fips"),
        pl.lit(NATION[1]).alias("geo_name"),
        # One series per line of the table (SeriesCode may stand on several lines).
        pl.col("line").str.strip_chars().alias("series_id"),
        pl.lit(None, pl.String).alias("dimensions"),
    ).select(_RAW)


_REGIONAL_FIELDS = {
    "Code": "series",
    "GeoFips": "geo_fips",
    "GeoName": "geo_name",
    "TimePeriod": "period",
    "CL_UNIT": "unit",
    "UNIT_MULT": "unit_mult",
    "DataValue": "raw_value",
    "NoteRef": "note_ref",
}


def regional_text(raw: bytes, table_name: str) -> pl.DataFrame:
    """Text rows of one Regional answer (one line of a table, many geographies).

    The line number comes from ``Code`` (``SAINC1-3`` → 3); the line's description is the
    Results-level ``Statistic``. Nation and region rows are kept and labelled by geo_level.
    Regional codes can abbreviate the table (CAINC1 rows come as CA1-3): the table's name is
    the request's.
    """
    context = f"Regional/{table_name}"
    statistic, rows = _rows(raw, context, _REGIONAL_FIELDS, REGIONAL_REQUIRED)
    code = pl.col("series")
    line = pl.when(code.str.contains("-", literal=True)).then(code.str.split("-").list.last()).otherwise(code)
    return rows.with_columns(
        pl.col("note_ref").fill_null(""),
        line.alias("line"),
        pl.lit(context).alias("answer"),
        pl.lit("Regional").alias("dataset"),
        pl.lit(table_name.upper()).alias("table"),
        pl.lit(statistic).alias("description"),
        pl.lit("").alias("metric"),
        # One series per line and place.
        pl.concat_str(line.str.strip_chars(), pl.lit(SERIES_SEPARATOR), pl.col("geo_fips")).alias(
            "series_id"
        ),
        pl.lit(None, pl.String).alias("dimensions"),
    ).select(_RAW)


def answer_text(raw: bytes, dataset: str, table_name: str) -> pl.DataFrame:
    """One answer's Data rows as silver's text columns, before typing (see ``typed_frame``)."""
    if dataset == "Regional":
        return regional_text(raw, table_name)
    if dataset in datasets.DATASETS:
        return datasets.answer_rows(raw, dataset, table_name)
    return nipa_text(raw, dataset, table_name)


def answer_frame(raw: bytes, dataset: str, table_name: str, release_date: date) -> pl.DataFrame:
    """Observations of one answer of any dataset."""
    return typed_frame(answer_text(raw, dataset, table_name), release_date)


def nipa_frame(raw: bytes, dataset: str, table_name: str, release_date: date) -> pl.DataFrame:
    """Observations of one NIPA-shaped answer."""
    return typed_frame(nipa_text(raw, dataset, table_name), release_date)


def regional_frame(raw: bytes, table_name: str, release_date: date) -> pl.DataFrame:
    """Observations of one Regional answer."""
    return typed_frame(regional_text(raw, table_name), release_date)


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)
