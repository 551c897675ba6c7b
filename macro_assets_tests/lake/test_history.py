"""The lake's fold: any order of releases gives the same intervals, and each interval says what
was published on every loaded release."""

from __future__ import annotations

import itertools
from datetime import date

import polars as pl

from macro_assets.lake.history import fold, neighbours

KEY, ATTRS = ["k"], ["v", "status"]
SCHEMA = {"k": pl.String, "v": pl.Float64, "status": pl.String}
EMPTY = pl.DataFrame(schema={**SCHEMA, "published_in": pl.Date, "replaced_in": pl.Date})
RELEASES = [date(2026, m, 1) for m in (1, 2, 3, 4, 5)]
# Revisions, a value dropped and back, a marker (null value) becoming a number, a new key.
DATA = {
    RELEASES[0]: {"a": (1.0, None), "b": (2.0, None), "c": (None, "(D)")},
    RELEASES[1]: {"a": (1.0, None), "b": (3.0, None), "c": (None, "(D)")},
    RELEASES[2]: {"a": (5.0, None), "c": (None, "(D)"), "e": (1.0, None)},
    RELEASES[3]: {"a": (1.0, None), "b": (3.0, None), "c": (7.0, None)},
    RELEASES[4]: {"a": (1.0, None), "b": (3.0, None), "c": (7.0, None)},
}


def rows(release: date) -> pl.DataFrame:
    values = DATA[release]
    return pl.DataFrame(
        {"k": list(values), "v": [v for v, _ in values.values()], "status": [s for _, s in values.values()]},
        schema=SCHEMA,
    )


def folded(order: list[date]) -> pl.DataFrame:
    history, loaded = EMPTY, []
    for release in order:
        history = fold(history, loaded, release, rows(release), KEY, ATTRS)
        loaded.append(release)
    return history.sort("k", "published_in")


def test_every_order_gives_the_same_intervals() -> None:
    reference = folded(RELEASES)
    for order in itertools.permutations(RELEASES):
        assert folded(list(order)).equals(reference), order


def test_the_intervals_say_what_each_release_published() -> None:
    history = folded(RELEASES[::-1])
    assert history.height == 9  # a, b, c: 3 values each over 5 releases; e once; not 5 * 3
    for release in RELEASES:
        as_of = history.filter(
            (pl.col("published_in") <= release)
            & (pl.col("replaced_in").is_null() | (pl.col("replaced_in") > release))
        )
        assert as_of.select(list(SCHEMA)).sort("k").equals(rows(release).sort("k")), release


def test_neighbours() -> None:
    loaded = [RELEASES[3], RELEASES[0], RELEASES[1]]
    assert neighbours(loaded, RELEASES[2]) == (RELEASES[1], RELEASES[3])
    assert neighbours(loaded, RELEASES[4]) == (RELEASES[3], None)
    assert neighbours([], RELEASES[0]) == (None, None)
