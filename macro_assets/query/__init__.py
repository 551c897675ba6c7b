"""The analyst's questions of the warehouse, answered as polars DataFrames: which series match
some words, what BEA said about a series on a given day (ALFRED's four outputs), how each of its
values was revised, what a release changed, and a Regional line across every place. Pure
functions over a SQLAlchemy engine (read-only is enough); every value is a bound parameter,
never text put into SQL."""

from macro_assets.query.maps import MAP_COLUMNS, regional_map
from macro_assets.query.releases import (
    CHANGE_KINDS,
    DIFF_COLUMNS,
    SUMMARY_COLUMNS,
    release_diff,
    release_summary,
)
from macro_assets.query.search import SEARCH_COLUMNS, search
from macro_assets.query.series import QueryError, Series, UnknownError
from macro_assets.query.vintages import COLUMNS, OUTPUTS, REVISION_COLUMNS, observations, revisions

__all__ = [
    "CHANGE_KINDS",
    "COLUMNS",
    "DIFF_COLUMNS",
    "MAP_COLUMNS",
    "OUTPUTS",
    "REVISION_COLUMNS",
    "SEARCH_COLUMNS",
    "SUMMARY_COLUMNS",
    "QueryError",
    "Series",
    "UnknownError",
    "observations",
    "regional_map",
    "release_diff",
    "release_summary",
    "revisions",
    "search",
]
