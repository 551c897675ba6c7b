"""The warehouse's versioned tables: which columns key a value and which are the value, taken
from silver's and gold's schemas so that a column added there reaches the load by itself."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from macro_assets.transform import indicators, observations

# A table of BEA's in the warehouse: (dataset, table_name), e.g. ("NIPA", "T10101"); an
# indicator is its own table, ("gold", "real_gdp_growth_saar").
TableRef = tuple[str, str]
TABLE_COLUMNS = ("dataset", "table_name")


@dataclass(frozen=True)
class Target:
    """A versioned table: each row one value of ``key`` from ``published_in`` to ``replaced_in``."""

    table: str
    key: tuple[str, ...]
    attrs: tuple[str, ...]
    # The frame's schema the columns come from (silver's or gold's), and what they hold.
    schema: dict[str, pl.DataType] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    # Columns a frame may lack: constants, and columns copied from another column.
    defaults: dict[str, str] = field(default_factory=dict)
    copies: dict[str, str] = field(default_factory=dict)
    # SQL types that the frame's type does not say (JSON text stored as jsonb).
    sql_types: dict[str, str] = field(default_factory=dict)
    # The columns and key a table's data hash was taken over before a migration changed them
    # (recorded hashes then carry the prefix ``LEGACY_SHA``): re-loading a release loaded
    # before compares like with like.
    legacy_hash: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    @property
    def columns(self) -> list[str]:
        return [*self.key, *self.attrs]

    @property
    def staging(self) -> str:
        return "staging_" + self.table.split(".")[1]

    def column_types(self) -> list[tuple[str, str]]:
        """Every column of the table with its SQL type, the interval's bounds last."""
        typed = [
            (c, self.sql_types.get(c) or _SQL_TYPES[type(self.schema.get(c, pl.String()))])
            for c in self.columns
        ]
        return [*typed, ("published_in", "date"), ("replaced_in", "date")]

    def column_descriptions(self) -> dict[str, str]:
        return {**self.descriptions, **_INTERVAL}


_INTERVAL = {
    "published_in": "the release date that first published this value",
    "replaced_in": "the release date that revised or dropped it; null while current",
}


_SQL_TYPES = {pl.String: "text", pl.Int32: "integer", pl.Int64: "bigint", pl.Float64: "double precision"}
_SQL_TYPES[pl.Date] = "date"


def _attrs(schema: dict, key: tuple[str, ...]) -> tuple[str, ...]:
    # release_date is the interval's bound (published_in), not an attribute of the value.
    return tuple(c for c in schema if c not in key and c != "release_date")


# Data hashes recorded before revision 0003 (every dataset in one model) were taken over these
# columns, keyed by line and place; the migration marked them with this prefix.
LEGACY_SHA = "v1:"
_V1_KEY = ("dataset", "table_name", "line_number", "geo_fips", "time_period")
_V1_ATTRS = (
    "series_code",
    "line_description",
    "geo_name",
    "geo_level",
    "frequency",
    "period_start",
    "period_end",
    "value",
    "value_status",
    "metric_name",
    "unit",
    "unit_mult",
)
_OBSERVATION_KEY = tuple(observations.KEY)
OBSERVATIONS = Target(
    "bea.observations",
    _OBSERVATION_KEY,
    _attrs(observations.SCHEMA, _OBSERVATION_KEY),
    observations.SCHEMA,
    observations.COLUMNS,
    sql_types={"dimensions": "jsonb"},
    legacy_hash=((*_V1_KEY, *_V1_ATTRS), _V1_KEY),
)

_INDICATOR_KEY = (*TABLE_COLUMNS, *indicators.KEY)
INDICATORS = Target(
    "bea.indicators",
    _INDICATOR_KEY,
    _attrs(indicators.SCHEMA, _INDICATOR_KEY),
    indicators.SCHEMA,
    {
        **indicators.COLUMNS,
        "dataset": "always gold: an indicator is its own table",
        "table_name": "the indicator again: each one is versioned as its own table",
    },
    # Each indicator is its own table: a release that publishes only some of them (GDP day,
    # personal income day) leaves the others' timelines alone.
    defaults={"dataset": "gold"},
    copies={"table_name": "indicator"},
)
TARGETS = {"observations": OBSERVATIONS, "indicators": INDICATORS}


def target_of(table: TableRef) -> str:
    """Which of ``TARGETS`` holds a table's rows."""
    return "indicators" if table[0] == "gold" else "observations"
