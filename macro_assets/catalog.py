"""The catalog: which BEA releases map to which dataset, table, lines and frequencies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CATALOG = Path(__file__).with_name("catalog.yaml")
DATASETS = {"NIPA", "NIUnderlyingDetail", "Regional"}
FREQUENCIES = {"A", "Q", "M"}
_TABLE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
_LINE = re.compile(r"^\d{1,6}$")
_GEO = re.compile(r"^(STATE|\d{5}(,\d{5})*)$")


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class CatalogTable:
    # BEA's name of the release that publishes the table, e.g. "Gross Domestic Product".
    release_name: str
    dataset: str
    table: str
    frequencies: tuple[str, ...]
    # Regional only: the line codes to fetch (None: every line, listed by BEA) and the geography.
    lines: tuple[str, ...] | None = None
    geo: str = "STATE"

    @property
    def is_regional(self) -> bool:
        return self.dataset == "Regional"


@dataclass(frozen=True)
class FetchUnit:
    """One GetData request: a table, and for Regional one line of it."""

    table: CatalogTable
    line_code: str | None = None

    @property
    def params(self) -> dict[str, str]:
        # Year=ALL, filtered locally: an explicit year BEA has not published yet is an error.
        if self.table.is_regional:
            return {"LineCode": str(self.line_code), "GeoFips": self.table.geo, "Year": "ALL"}
        return {"Frequency": ",".join(self.table.frequencies), "Year": "ALL"}

    @property
    def label(self) -> str:
        suffix = f" line {self.line_code}" if self.line_code is not None else ""
        return f"{self.table.dataset}/{self.table.table}{suffix}"


@dataclass(frozen=True)
class Catalog:
    tables: tuple[CatalogTable, ...]

    @property
    def release_names(self) -> list[str]:
        return sorted({t.release_name for t in self.tables})

    @property
    def datasets(self) -> list[str]:
        return sorted({t.dataset for t in self.tables})


def _entry(release: str, entry: Any, where: str) -> CatalogTable:
    if not isinstance(entry, dict):
        raise CatalogError(f"{where}: expected a mapping")
    dataset, table = str(entry.get("dataset", "")), str(entry.get("table", "")).upper()
    if dataset not in DATASETS:
        raise CatalogError(f"{where}: unknown dataset {dataset!r} (known: {sorted(DATASETS)})")
    if not _TABLE.match(table):
        raise CatalogError(f"{where}: invalid table name {table!r}")
    default_freqs = ["A"] if dataset == "Regional" else []
    freqs = tuple(str(f).upper() for f in entry.get("frequencies", default_freqs))
    if not freqs or not set(freqs) <= FREQUENCIES:
        raise CatalogError(f"{where}: frequencies must be a non-empty subset of A, Q, M")
    lines_raw, geo = entry.get("lines"), str(entry.get("geo", "STATE")).upper()
    if dataset != "Regional":
        if lines_raw is not None or "geo" in entry:
            raise CatalogError(f"{where}: 'lines' and 'geo' apply to Regional tables only")
        return CatalogTable(release, dataset, table, freqs)
    if not _GEO.match(geo):
        raise CatalogError(f"{where}: geo must be STATE or comma-separated 5-digit FIPS codes")
    if lines_raw is None or str(lines_raw).upper() == "ALL":
        lines = None
    else:
        lines = tuple(str(x) for x in (lines_raw if isinstance(lines_raw, list) else [lines_raw]))
        if not lines or not all(_LINE.match(x) for x in lines):
            raise CatalogError(f"{where}: lines must be ALL or a list of line codes")
    return CatalogTable(release, dataset, table, freqs, lines, geo)


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
            table = _entry(str(release), entry, where)
            if (table.dataset, table.table) in seen:
                raise CatalogError(f"{where}: table {table.dataset}/{table.table} is listed twice")
            seen.add((table.dataset, table.table))
            tables.append(table)
    return Catalog(tuple(tables))
