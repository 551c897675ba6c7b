"""Rows into PostgreSQL by COPY, streamed: the CSV of the next batches is written on one core
while the server takes rows on the other, and at most a few batches are in memory whatever the
release's size (the batches come from a frame or, a release at a time, from an iterator)."""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterable

import polars as pl
import sqlalchemy as sa

BATCH_ROWS = 250_000


class _CsvStream:
    """A file COPY reads while a thread writes the next batches' CSV into a two-slot queue."""

    def __init__(self, frames: Iterable[pl.DataFrame], columns: list[str]) -> None:
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=2)
        self._buffer = b""
        self._offset = 0
        self._done = False
        self.closed = threading.Event()
        self.rows = 0
        threading.Thread(target=self._produce, args=(frames, columns), daemon=True).start()

    def _produce(self, frames: Iterable[pl.DataFrame], columns: list[str]) -> None:
        try:
            for frame in frames:
                for batch in frame.select(columns).iter_slices(BATCH_ROWS):
                    buf = io.BytesIO()
                    # Text quoted, NULL not: COPY reads a quoted "\N" as the text \N (BEA may send it).
                    batch.write_csv(buf, include_header=False, null_value=r"\N", quote_style="non_numeric")
                    self.rows += batch.height
                    self._put(buf.getvalue())
                    if self.closed.is_set():
                        return
            self._put(None)
        except BaseException as exc:  # handed to the reading side, which raises it
            self._put(exc)

    def _put(self, item: bytes | BaseException | None) -> None:
        # A COPY that failed stops reading: give up rather than wait on a full queue forever.
        while not self.closed.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def read(self, size: int = -1) -> bytes:
        # Hands out slices of the current batch (no copying of what remains of it).
        while self._offset >= len(self._buffer) and not self._done:
            item = self._queue.get()
            if isinstance(item, BaseException):
                raise item
            if item is None:
                self._done = True
            else:
                self._buffer, self._offset = item, 0
        end = len(self._buffer) if size < 0 else self._offset + size
        chunk = self._buffer[self._offset : end]
        self._offset += len(chunk)
        return chunk

    readline = read


def copy_rows(
    conn: sa.Connection,
    table: str,
    frames: pl.DataFrame | Iterable[pl.DataFrame],
    columns: list[str] | None = None,
) -> int:
    """COPY every row of ``frames`` (a frame, or batches of one) into ``table``, by the names of
    ``columns`` (a frame's own columns by default), in the connection's transaction; the rows."""
    if isinstance(frames, pl.DataFrame):
        columns = columns or frames.columns
        frames = [frames]
    if not columns:
        raise ValueError("copy_rows needs the columns of an iterator of frames")
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    stream = _CsvStream(frames, columns)
    try:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            stream,
            size=1 << 20,
        )
    finally:
        stream.closed.set()
    return stream.rows


def temp_table_like(conn: sa.Connection, name: str, table: str, columns: list[str]) -> None:
    """An empty temporary table with ``columns`` of ``table``, dropped at commit."""
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {name} ON COMMIT DROP AS SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
    )
