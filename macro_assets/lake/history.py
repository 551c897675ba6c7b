"""One table's vintages as intervals, folded in polars: the lake's twin of the warehouse's fold.

The rows and their bounds are the warehouse's (``macro_assets.warehouse.fold``): each row is one
value of one key from ``published_in`` (the release that first published it) up to
``replaced_in`` (the release that revised or dropped it; null while current). Folding release R
between the table's loaded releases P (before) and N (after) gives the same rows whatever order
the releases come in, so the lake's table and PostgreSQL's agree row for row.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date

import polars as pl

BOUNDS = ("published_in", "replaced_in")


def neighbours(loaded: list[date], release: date) -> tuple[date | None, date | None]:
    """The loaded releases just before and just after ``release`` (which is not loaded)."""
    ordered = sorted(loaded)
    at = bisect_left(ordered, release)
    return (ordered[at - 1] if at else None), (ordered[at] if at < len(ordered) else None)


def fold(
    history: pl.DataFrame,
    loaded: list[date],
    release: date,
    rows: pl.DataFrame,
    key: list[str],
    attrs: list[str],
) -> pl.DataFrame:
    """``history`` (one table's interval rows, releases ``loaded``) with ``rows`` (the table at
    ``release``, one row per key) folded in; the columns are ``key``, ``attrs`` and the bounds."""
    columns = [*key, *attrs]
    rows = rows.select(columns)
    nxt = neighbours(loaded, release)[1]
    r, n = pl.lit(release, pl.Date), pl.lit(nxt, pl.Date)
    history = history.select(*columns, *BOUNDS).with_row_index("_row")
    covers_r = (pl.col("published_in") < r) & (pl.col("replaced_in").is_null() | (pl.col("replaced_in") > r))
    covering = history.filter(covers_r)
    kept = covering.join(rows, on=columns, how="semi", nulls_equal=True)
    # A value R revises or drops: cut at R, and if it also ran past N, its tail from N on.
    gone = covering.join(kept.select("_row"), on="_row", how="anti")
    tails = (
        gone.filter(pl.col("replaced_in").is_null() | (pl.col("replaced_in") > n)).with_columns(
            published_in=n
        )
        if nxt is not None
        else gone.clear()
    )
    # A value first published at N that R already had: it starts at R instead.
    extended = (
        history.filter(pl.col("published_in") == n).join(rows, on=columns, how="semi", nulls_equal=True)
        if nxt is not None
        else history.clear()
    )
    running = pl.concat([kept.select(key), extended.select(key)])
    started = rows.join(running, on=key, how="anti", nulls_equal=True).with_columns(
        published_in=r, replaced_in=n
    )
    cut_rows, extended_rows = gone.get_column("_row"), extended.get_column("_row")
    folded = history.with_columns(
        replaced_in=pl.when(pl.col("_row").is_in(cut_rows.implode())).then(r).otherwise("replaced_in"),
        published_in=pl.when(pl.col("_row").is_in(extended_rows.implode())).then(r).otherwise("published_in"),
    )
    return pl.concat(
        [folded.drop("_row"), tails.drop("_row"), started.select(*columns, *BOUNDS)],
        how="vertical_relaxed",
    )
