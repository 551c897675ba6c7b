"""How the lake writes what it holds: hashes, gzip that always gives the same bytes, JSON and
parquet. Functions take any store (``macro_assets.lake.stores.Store``)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import polars as pl

from macro_assets.lake.stores import Store


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """A file's sha256, read a megabyte at a time (silver at county scale is ~100 MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def gzip_bytes(data: bytes) -> bytes:
    # mtime=0: the same answer always compresses to the same bytes.
    return gzip.compress(data, compresslevel=6, mtime=0)


def write_json(lake: Store, key: str, doc: Any, if_absent: bool = False) -> bool:
    data = json.dumps(doc, indent=2, sort_keys=True, default=str).encode()
    if if_absent:
        return lake.put_if_absent(key, data)
    lake.put(key, data)
    return True


def read_json(lake: Store, key: str) -> Any:
    return json.loads(lake.get(key))


def write_parquet(lake: Store, key: str, frame: pl.DataFrame) -> bytes:
    """Write ``frame`` to ``key``; returns the bytes written (their size and hash are metadata)."""
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd", statistics=True)
    data = buf.getvalue()
    lake.put(key, data)
    return data
