"""The lake as a Dagster resource (``LAKE_URL``: ``./lake`` by default, or ``s3://bucket/prefix``);
the stores themselves are ``macro_assets.lake.stores``."""

from __future__ import annotations

import os

import dagster as dg

from macro_assets.lake.stores import LakeKeyError, Store, checked, open_store

__all__ = ["LakeKeyError", "LakeResource"]


class LakeResource(dg.ConfigurableResource):
    # Unset falls back to LAKE_URL at run time (a run config overriding another field keeps it).
    url: str | None = None

    @property
    def location(self) -> str:
        return self.url or os.environ.get("LAKE_URL") or "lake"

    def _store(self) -> Store:
        return open_store(self.location)

    def uri(self, key: str) -> str:
        return self._store().uri(checked(key))

    def exists(self, key: str) -> bool:
        return self._store().exists(checked(key))

    def get(self, key: str) -> bytes:
        return self._store().get(checked(key))

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
