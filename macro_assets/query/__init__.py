"""The analyst's questions of the warehouse, answered as polars DataFrames: which series match
some words, what BEA said about a series on a given day (ALFRED's four outputs), how each of its
values was revised, and what a release changed. Pure functions over a SQLAlchemy engine
(read-only is enough); every value is a bound parameter, never text put into SQL."""

from macro_assets.query.releases import CHANGE_KINDS, DIFF_COLUMNS, release_diff
from macro_assets.query.search import SEARCH_COLUMNS, search
from macro_assets.query.series import QueryError, Series, UnknownError
from macro_assets.query.vintages import COLUMNS, OUTPUTS, REVISION_COLUMNS, observations, revisions

__all__ = [
    "CHANGE_KINDS",
    "COLUMNS",
    "DIFF_COLUMNS",
    "OUTPUTS",
    "REVISION_COLUMNS",
    "SEARCH_COLUMNS",
    "QueryError",
    "Series",
    "UnknownError",
    "observations",
    "release_diff",
    "revisions",
    "search",
]
