"""The analysts' HTTP read API: ``macro_assets.query`` over HTTP, as JSON, CSV or Parquet, and
the explorer page (``explorer/``, built into ``static/`` by ``make explorer``) that reads it.

Every route is one query function; its parameters are checked by that function (a bad date, an
unknown series, a window that ends before it starts) or by FastAPI (a limit that is not a
number), and every refusal is a 4xx whose body is ``{"detail": "<one line naming the cause>"}``.
The engine it is given should be read-only (``read_only_engine``): the API never writes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow as pa
import sqlalchemy as sa
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from macro_assets.query import (
    QueryError,
    UnknownError,
    observations,
    regional_map,
    release_diff,
    release_summary,
    revisions,
    search,
)

Format = Literal["json", "csv", "parquet"]
MAX_DIFF_ROWS = 100_000
_MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
_RELEASES = sa.text("SELECT release_date, tables, bea_releases FROM bea.releases ORDER BY release_date DESC")


READER = "bea_reader"
# The explorer's bundle, written by `make explorer` (esbuild over explorer/, pinned by its lockfile).
STATIC = Path(__file__).parent / "static"
NOT_BUILT = "the explorer page is not built: run `make explorer` (npm ci and esbuild over explorer/)\n"


def read_only_engine(url: str) -> sa.Engine:
    """An engine that cannot write: every connection works as the ``bea_reader`` role (SELECT
    on schema bea only, migration 0005) where the warehouse has it, and every transaction is
    read-only in any case."""
    engine = sa.create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 10, "options": "-c default_transaction_read_only=on"},
    )
    if reader_role(engine):

        @sa.event.listens_for(engine, "connect")
        def _as_reader(dbapi_connection, _record) -> None:  # noqa: ANN001
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {READER}")
            dbapi_connection.commit()

        engine.dispose()  # the connection that asked is pooled as its user: start afresh
    return engine


def reader_role(engine: sa.Engine) -> bool:
    """Whether the engine's user may work as ``bea_reader`` (it exists and the user is in it)."""
    with engine.connect() as conn:
        return bool(
            conn.execute(
                sa.text(
                    "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :r) "
                    "AND pg_has_role(current_user, :r, 'MEMBER')"
                ),
                {"r": READER},
            ).scalar()
        )


def create_app(engine: sa.Engine, static: Path = STATIC) -> FastAPI:
    """The API over ``engine``'s warehouse: ``/api/series``, ``/api/observations``,
    ``/api/revisions``, ``/api/map``, ``/api/releases``, ``/api/releases/{release}/summary``
    and ``/api/releases/{release}/diff``; the explorer page at ``/`` from ``static``."""
    app = FastAPI(
        title="macro-data-ingest: what BEA said, and when",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
    )

    @app.exception_handler(QueryError)
    async def refused(_: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404 if isinstance(exc, UnknownError) else 400)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
        return JSONResponse({"detail": f"{where}: {first.get('msg', 'invalid')}"}, status_code=422)

    @app.get("/api/series")
    def find(
        q: str,
        dataset: str | None = None,
        geography: str | None = None,
        limit: int = Query(50, ge=1, le=500),
        format: Format = "json",  # noqa: A002
    ) -> Response:
        return _answer(search(engine, q, dataset=dataset, geography=geography, limit=limit), format, "series")

    @app.get("/api/observations")
    def observed(
        series: str,
        as_of: str | None = None,
        realtime_start: str | None = None,
        realtime_end: str | None = None,
        output: str = "as_of",
        format: Format = "json",  # noqa: A002
    ) -> Response:
        frame = observations(
            engine,
            series,
            as_of=as_of,
            realtime_start=realtime_start,
            realtime_end=realtime_end,
            output=output,  # type: ignore[arg-type]  # checked by observations
        )
        return _answer(frame, format, "observations")

    @app.get("/api/revisions")
    def revised(series: str, as_of: str | None = None, format: Format = "json") -> Response:  # noqa: A002
        return _answer(revisions(engine, series, as_of=as_of), format, "revisions")

    @app.get("/api/map")
    def mapped(
        table: str,
        line: int,
        period: str,
        as_of: str | None = None,
        format: Format = "json",  # noqa: A002
    ) -> Response:
        frame = regional_map(engine, table, line, period, as_of=as_of)
        return _answer(frame, format, f"Regional-{table}-{line}-{period}")

    @app.get("/api/releases")
    def releases() -> Response:
        with engine.connect() as conn:
            rows = conn.execute(_RELEASES).all()
        frame = pl.DataFrame(
            rows,
            schema={"release_date": pl.Date, "tables": pl.Int64, "bea_releases": pl.List(pl.String)},
            orient="row",
        )
        return _answer(frame, "json", "releases")

    @app.get("/api/releases/{release}/diff")
    def changed(
        release: str,
        dataset: str | None = None,
        table_name: str | None = None,
        limit: int = Query(1000, ge=1, le=MAX_DIFF_ROWS),
        per_table: int | None = Query(None, ge=1),
        format: Format = "json",  # noqa: A002
    ) -> Response:
        frame = release_diff(
            engine, release, dataset=dataset, table_name=table_name, limit=limit, per_table=per_table
        )
        return _answer(frame, format, f"release-{release}-diff")

    @app.get("/api/releases/{release}/summary")
    def summarised(release: str) -> Response:
        return _answer(release_summary(engine, release), "json", f"release-{release}-summary")

    index = static / "index.html"
    if index.is_file():
        app.mount("/assets", StaticFiles(directory=static / "assets"), name="assets")

        @app.get("/", include_in_schema=False)
        def page() -> FileResponse:
            return FileResponse(index)
    else:

        @app.get("/", include_in_schema=False)
        def unbuilt() -> PlainTextResponse:
            return PlainTextResponse(NOT_BUILT, status_code=503)

    return app


def _answer(frame: pl.DataFrame, format: Format, name: str) -> Response:  # noqa: A002
    """The frame in the asked format; CSV and Parquet as a file to save."""
    if format == "json":
        if frame.height > _JSON_PART:
            return StreamingResponse(_json_parts(frame), media_type=_MEDIA["json"])
        return Response(_json_rows(frame), media_type=_MEDIA["json"])
    buffer = io.BytesIO()
    if format == "csv":
        frame.write_csv(buffer)
    else:
        frame.write_parquet(buffer)
    filename = f"{name.replace('/', '_').replace('|', '_')}-{date.today().isoformat()}.{format}"
    return Response(
        buffer.getvalue(),
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# A large JSON answer is sent as it is written, this many rows at a time: the client reads the
# first part while the next is written (100,000 rows are 37 MB).
_JSON_PART = 20_000


def _json_parts(frame: pl.DataFrame) -> Iterator[bytes | memoryview]:
    """The frame as a JSON array of row objects, byte for byte ``write_json``'s, in parts of
    ``_JSON_PART`` rows, encoded two at a time ahead of the one being sent (polars encodes
    without Python's lock)."""
    slices = (frame.slice(offset, _JSON_PART) for offset in range(0, frame.height, _JSON_PART))
    with ThreadPoolExecutor(2, thread_name_prefix="mdi-json") as encoders:
        yield b"["
        for i, part in enumerate(encoders.map(_json_objects, slices)):
            if i:
                yield b","
            yield part
        yield b"]"


def _json_objects(frame: pl.DataFrame) -> memoryview:
    """The rows as JSON objects separated by commas. Each row is encoded by polars as an object
    followed by a comma, in one column: Arrow keeps that column's texts end to end in one
    buffer, which is the part as it is sent, not copied (a fresh copy of 37 MB costs more in
    page faults than the encoding). 65 ms for a whole release's 100,000 rows, against 160
    through ``write_ndjson`` and a Python pass over its lines."""
    rows = frame.select(pl.struct(pl.all()).struct.json_encode() + ",")
    encoded = rows.to_series().to_arrow().cast(pa.large_string())
    _, ends, texts = encoded.buffers()
    bounds = memoryview(ends).cast("q")  # a large_string's offsets: int64, one more than rows
    first, last = bounds[encoded.offset], bounds[encoded.offset + len(encoded)]
    return memoryview(texts)[first : last - 1]


def _json_rows(frame: pl.DataFrame) -> bytes:
    """``_json_parts`` in one piece. An answer of one part is polars' own array: its fixed cost
    is a tenth of the encoding's (18 against 240 µs for a series' 40 rows)."""
    if frame.height > _JSON_PART:
        return b"".join(_json_parts(frame))
    return frame.write_json().encode()
