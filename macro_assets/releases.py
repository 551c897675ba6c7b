"""Release partitions: which BEA release dates have passed, which of them can still be built,
and registering those in Dagster.

BEA serves only its current vintage, and a capture takes every catalog table as served on its
date: a date can be captured only while no catalog table has been revised since, which holds
for the newest passed release date alone. So a release date is a partition when bronze holds
its capture or it is the newest passed date; the others passed before the pipeline saw them
and are listed as not captured, never as partitions a user could try (and fail) to build.
"""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg

from macro_assets.bea.calendar import passed_release_dates
from macro_assets.catalog import Catalog
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource

IN_BRONZE = "in bronze"
NEWEST = "the newest release date: BEA serves it (or will this morning)"
GONE = "not captured (BEA no longer serves that vintage)"


def due_release_dates(bea: BeaApiResource, catalog: Catalog, now: datetime | None = None) -> list[date]:
    """Every date on which one of the catalog's releases was published, up to ``now``."""
    return passed_release_dates(bea.release_calendar(), catalog.release_names, now or bea.now())


def standings(passed: list[date], held: list[date]) -> dict[date, str]:
    """Each passed or held release date, oldest first, with whether it can be a partition."""
    newest = max(passed, default=None)
    return {
        day: IN_BRONZE if day in held else NEWEST if day == newest else GONE
        for day in sorted(set(passed) | set(held))
    }


def partition_dates(passed: list[date], held: list[date]) -> list[date]:
    return [day for day, standing in standings(passed, held).items() if standing != GONE]


def registered(instance: dg.DagsterInstance) -> list[str]:
    return sorted(instance.get_dynamic_partitions(release_date_partitions.name))


def register(instance: dg.DagsterInstance, dates: list[date]) -> list[str]:
    """Add the partitions not yet known; adding is idempotent. Returns the new keys."""
    known = set(registered(instance))
    new = [d.isoformat() for d in dates if d.isoformat() not in known]
    if new:
        instance.add_dynamic_partitions(release_date_partitions.name, new)
    return new


def materialized(instance: dg.DagsterInstance, assets: list[dg.AssetKey]) -> set[str]:
    """Release dates any of ``assets`` has materialized."""
    keys: set[str] = set()
    for asset in assets:
        keys |= set(instance.get_materialized_partitions(asset))
    return keys


def prune(instance: dg.DagsterInstance, keep: list[date], assets: list[dg.AssetKey]) -> list[str]:
    """Remove partitions an earlier sync registered that can never be built: not in ``keep``
    and never materialized by any of ``assets``. Returns the removed keys."""
    wanted = {d.isoformat() for d in keep}
    built = materialized(instance, assets)
    removed = [key for key in registered(instance) if key not in wanted and key not in built]
    for key in removed:
        instance.delete_dynamic_partition(release_date_partitions.name, key)
    return removed


def sync(
    instance: dg.DagsterInstance, passed: list[date], held: list[date], assets: list[dg.AssetKey]
) -> tuple[list[str], list[str]]:
    """Register the release dates that can be partitions, prune those that cannot; (new, removed)."""
    keep = partition_dates(passed, held)
    return register(instance, keep), prune(instance, keep, assets)
