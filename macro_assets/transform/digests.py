"""A table's data at one release as one digest, whatever the order of its rows and however they
were split into batches: what the warehouse and the lake's table compare to know that a release
repeats what is loaded, or was loaded from other data.

Each row is hashed (xxh3, seeds 0 and 1: 128 bits) over its columns in name order, as text:
strings as they are, numbers and dates by their exact decimal or ISO text, floats by their IEEE
bits (never a printed float, whose text a library may change), null as NUL (which no value may
hold: silver refuses it). A table's digest XORs its rows' hashes, so it is computed a batch at a
time and is the same for any row order. The hash is a specified algorithm (polars-hash), not a
library's internal one, so digests recorded today compare equal after an upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import polars_hash as plh

# Recorded with each digest, so that another kind of digest can be told apart (the warehouse
# also holds digests of older kinds: ``macro_assets.warehouse.targets.LEGACY_SHA`` and bare ones).
KIND = "xxh3x2:"
TABLE = ("dataset", "table_name")
_SEPARATOR = "\x1f"
_NULL = "\x00"


def _text(name: str, dtype: pl.DataType) -> pl.Expr:
    column = pl.col(name)
    if dtype == pl.Float64:
        column = column.reinterpret(dtype=pl.UInt64)
    elif dtype == pl.Float32:
        column = column.reinterpret(dtype=pl.UInt32)
    return column.cast(pl.String).fill_null(_NULL)


def row_text(schema: pl.Schema | dict[str, pl.DataType], columns: list[str]) -> pl.Expr:
    """One row's columns as one text (the hash's input)."""
    return plh.concat_str(*(_text(c, schema[c]) for c in sorted(columns)), separator=_SEPARATOR)


@dataclass(frozen=True)
class TableDigest:
    rows: int
    digest: str


def table_digests(frame: pl.DataFrame, columns: list[str]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """Per (dataset, table_name) of ``frame``: rows and the two 64-bit halves, over ``columns``."""
    text = row_text(frame.schema, columns)
    per_table = (
        frame.lazy()
        .select(*TABLE, text.alias("_row"))
        .select(
            *TABLE,
            plh.col("_row").nchash.xxh3_64(seed=0).alias("h0"),
            plh.col("_row").nchash.xxh3_64(seed=1).alias("h1"),
        )
        .group_by(*TABLE)
        .agg(pl.len().alias("rows"), pl.col("h0").bitwise_xor(), pl.col("h1").bitwise_xor())
        .collect()
    )
    return {(d, t): (n, h0, h1) for d, t, n, h0, h1 in per_table.iter_rows()}


class Digests:
    """Digests accumulated over batches of one release's rows."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._parts: dict[tuple[str, str], tuple[int, int, int]] = {}

    def add(self, frame: pl.DataFrame) -> None:
        for table, (n, h0, h1) in table_digests(frame, self.columns).items():
            m, g0, g1 = self._parts.get(table, (0, 0, 0))
            self._parts[table] = (m + n, g0 ^ h0, g1 ^ h1)

    def result(self) -> dict[tuple[str, str], TableDigest]:
        parts = sorted(self._parts.items())
        return {table: TableDigest(n, f"{KIND}{h0:016x}{h1:016x}") for table, (n, h0, h1) in parts}


def digests_of(frame: pl.DataFrame, columns: list[str]) -> dict[tuple[str, str], TableDigest]:
    """Every table of ``frame`` at once."""
    digests = Digests(columns)
    digests.add(frame)
    return digests.result()
