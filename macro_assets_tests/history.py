"""Four releases of the sandbox's history, captured as its clock moves on, and loading them:
shared by the warehouse's vintage tests and the query API's point-in-time tests (the capture
runs once a session: conftest's ``captured``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import dagster as dg

from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.definitions import ASSETS
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource

# GDP on Thursdays, Personal Income and Outlays on Fridays; 2026-09-24 is the annual update.
RELEASES = [date(2026, 8, 27), date(2026, 8, 28), date(2026, 9, 24), date(2026, 9, 25)]
CATALOG = """releases:
  Gross Domestic Product:
    - {dataset: NIPA, table: T10105, frequencies: [A, Q]}
    - {dataset: NIPA, table: T10106, frequencies: [Q]}
  Personal Income and Outlays:
    - {dataset: NIPA, table: T20804, frequencies: [M]}
  Personal Income by State:
    - {dataset: Regional, table: SAINC1, lines: [1, 2]}
"""
KEY = ["dataset", "table_name", "series_id", "time_period"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def capture_history(root: Path) -> Iterator[tuple[LakeResource, CatalogResource, dict]]:
    """bea_raw → gold for each release, with the sandbox's clock just after that release (the
    session's ``captured`` fixture: four vintages of the sandbox's history in one lake)."""
    (root / "catalog.yaml").write_text(CATALOG)
    lake, catalog = LakeResource(url=str(root / "lake")), CatalogResource(path=str(root / "catalog.yaml"))
    clock = Clock()
    with Sandbox(settings=SandboxSettings(clock=clock)) as sandbox, dg.instance_for_test() as instance:
        bea = BeaApiResource(
            api_key="71A7A6E5-0000-4000-8000-000000000004",
            api_url=sandbox.api_url,
            calendar_url=sandbox.calendar_url,
        )
        instance.add_dynamic_partitions(release_date_partitions.name, [d.isoformat() for d in RELEASES])
        for release in RELEASES:
            clock.now = datetime.combine(release, time(15, 0), tzinfo=UTC)
            result = dg.materialize(
                ASSETS,
                partition_key=release.isoformat(),
                instance=instance,
                selection=["bea/bea_raw", "bea/bronze", "bea/silver", "bea/gold"],
                resources={
                    "bea": bea,
                    "lake": lake,
                    "catalog": catalog,
                    "warehouse": WarehouseResource(database_url="postgresql://unused"),
                },
            )
            assert result.success
        yield lake, catalog, {"instance": instance}


def load_in_order(
    order: list[date],
    lake: LakeResource,
    catalog: CatalogResource,
    url: str,
    selection: tuple[str, ...] = ("bea/observations", "bea/indicators"),
) -> None:
    """The releases materialized one by one in ``order`` (the warehouse's tables by default)."""
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(release_date_partitions.name, [d.isoformat() for d in order])
        for release in order:
            result = dg.materialize(
                ASSETS,
                partition_key=release.isoformat(),
                instance=instance,
                selection=list(selection),
                resources={
                    "lake": lake,
                    "catalog": catalog,
                    "bea": BeaApiResource(),
                    "warehouse": WarehouseResource(database_url=url),
                },
            )
            assert result.success
