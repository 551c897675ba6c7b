from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from functools import wraps
from itertools import islice
from typing import Any, TypeVar

import dagster as dg
import polars as pl

from macro_assets.checks import Outcome, combine
from macro_assets.partitions import parse_release_key
from macro_assets.resources.lake import LakeResource

GROUP = "bea"
_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")
_R = TypeVar("_R")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gzip_bytes(data: bytes) -> bytes:
    # mtime=0: the same answer always compresses to the same bytes.
    return gzip.compress(data, compresslevel=6, mtime=0)


def in_order(fn: Callable[[_T], _R], items: Iterable[_T], workers: int, ahead: int) -> Iterator[_R]:
    """``fn`` over ``items`` on ``workers`` threads, results in order, at most ``ahead`` of them
    ahead of the consumer: memory holds a few results, never all of them, and the workers keep
    going while the consumer is busy. A worker's exception is raised here; leaving early
    cancels what has not started."""
    source = iter(items)
    with ThreadPoolExecutor(workers, thread_name_prefix="mdi-read") as pool:
        pending: deque[Future[_R]] = deque(pool.submit(fn, item) for item in islice(source, ahead))
        try:
            while pending:
                result = pending.popleft().result()
                for item in islice(source, 1):
                    pending.append(pool.submit(fn, item))
                yield result
        finally:
            for future in pending:
                future.cancel()


def batches(frames: Iterable[pl.DataFrame], rows: int) -> Iterator[pl.DataFrame]:
    """Consecutive frames concatenated into batches of at least ``rows`` rows (the last may be
    smaller): polars' fixed cost per call is paid per batch, not per answer."""
    held: list[pl.DataFrame] = []
    count = 0
    for frame in frames:
        held.append(frame)
        count += frame.height
        if count >= rows:
            yield pl.concat(held)
            held, count = [], 0
    if held:
        yield pl.concat(held)


def release_of(partition_key: str) -> date:
    return parse_release_key(partition_key)


def write_json(lake: LakeResource, key: str, doc: Any, if_absent: bool = False) -> bool:
    data = json.dumps(doc, indent=2, sort_keys=True, default=str).encode()
    if if_absent:
        return lake.put_if_absent(key, data)
    lake.put(key, data)
    return True


def read_json(lake: LakeResource, key: str) -> Any:
    return json.loads(lake.get(key))


def write_parquet(lake: LakeResource, key: str, frame: pl.DataFrame) -> bytes:
    """Write ``frame`` to ``key``; returns the bytes written (their size and hash are metadata)."""
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd", statistics=True)
    data = buf.getvalue()
    lake.put(key, data)
    return data


def preview(frame: pl.DataFrame, schema: dg.TableSchema, rows: int = 10) -> dg.MetadataValue:
    """The first rows as a table the UI renders; dates as ISO text, nulls as empty."""
    records = [
        dg.TableRecord(
            {
                k: ("" if v is None else v if isinstance(v, (int, float, str)) else str(v))
                for k, v in row.items()
            }
        )
        for row in frame.head(rows).iter_rows(named=True)
    ]
    return dg.MetadataValue.table(records=records, schema=schema)


# Range backfills (`--partition-range A...B`) need every asset to run its whole range in one
# step: each asset loops over the releases of its step.
BACKFILL_POLICY = dg.BackfillPolicy.single_run()


def releases_of(context: dg.AssetExecutionContext) -> list[date]:
    """The step's release dates, oldest first; every key is validated before any I/O."""
    return sorted(release_of(key) for key in context.partition_keys)


def merge_metadata(per_release: dict[date, dict[str, Any]]) -> dict[str, Any]:
    """One release: its metadata. Several (a range backfill): sums of the numbers, and the list."""
    if len(per_release) == 1:
        return next(iter(per_release.values()))
    merged: dict[str, Any] = {"releases": [d.isoformat() for d in per_release]}
    for meta in per_release.values():
        for name, value in meta.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                merged[name] = merged.get(name, 0) + value
    return merged


def check_results(
    per_release: list[list[Outcome]],
    asset: str,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> list[dg.AssetCheckResult]:
    """One AssetCheckResult per check over the step's releases (failed if any release failed)."""
    by_name: dict[str, list[Outcome]] = {}
    for outcomes in per_release:
        for outcome in outcomes:
            by_name.setdefault(outcome.name, []).append(outcome)
    results = []
    for name, outcomes in by_name.items():
        merged = combine(outcomes)
        results.append(
            dg.AssetCheckResult(
                asset_key=asset,
                check_name=name,
                passed=merged.passed,
                severity=severity,
                description=merged.description if not merged.passed else None,
                metadata={k: v for k, v in merged.metadata.items() if not isinstance(v, dict)}
                | {k: dg.MetadataValue.json(v) for k, v in merged.metadata.items() if isinstance(v, dict)},
            )
        )
    return results


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity (``taskset``, a cpuset), not the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def timed(fn: _F) -> _F:
    """Add ``duration_s`` to the metadata a per-release function returns (a dict, or a tuple
    whose first item is the dict): plotted across partitions in the UI."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        result = fn(*args, **kwargs)
        metadata = result[0] if isinstance(result, tuple) else result
        metadata.setdefault("duration_s", round(time.monotonic() - started, 3))
        return result

    return wrapper  # type: ignore[return-value]


def _sidecar(key: str) -> str:
    return f"{key}.source.json"


def reuse_if_current(lake: LakeResource, key: str, source_sha256: str) -> tuple[dict, list[Outcome]] | None:
    """A derived object (silver, gold) already built from exactly this source by this code
    version, unchanged since: its recorded metadata and check outcomes, else None.

    Checks are pure functions of the object's bytes, so outcomes recorded with the object's
    sha256 still hold for it; a new code version rebuilds (and re-checks) everything."""
    from macro_assets.version import code_version

    sidecar = _sidecar(key)
    if not (lake.exists(sidecar) and lake.exists(key)):
        return None
    record = read_json(lake, sidecar)
    if record.get("source_sha256") != source_sha256 or record.get("code_version") != code_version():
        return None
    if sha256(lake.get(key)) != record.get("object_sha256"):
        return None
    metadata = {
        k: dg.MetadataValue.json(v) if isinstance(v, dict) else v
        for k, v in record.get("metadata", {}).items()
    }
    outcomes = [Outcome(**o) for o in record.get("checks", [])]
    return metadata | {"reused": True}, outcomes


def record_derivation(
    lake: LakeResource,
    key: str,
    data_sha256: str,
    source_sha256: str,
    metadata: dict,
    outcomes: list[Outcome],
) -> None:
    """Written after the object itself: a crash in between only costs a rebuild."""
    from macro_assets.version import code_version

    plain = {
        k: v
        for k, v in metadata.items()
        if isinstance(v, int | float | str | dict) and not isinstance(v, bool)
    }
    write_json(
        lake,
        _sidecar(key),
        {
            "source_sha256": source_sha256,
            "object_sha256": data_sha256,
            "code_version": code_version(),
            "metadata": plain,
            "checks": [vars(o) for o in outcomes],
        },
    )
