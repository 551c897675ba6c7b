"""Answers as polars frames, read as PostgreSQL's CSV (``COPY (query) TO STDOUT``).

A release's diff is up to 200,000 rows of fifteen columns: made into Python row objects and then
into a frame, the rows cost more than the query that finds them. CSV text goes straight into
polars' reader instead. The values stay exact: PostgreSQL writes a double in its shortest form
that reads back to the same double, and its CSV tells NULL (an empty field) from an empty text
(``""``), as polars reads them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa


def read_frame(
    conn: sa.Connection, query: str, params: Mapping[str, Any], schema: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """The rows of ``query`` (SQL with ``:name`` parameters, bound by the driver as for any
    statement) as a frame of ``schema``, its columns in the query's order."""
    bound = sa.text(query).bindparams(**params).compile(dialect=conn.dialect)
    buffer = io.BytesIO()
    with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
        statement = cursor.mogrify(str(bound), bound.params).decode()
        cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", buffer)
    if not buffer.tell():
        return pl.DataFrame(schema=dict(schema))
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, schema=dict(schema))
