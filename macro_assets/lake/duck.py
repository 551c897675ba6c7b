"""DuckDB over the lake's Iceberg table: its current snapshot's data files as a view.

``observations`` is the table as ``bea.observations`` holds it, and ``observations_as_of(d)``
is PostgreSQL's ``bea.observations_as_of(d)``. The files come from the Iceberg catalog's
current snapshot, so DuckDB reads exactly one committed state, and needs no extension: the
table is written only by whole partitions (no delete files), so its data files are the table.
"""

from __future__ import annotations

from urllib.parse import urlparse

import duckdb
import polars as pl
from pyiceberg.table import Table

from macro_assets.lake.iceberg import schema

_DUCK_TYPES = {"string": "VARCHAR", "int": "INTEGER", "long": "BIGINT", "double": "DOUBLE", "date": "DATE"}


class LakeQueryError(RuntimeError):
    """DuckDB refused a query over the lake's table."""


def _local_path(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        # Iceberg's paths are not percent-decoded: a partition value's "%3D" is on disk as such.
        return parsed.path if parsed.scheme else uri
    raise LakeQueryError(
        f"the lake's table's files are at {parsed.scheme}:// (DuckDB reads them there with its httpfs "
        "extension; Athena reads the table through Glue, docs/deploy.md)"
    )


def data_files(table: Table) -> list[str]:
    """The local paths of the current snapshot's data files."""
    return [_local_path(task.file.file_path) for task in table.scan().plan_files()]


def connect(table: Table, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with ``observations`` and ``observations_as_of(as_of)`` defined."""
    con = con or duckdb.connect()
    files = data_files(table)
    if files:
        con.read_parquet(files).create_view("observations", replace=True)
    else:
        typed = ", ".join(
            f"CAST(NULL AS {_DUCK_TYPES[str(f.field_type)]}) AS {f.name}" for f in schema().fields
        )
        con.execute(f"CREATE OR REPLACE VIEW observations AS SELECT {typed} WHERE false")  # noqa: S608
    con.execute(
        "CREATE OR REPLACE MACRO observations_as_of(as_of) AS TABLE SELECT * FROM observations "
        "WHERE published_in <= as_of AND (replaced_in IS NULL OR replaced_in > as_of)"
    )
    return con


def query(table: Table, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run ``sql`` (bound ``params``) against the lake's table; a refusal in one line."""
    try:
        relation = connect(table).sql(sql, params=params)
        if relation is None:
            raise LakeQueryError("DuckDB: the statement returns no rows (ask with SELECT)")
        return relation.pl()
    except duckdb.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise LakeQueryError(f"DuckDB: {first}") from None
