"""One release's rows of a warehouse table (silver's observations, gold's indicators), read
through DuckDB from a Parquet file or a frame, so that no step holds the release: each table
summarised (rows, digest), rows streamed in batches for the tables asked, and what a table's
rows changed since another release's (new or revised rows, dropped keys)."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from macro_assets.transform.digests import Digests, TableDigest
from macro_assets.warehouse.targets import TABLE_COLUMNS, TableRef, Target

BATCH_ROWS = 250_000
_names = itertools.count()


class ReleaseRows:
    """A release's rows of ``target``: a DuckDB view with the target's columns (constants and
    copied columns filled in), over a Parquet file or a frame."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        target: Target,
        source: Path | pl.DataFrame,
        digests: dict[TableRef, TableDigest] | None = None,
    ) -> None:
        self.con = con
        self.target = target
        self.name = f"rows_{next(_names)}"
        # Objects of the database, not of this connection: batches are read on cursors of their own.
        if isinstance(source, pl.DataFrame):
            con.register("frame", source.to_arrow())
            con.execute(f"CREATE TABLE {self.name}_source AS SELECT * FROM frame")  # noqa: S608
            con.unregister("frame")
        else:
            path = str(source).replace("'", "''")
            con.execute(f"CREATE VIEW {self.name}_source AS SELECT * FROM read_parquet('{path}')")  # noqa: S608
        self.source_columns = [c for c, *_ in con.execute(f"DESCRIBE {self.name}_source").fetchall()]
        select = ", ".join(self._column(c) for c in target.columns)
        con.execute(f"CREATE VIEW {self.name} AS SELECT {select} FROM {self.name}_source")  # noqa: S608
        self._digests = digests

    def _column(self, name: str) -> str:
        if name in self.target.defaults:
            return f"'{self.target.defaults[name]}' AS {name}"
        if name in self.target.copies:
            return f"{self.target.copies[name]} AS {name}"
        return name

    @property
    def height(self) -> int:
        return self.con.execute(f"SELECT count(*) FROM {self.name}_source").fetchone()[0]  # noqa: S608

    def release_dates(self) -> list[date]:
        """The release dates the rows say they belong to (one, for a well-formed release)."""
        if "release_date" not in self.source_columns:
            return []
        found = self.con.execute(f"SELECT DISTINCT release_date FROM {self.name}_source ORDER BY 1")  # noqa: S608
        return [d for (d,) in found.fetchall()]

    def tables(self) -> dict[TableRef, TableDigest]:
        """Each table's rows and digest (``macro_assets.transform.digests``): the ones recorded
        beside the file when given, else computed in one pass over the rows."""
        if self._digests is None:
            digests = Digests(self.target.columns)
            for batch in self.batches():
                digests.add(batch)
            self._digests = digests.result()
        return self._digests

    def batches(
        self, tables: Collection[TableRef] | None = None, sql: str | None = None, params: dict | None = None
    ) -> Iterator[pl.DataFrame]:
        """The rows of ``tables`` (all by default) in the file's order, ``BATCH_ROWS`` at a time;
        or the rows of a query over this view (``sql``, the view named ``{rows}``)."""
        cursor = self.con.cursor()
        try:
            if sql is None:
                sql, params = f"SELECT * FROM {self.name}", {}  # noqa: S608
                if tables is not None:
                    # A filter, not a join: the file's order (series together) is kept.
                    sql += " WHERE list_contains($tables, dataset || chr(31) || table_name)"
                    params = {"tables": [f"{d}\x1f{t}" for d, t in tables]}
            reader = cursor.sql(sql.format(rows=self.name), params=params or None).to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                if batch.num_rows:
                    yield pl.from_arrow(batch)  # type: ignore[misc]
        finally:
            cursor.close()

    def frame(self, table: TableRef) -> pl.DataFrame:
        """One table's rows whole (for the digests of older kinds only)."""
        parts = list(self.batches([table]))
        return pl.concat(parts) if parts else pl.DataFrame(schema=self.schema())

    def schema(self) -> dict[str, str]:
        return {c: t for c, t, *_ in self.con.execute(f"DESCRIBE {self.name}").fetchall()}

    @contextmanager
    def changes_since(self, earlier: ReleaseRows, table: TableRef) -> Iterator[Changes]:
        """One table's rows that are new or revised since ``earlier`` (no row of ``earlier`` has
        the same key and the same values), and the keys ``earlier`` held that these rows no
        longer do. Values are compared by a 64-bit hash under the exact key: a revision missed
        would take a collision of the two values of one key (one chance in 2^64)."""
        if earlier.schema() != self.schema():
            raise ValueError("the two releases' rows have different columns")
        within = [c for c in self.target.key if c not in TABLE_COLUMNS]
        hashes = f"earlier_{next(_names)}"
        params = {"d": table[0], "t": table[1]}
        self.con.execute(
            f"CREATE TABLE {hashes} AS SELECT {', '.join(within)}, hash({', '.join(self.target.attrs)}) "  # noqa: S608
            f"AS h FROM {earlier.name} WHERE dataset = $d AND table_name = $t",
            params,
        )
        same_key = " AND ".join(f"e.{c} = r.{c}" for c in within)
        # The hash as a column, joined on: as a condition of NOT EXISTS it made DuckDB compare
        # row by row (17 s for a county table, against 0.6 s).
        hashed = (
            f"SELECT *, hash({', '.join(self.target.attrs)}) AS h FROM {{rows}} "  # noqa: S608
            "WHERE dataset = $d AND table_name = $t"
        )
        changed = (
            f"WITH r AS ({hashed}) SELECT r.* EXCLUDE (h) FROM r "  # noqa: S608
            f"ANTI JOIN {hashes} e ON {same_key} AND e.h = r.h"
        )
        dropped = (
            f"SELECT $d AS dataset, $t AS table_name, {', '.join('e.' + c for c in within)} FROM {hashes} e "  # noqa: S608
            f"ANTI JOIN (SELECT {', '.join(within)} FROM {{rows}} WHERE dataset = $d AND table_name = $t) r "
            f"ON {same_key}"
        )
        try:
            yield Changes(self.batches(sql=changed, params=params), self.batches(sql=dropped, params=params))
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {hashes}")


@dataclass
class Changes:
    """Batches of a table's new or revised rows, and of its dropped keys (the key's columns)."""

    changed: Iterator[pl.DataFrame]
    dropped: Iterator[pl.DataFrame]
