"""The catalog: which BEA releases map to which dataset, table and frequencies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_CATALOG = Path(__file__).with_name("catalog.yaml")
DATASETS = {"NIPA", "NIUnderlyingDetail", "Regional"}
FREQUENCIES = {"A", "Q", "M"}
_TABLE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class CatalogTable:
    release: str
    dataset: str
    table: str
    frequencies: tuple[str, ...]

    @property
    def request_params(self) -> dict[str, str]:
        # Year=ALL, filtered locally: an explicit year BEA has not published yet is an error.
        return {"Frequency": ",".join(self.frequencies), "Year": "ALL"}


@dataclass(frozen=True)
class Catalog:
    tables: tuple[CatalogTable, ...]

    @property
    def releases(self) -> list[str]:
        return sorted({t.release for t in self.tables})

    @property
    def datasets(self) -> list[str]:
        return sorted({t.dataset for t in self.tables})


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate a catalog file; every mistake is refused with the entry it is in."""
    path = Path(path) if path else DEFAULT_CATALOG
    try:
        doc = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise CatalogError(f"catalog file {path} not found") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"catalog file {path} is not valid YAML: {exc}") from None
    releases = doc.get("releases") if isinstance(doc, dict) else None
    if not isinstance(releases, dict) or not releases:
        raise CatalogError(f"catalog file {path} has no 'releases' mapping")
    tables: list[CatalogTable] = []
    seen: set[tuple[str, str]] = set()
    for release, entries in releases.items():
        for entry in entries or []:
            where = f"catalog {path.name}, release {release!r}, entry {entry!r}"
            if not isinstance(entry, dict):
                raise CatalogError(f"{where}: expected a mapping")
            dataset, table = str(entry.get("dataset", "")), str(entry.get("table", "")).upper()
            freqs = tuple(str(f).upper() for f in entry.get("frequencies", []))
            if dataset not in DATASETS:
                raise CatalogError(f"{where}: unknown dataset {dataset!r} (known: {sorted(DATASETS)})")
            if not _TABLE.match(table):
                raise CatalogError(f"{where}: invalid table name {table!r}")
            if not freqs or not set(freqs) <= FREQUENCIES:
                raise CatalogError(f"{where}: frequencies must be a non-empty subset of A, Q, M")
            if (dataset, table) in seen:
                raise CatalogError(f"{where}: table {dataset}/{table} is listed twice")
            seen.add((dataset, table))
            tables.append(CatalogTable(str(release), dataset, table, freqs))
    return Catalog(tuple(tables))
