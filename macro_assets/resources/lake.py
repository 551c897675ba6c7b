"""The lake as a Dagster resource (``LAKE_URL``: ``./lake`` by default, or ``s3://bucket/prefix``),
and its Iceberg table's catalog (``MDI_ICEBERG_CATALOG``: unset, an SQL catalog in the
warehouse's PostgreSQL; ``glue`` in AWS; or a SQLAlchemy URL). The stores themselves are
``macro_assets.lake.stores``, the table ``macro_assets.lake.iceberg``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import Field

from macro_assets.lake.stores import LakeKeyError, Store, checked, open_store

if TYPE_CHECKING:
    from macro_assets.lake.iceberg import LakeTable

__all__ = ["LakeKeyError", "LakeResource"]


class LakeResource(dg.ConfigurableResource):
    # Unset falls back to LAKE_URL at run time (a run config overriding another field keeps it).
    url: str | None = None
    iceberg_catalog: str | None = Field(
        default=None, description="MDI_ICEBERG_CATALOG; unset: an SQL catalog in the warehouse's PostgreSQL"
    )
    iceberg_warehouse: str | None = Field(
        default=None, description="MDI_ICEBERG_WAREHOUSE: where the table's files go; unset: <lake>/iceberg"
    )
    iceberg_namespace: str | None = Field(
        default=None, description="MDI_ICEBERG_NAMESPACE: the table's namespace (Glue database); unset: bea"
    )

    @property
    def location(self) -> str:
        return self.url or os.environ.get("LAKE_URL") or "lake"

    def table(self, database_url: str) -> LakeTable:
        """The lake's Iceberg table and its catalog; ``database_url``: the warehouse's, the
        catalog's default home."""
        from macro_assets.lake import iceberg  # pyiceberg takes 0.7 s to import: only when used

        uri = self.iceberg_catalog or os.environ.get("MDI_ICEBERG_CATALOG") or database_url
        location = (
            self.iceberg_warehouse
            or os.environ.get("MDI_ICEBERG_WAREHOUSE")
            or iceberg.warehouse_location(self.location)
        )
        namespace = self.iceberg_namespace or os.environ.get("MDI_ICEBERG_NAMESPACE") or iceberg.NAMESPACE
        return iceberg.LakeTable(iceberg.open_catalog(uri, location), namespace)

    def _store(self) -> Store:
        return open_store(self.location)

    def uri(self, key: str) -> str:
        return self._store().uri(checked(key))

    def exists(self, key: str) -> bool:
        return self._store().exists(checked(key))

    def get(self, key: str) -> bytes:
        return self._store().get(checked(key))

    def local_path(self, key: str, folder: Path) -> Path:
        """``key`` as a local file: the file itself in a local lake, else a copy in ``folder``."""
        return self._store().local_path(checked(key), folder)

    def delete(self, key: str) -> None:
        self._store().delete(checked(key))

    def put(self, key: str, data: bytes) -> None:
        """Write or replace ``key``; readers see the old bytes or the new, never half."""
        self._store().put(checked(key), data)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Create ``key`` only if nothing is there yet; True if this call created it."""
        return self._store().put_if_absent(checked(key), data)

    def list_keys(self, prefix: str) -> list[str]:
        """Every complete object under the folder ``prefix``, sorted."""
        return self._store().list_keys(checked(prefix))

    def list_folders(self, prefix: str) -> list[str]:
        """The names of the folders directly under ``prefix``, sorted."""
        return self._store().list_folders(checked(prefix))

    def sweep_partials(self, prefix: str, older_than_s: float = 3600.0) -> int:
        """Remove temporary files a killed writer left under ``prefix``; never a recent one, which
        may belong to a writer still running. Readers never see them either way."""
        return self._store().sweep_partials(checked(prefix), older_than_s)
