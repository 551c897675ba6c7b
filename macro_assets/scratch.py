"""DuckDB in a temporary folder, capped in memory and spilling to disk beyond the cap: how a step
works on more rows than it may hold (the warehouse's load, the lake table's fold)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

SETTING = "MDI_DUCKDB_MEMORY"
DEFAULT = "1GB"


def memory_limit() -> str:
    """DuckDB's memory in one step (``MDI_DUCKDB_MEMORY``, 1GB); a bad value fails in one line."""
    value = os.environ.get(SETTING, DEFAULT).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value, re.IGNORECASE):
        raise ValueError(f"{SETTING} {value!r}: expected a size such as 1GB or 512MiB")
    return value


@contextmanager
def scratch_duckdb(prefix: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path]]:
    """A DuckDB database file in a new temporary folder (removed afterwards), within
    ``memory_limit()``; the connection and the folder."""
    limit = memory_limit()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp)
        con = duckdb.connect(str(folder / "scratch.duckdb"))
        try:
            # Settings take no parameters: the size is validated above, the folder is our own.
            con.execute(f"SET memory_limit = '{limit}'")
            spill = str(folder / "spill").replace("'", "''")
            con.execute(f"SET temp_directory = '{spill}'")
            con.execute("SET enable_progress_bar = false")
            yield con, folder
        finally:
            con.close()
