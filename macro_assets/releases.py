"""Release partitions: which BEA release dates have passed, and registering them in Dagster."""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg

from macro_assets.bea.calendar import passed_release_dates
from macro_assets.catalog import Catalog
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource


def due_release_dates(bea: BeaApiResource, catalog: Catalog, now: datetime | None = None) -> list[date]:
    """Every date on which one of the catalog's releases was published, up to ``now``."""
    return passed_release_dates(bea.release_calendar(), catalog.release_names, now or bea.now())


def registered(instance: dg.DagsterInstance) -> list[str]:
    return sorted(instance.get_dynamic_partitions(release_date_partitions.name))


def register(instance: dg.DagsterInstance, dates: list[date]) -> list[str]:
    """Add the partitions not yet known; adding is idempotent. Returns the new keys."""
    known = set(registered(instance))
    new = [d.isoformat() for d in dates if d.isoformat() not in known]
    if new:
        instance.add_dynamic_partitions(release_date_partitions.name, new)
    return new
