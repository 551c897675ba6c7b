"""What every asset shares: its key prefix, group, owners, tags, code version and backfill
policy, the step's release dates, and the turning of the core's plain results (metadata, check
outcomes, rows) into Dagster's."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar

import dagster as dg
import polars as pl

from macro_assets.checks import Outcome, combine
from macro_assets.partitions import parse_release_key, release_date_partitions
from macro_assets.version import code_version

# Every asset of this source sits under one prefix (the warehouse schema's name too), so a
# second source's bronze or silver cannot collide with BEA's.
PREFIX = "bea"
GROUP = "bea"
OWNERS = ["team:macro-data-ingest"]
_F = TypeVar("_F", bound=Callable[..., Any])

# Range backfills (`--partition-range A...B`) need every asset to run its whole range in one
# step: each asset loops over the releases of its step.
BACKFILL_POLICY = dg.BackfillPolicy.single_run()


def key(name: str) -> dg.AssetKey:
    """The asset key of one of this source's assets, e.g. ``bea/silver``."""
    return dg.AssetKey([PREFIX, name])


def tags(layer: str) -> dict[str, str]:
    return {"source": PREFIX, "layer": layer}


def asset_settings(layer: str) -> dict[str, Any]:
    """What every asset of a release declares: prefix, group, owners, tags, code version,
    partitions and backfill policy."""
    return {
        "key_prefix": [PREFIX],
        "group_name": GROUP,
        "owners": OWNERS,
        "tags": tags(layer),
        "code_version": code_version(),
        "partitions_def": release_date_partitions,
        "backfill_policy": BACKFILL_POLICY,
    }


def releases_of(context: dg.AssetExecutionContext) -> list[date]:
    """The step's release dates, oldest first; every key is validated before any I/O."""
    return sorted(parse_release_key(key) for key in context.partition_keys)


def as_metadata(plain: dict[str, Any]) -> dict[str, Any]:
    """Plain metadata (numbers, text, dicts) as Dagster shows it: dicts as JSON."""
    return {k: dg.MetadataValue.json(v) if isinstance(v, dict | list) else v for k, v in plain.items()}


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


def merge_metadata(per_release: dict[date, dict[str, Any]]) -> dict[str, Any]:
    """One release: its metadata. Several (a range backfill in one step): Dagster gives every
    partition of the range the same materialization metadata, so nothing numeric is reported at
    the top (a sum, or one release's figure, would be wrong for the others and for the plots
    across partitions); each release's figures are under ``per_release``, and what is the same
    for all of them and not a number (the column schema, the code version) stays."""
    if len(per_release) == 1:
        return next(iter(per_release.values()))
    metadatas = list(per_release.values())
    merged: dict[str, Any] = {
        name: value
        for name, value in metadatas[0].items()
        if not _numeric(value) and all(m.get(name) == value for m in metadatas[1:])
    }
    merged["releases"] = dg.MetadataValue.json([d.isoformat() for d in per_release])
    merged["per_release"] = dg.MetadataValue.json(
        {
            d.isoformat(): {k: plain for k, v in meta.items() if (plain := _plain(v)) is not None}
            for d, meta in per_release.items()
        }
    )
    return merged


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    """A metadata value as JSON can hold it: numbers, text, JSON; None for tables and schemas."""
    if isinstance(value, int | float | str | bool):
        return value
    if isinstance(value, dg.JsonMetadataValue):
        return value.data
    if isinstance(value, dict | list):
        return value
    return None


def check_results(
    per_release: dict[date, list[Outcome]],
    asset: dg.AssetKey,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> list[dg.AssetCheckResult]:
    """One AssetCheckResult per check over the step's releases. One release: its outcome. Several
    (a range in one step, where Dagster records one evaluation for the range): failed if any
    release failed or had nothing to check, the failing releases named in the description, and,
    as for the materialization, nothing counted at the top: each release's outcome is under
    ``per_release``."""
    by_name: dict[str, dict[date, list[Outcome]]] = {}
    for release, outcomes in per_release.items():
        for outcome in outcomes:
            by_name.setdefault(outcome.name, {}).setdefault(release, []).append(outcome)
    return [
        dg.AssetCheckResult(
            asset_key=asset,
            check_name=name,
            passed=merged.passed,
            severity=severity,
            description=merged.description if not merged.passed else None,
            metadata=as_metadata(merged.metadata),
        )
        for name, outcomes in by_name.items()
        for merged in [_over_releases({d: combine(o) for d, o in outcomes.items()})]
    ]


def _over_releases(outcomes: dict[date, Outcome]) -> Outcome:
    if len(outcomes) == 1:
        return next(iter(outcomes.values()))
    failed = {d: o for d, o in outcomes.items() if not o.passed}
    first = next(iter(outcomes.values()))
    description = (
        "; ".join(f"{d.isoformat()}: {o.description}" for d, o in failed.items())
        if failed
        else f"passed for each of {len(outcomes)} releases"
    )
    metadata = {
        "releases": [d.isoformat() for d in outcomes],
        "failed_releases": [d.isoformat() for d in failed],
        "per_release": {
            d.isoformat(): {"passed": o.passed, "description": o.description, **o.metadata}
            for d, o in outcomes.items()
        },
    }
    return Outcome(first.name, not failed, description, metadata)


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
