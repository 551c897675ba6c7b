"""One release's rows of a warehouse table (silver's observations, gold's indicators), read
through DuckDB from a Parquet file or a frame, so that no step holds the release: each table
summarised (rows, digest), rows streamed in batches for the tables asked, and what a table's
rows changed since another release's (new or revised rows, dropped keys)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from macro_assets.transform.digests import Digests, TableDigest
from macro_assets.warehouse.targets import TABLE_COLUMNS, TableRef, Target

BATCH_ROWS = 250_000
SORT_ROWS = 2_000_000
_CURSORS = threading.Lock()
_OF_TABLES = "list_contains($tables, dataset || chr(31) || table_name)"


def _cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # A connection runs one call at a time and refuses a second one: each query gets a cursor
    # (a connection of its own to the same database), made under a lock.
    with _CURSORS:
        return con.cursor()


def _tables_param(tables: Collection[TableRef]) -> dict[str, list[str]]:
    return {"tables": [f"{d}\x1f{t}" for d, t in tables]}


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
        # Objects of the database, not of one connection: every query runs on a cursor of its own.
        if isinstance(source, pl.DataFrame):
            cursor = _cursor(con)
            cursor.register("frame", source.to_arrow())
            cursor.execute(f"CREATE TABLE {self.name}_source AS SELECT * FROM frame")  # noqa: S608
            cursor.close()
        else:
            path = str(source).replace("'", "''")
            self._run(f"CREATE VIEW {self.name}_source AS SELECT * FROM read_parquet('{path}')")  # noqa: S608
        self.source_columns = [c for c, *_ in self._run(f"DESCRIBE {self.name}_source")]
        select = ", ".join(self._column(c) for c in target.columns)
        self._run(f"CREATE VIEW {self.name} AS SELECT {select} FROM {self.name}_source")  # noqa: S608
        self._digests = digests

    def _run(self, sql: str, params: dict | None = None) -> list[tuple]:
        cursor = _cursor(self.con)
        try:
            cursor.execute(sql, params or {})
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    def _column(self, name: str) -> str:
        if name in self.target.defaults:
            return f"'{self.target.defaults[name]}' AS {name}"
        if name in self.target.copies:
            return f"{self.target.copies[name]} AS {name}"
        return name

    def release_dates(self) -> list[date]:
        """The release dates the rows say they belong to (one, for a well-formed release)."""
        if "release_date" not in self.source_columns:
            return []
        found = self._run(f"SELECT DISTINCT release_date FROM {self.name}_source ORDER BY 1")  # noqa: S608
        return [d for (d,) in found]

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
        cursor = _cursor(self.con)
        try:
            if sql is None:
                sql, params = f"SELECT * FROM {self.name}", {}  # noqa: S608
                if tables is not None:
                    # A filter, not a join: the file's order (series together) is kept.
                    sql += f" WHERE {_OF_TABLES}"
                    params = _tables_param(tables)
            reader = cursor.sql(sql.format(rows=self.name), params=params or None).to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                if batch.num_rows:
                    yield pl.from_arrow(batch)  # type: ignore[misc]
        finally:
            cursor.close()

    def in_key_order(self, tables: Collection[TableRef]) -> Iterator[pl.DataFrame]:
        """The rows of ``tables`` in the target's key order, a few tables at a time (each sort
        holds about ``SORT_ROWS`` rows, or one table, and spills beyond DuckDB's memory): rows
        that reach PostgreSQL in key order build its key index by appending, a quarter faster
        at county scale than in the file's order (216.7 s against 285.6 s for 52 M rows)."""
        summaries = self.tables()
        groups: list[list[TableRef]] = []
        held = 0
        for table in tables:
            if not groups or held + summaries[table].rows > SORT_ROWS:
                groups.append([])
                held = 0
            groups[-1].append(table)
            held += summaries[table].rows
        order = ", ".join(self.target.key)
        for group in groups:
            sql = f"SELECT * FROM {{rows}} WHERE {_OF_TABLES} ORDER BY {order}"  # noqa: S608
            yield from self.batches(sql=sql, params=_tables_param(group))

    def frame(self, table: TableRef) -> pl.DataFrame:
        """One table's rows whole (for the digests of older kinds only)."""
        parts = list(self.batches([table]))
        return pl.concat(parts) if parts else pl.DataFrame(schema=self.schema())

    def schema(self) -> dict[str, str]:
        return {c: t for c, t, *_ in self._run(f"DESCRIBE {self.name}")}

    def changes_since(self, earlier: ReleaseRows, table: TableRef) -> Changes:
        """One table's rows that are new or revised since ``earlier`` (no row of ``earlier`` has
        the same key and the same values), and the keys of ``earlier`` whose value these rows
        revise or no longer hold, each in key order: tables of the scratch database, dropped by
        ``Changes.close``. Values are compared by a 64-bit hash under the exact key: a revision
        missed would take a collision of the two values of one key (one chance in 2^64). Safe
        to call on another thread (it works on a cursor of its own) while batches are read."""
        if earlier.schema() != self.schema():
            raise ValueError("the two releases' rows have different columns")
        within = [c for c in self.target.key if c not in TABLE_COLUMNS]
        n = next(_names)
        hashes, changed, touched = f"earlier_{n}", f"changed_{n}", f"touched_{n}"
        params = {"d": table[0], "t": table[1]}
        values = ", ".join(self.target.attrs)
        # The hash as a column, joined on: as a condition of NOT EXISTS it made DuckDB compare
        # row by row (17 s for a county table, against 0.6 s). In key order: PostgreSQL then
        # reaches its index's pages one after the other.
        hashed = f"SELECT *, hash({values}) AS h FROM {self.name} WHERE dataset = $d AND table_name = $t"  # noqa: S608
        same = " AND ".join(f"e.{c} = r.{c}" for c in [*within, "h"])
        order = ", ".join(within)
        cursor = _cursor(self.con)
        try:
            cursor.execute(
                f"CREATE TABLE {hashes} AS SELECT {', '.join(within)}, hash({values}) AS h "  # noqa: S608
                f"FROM {earlier.name} WHERE dataset = $d AND table_name = $t",
                params,
            )
            cursor.execute(
                f"CREATE TABLE {changed} AS WITH r AS ({hashed}) SELECT r.* EXCLUDE (h) FROM r "  # noqa: S608
                f"ANTI JOIN {hashes} e ON {same} ORDER BY {order}",
                params,
            )
            keys = ", ".join("e." + c for c in within)
            cursor.execute(
                f"CREATE TABLE {touched} AS WITH r AS ({hashed}) SELECT $d AS dataset, $t AS table_name, "  # noqa: S608
                f"{keys} FROM {hashes} e ANTI JOIN r ON {same} ORDER BY {order}",
                params,
            )
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {hashes}")
            cursor.close()
        return Changes(self, changed, touched)


@dataclass
class Changes:
    """A table's new or revised rows, and the keys whose earlier value they revise or drop (the
    key's columns): the only keys whose stored rows the fold changes. Held in the scratch
    database until ``close``."""

    rows: ReleaseRows
    changed_table: str
    touched_table: str

    def changed(self) -> Iterator[pl.DataFrame]:
        return self.rows.batches(sql=f"SELECT * FROM {self.changed_table}")  # noqa: S608

    def touched(self) -> Iterator[pl.DataFrame]:
        return self.rows.batches(sql=f"SELECT * FROM {self.touched_table}")  # noqa: S608

    def close(self) -> None:
        for table in (self.changed_table, self.touched_table):
            self.rows._run(f"DROP TABLE IF EXISTS {table}")
