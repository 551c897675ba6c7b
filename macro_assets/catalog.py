"""The catalog: what a user keeps of BEA, in BEA's own words, grouped by the news release that
publishes its new vintage.

Two kinds of entry (docs/architecture.md, "The catalog"):
- table-shaped, for datasets whose GetData names a table (TableName or TableID):
  ``{dataset: NIPA, table: T10101, frequencies: [A, Q]}``, ``{dataset: FixedAssets, table:
  FAAt201}``, ``{dataset: Regional, table: CAINC30, lines: [120, 170], geo: COUNTY}``, or
  ``tables: ALL`` for every table BEA lists; ``params:`` adds other GetData parameters;
- parameter-shaped, for datasets asked by dimension values: ``{dataset: ITA, params:
  {Indicator: ALL, AreaOrCountry: China, Frequency: A}}``: the GetData parameters beyond
  DatasetName, UserID and ResultFormat, as BEA names them.

This module checks what can be checked offline (names, shapes, duplicates); the plan checks
every entry against BEA's own parameter lists before anything is fetched (``bea/harvest.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CATALOG = Path(__file__).with_name("catalog.yaml")
ALL = "ALL"
_NAME = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
_TABLE_ID = re.compile(r"^\d{1,4}$")
_LINE = re.compile(r"^\d{1,6}$")
# GeoFips: every county, state, metropolitan or micropolitan area, metro/nonmetro portion,
# metropolitan division, combined statistical area; a state's counties (its postal code); or a
# list of FIPS codes (BEA's GetParameterList for Regional).
GEOGRAPHIES = ("STATE", "COUNTY", "MSA", "MIC", "PORT", "DIV", "CSA")
_GEO = re.compile(rf"^({'|'.join(GEOGRAPHIES)}|[A-Z]{{2}}|\d{{5}}(,\d{{5}})*)$")
_PARAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,39}$")
_PARAM_VALUE = re.compile(r"^[A-Za-z0-9 ,.()&'/_-]{1,200}$")
# Parameters every request carries, set by the client: never a catalog's.
_CLIENT_PARAMS = {"datasetname", "userid", "resultformat", "method"}


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Dataset:
    """How one of BEA's datasets is asked for (BEA's API User Guide, appendices A–L)."""

    name: str
    # The parameter naming a table (TableName, TableID); None: the dataset is parameter-shaped.
    table_parameter: str | None
    # The Frequency values it takes; empty: its GetData has no Frequency (the table says it).
    frequencies: frozenset[str] = frozenset()
    default_frequencies: tuple[str, ...] = ()
    table_pattern: re.Pattern[str] = _NAME
    # Parameters sent unless the entry's params say otherwise.
    defaults: tuple[tuple[str, str], ...] = ()

    @property
    def is_table_shaped(self) -> bool:
        return self.table_parameter is not None


_AQM = frozenset({"A", "Q", "M"})
DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("NIPA", "TableName", _AQM),
        Dataset("NIUnderlyingDetail", "TableName", _AQM),
        # Annual, and GetData takes no Frequency.
        Dataset("FixedAssets", "TableName"),
        Dataset("Regional", "TableName"),
        Dataset("GDPbyIndustry", "TableID", frozenset({"A", "Q"}), ("A",), _TABLE_ID, (("Industry", ALL),)),
        Dataset(
            "UnderlyingGDPbyIndustry", "TableID", frozenset({"A"}), ("A",), _TABLE_ID, (("Industry", ALL),)
        ),
        Dataset("InputOutput", "TableID", table_pattern=_TABLE_ID),
        Dataset("ITA", None),
        Dataset("IIP", None),
        Dataset("IntlServTrade", None),
        Dataset("IntlServSTA", None),
        Dataset("MNE", None),
    )
}


def dataset_named(name: str) -> Dataset | None:
    """BEA's dataset of that name, in any case (BEA's names are case-insensitive)."""
    return DATASETS.get(name) or next((d for d in DATASETS.values() if d.name.lower() == name.lower()), None)


# Separates the Name=Value pairs of a parameter-shaped entry's name (values may hold commas).
PAIR_SEPARATOR = ";"


def request_name(params: tuple[tuple[str, str], ...]) -> str:
    """A parameter-shaped entry's table_name: its parameters less Year, sorted by name,
    ``Name=Value`` joined by ``;`` (``AreaOrCountry=China;Frequency=A;Indicator=ALL``). Year is
    left out so that the name stays the same when only the years asked for change."""
    pairs = sorted((p for p in params if p[0].lower() != "year"), key=lambda p: p[0].lower())
    return PAIR_SEPARATOR.join(f"{name}={value}" for name, value in pairs)


@dataclass(frozen=True)
class CatalogTable:
    """One catalog entry: a table (or every table) of a table-shaped dataset, or one request of
    a parameter-shaped one."""

    # BEA's name of the release that publishes it, e.g. "Gross Domestic Product".
    release_name: str
    dataset: str
    # The table as BEA names it; for a parameter-shaped entry its request_name.
    table: str
    frequencies: tuple[str, ...] = ()
    # Regional only: the line codes to fetch (None: every line, listed by BEA) and the geography.
    lines: tuple[str, ...] | None = None
    geo: str = "STATE"
    # Other GetData parameters, as BEA names them, in the catalog's order.
    params: tuple[tuple[str, str], ...] = ()
    # ``tables: ALL``: every table BEA lists for the dataset, expanded when a capture is planned.
    every_table: bool = False

    @property
    def is_regional(self) -> bool:
        return self.dataset == "Regional"

    @property
    def spec(self) -> Dataset:
        return DATASETS[self.dataset]

    @property
    def label(self) -> str:
        return f"{self.dataset}/{ALL if self.every_table else self.table}"

    def with_table(self, table: str) -> CatalogTable:
        """The entry for one table of a ``tables: ALL`` entry."""
        return CatalogTable(
            self.release_name, self.dataset, table, self.frequencies, self.lines, self.geo, self.params
        )

    def request(self) -> dict[str, str]:
        """The GetData parameters of the entry (for Regional, all but LineCode)."""
        spec = self.spec
        out: dict[str, str] = {}
        if spec.table_parameter is not None:
            out[spec.table_parameter] = self.table
        if self.is_regional:
            out["GeoFips"] = self.geo
        if spec.frequencies:
            out["Frequency"] = ",".join(self.frequencies)
        given = {name.lower() for name, _ in self.params}
        out |= {name: value for name, value in spec.defaults if name.lower() not in given}
        out |= dict(self.params)
        # Year=ALL, filtered locally: an explicit year BEA has not published yet is an error,
        # and Regional's default is only the last five years.
        if "year" not in given:
            out["Year"] = ALL
        return out


@dataclass(frozen=True)
class FetchUnit:
    """One GetData request: an entry's table (or request), and for Regional one line of it."""

    table: CatalogTable
    line_code: str | None = None

    @property
    def params(self) -> dict[str, str]:
        out = self.table.request()
        if self.line_code is not None:
            out = {"TableName": out.pop("TableName"), "LineCode": self.line_code, **out}
        return out

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


@dataclass
class _Reader:
    """Reads one entry, refusing any mistake with a message that names it."""

    release: str
    entry: Any
    where: str

    def fail(self, reason: str) -> CatalogError:
        return CatalogError(f"{self.where}: {reason}")

    def params(self, allowed_here: set[str]) -> tuple[tuple[str, str], ...]:
        raw = self.entry.get("params", {})
        if not isinstance(raw, dict):
            raise self.fail("params must be a mapping of BEA parameter names to values")
        out = []
        for name, value in raw.items():
            name = str(name)
            text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
            if not _PARAM_NAME.match(name):
                raise self.fail(f"invalid parameter name {name!r}")
            if name.lower() in _CLIENT_PARAMS:
                raise self.fail(f"parameter {name} is set by the client, not the catalog")
            if name.lower() in allowed_here:
                raise self.fail(f"parameter {name} is given by the entry's own keys here, not params")
            if not _PARAM_VALUE.match(text):
                raise self.fail(f"invalid value {text!r} of parameter {name}")
            out.append((name, text))
        return tuple(out)

    def frequencies(self, spec: Dataset) -> tuple[str, ...]:
        if not spec.frequencies:
            if "frequencies" in self.entry:
                raise self.fail(f"{spec.name}'s GetData takes no Frequency: leave 'frequencies' out")
            return ("A",) if spec.name == "Regional" else ()
        freqs = tuple(str(f).upper() for f in self.entry.get("frequencies", spec.default_frequencies))
        allowed = ", ".join(sorted(spec.frequencies))
        if not freqs or not set(freqs) <= spec.frequencies:
            raise self.fail(f"frequencies must be a non-empty subset of {allowed}")
        return freqs

    def table_shaped(self, spec: Dataset) -> CatalogTable:
        every = str(self.entry.get("tables", "")).upper() == ALL
        if "tables" in self.entry and not every:
            raise self.fail("'tables' takes only ALL (name one table with 'table')")
        if every == ("table" in self.entry):
            raise self.fail("give either 'table' or 'tables: ALL'")
        table = ALL if every else str(self.entry["table"]).upper()
        if not every and not spec.table_pattern.match(table):
            raise self.fail(f"invalid table name {table!r}")
        freqs = self.frequencies(spec)
        own = {spec.table_parameter.lower(), "frequency"} if spec.table_parameter else set()
        if spec.name != "Regional":
            if "lines" in self.entry or "geo" in self.entry:
                raise self.fail("'lines' and 'geo' apply to Regional tables only")
            return CatalogTable(
                self.release, spec.name, table, freqs, params=self.params(own), every_table=every
            )
        geo = str(self.entry.get("geo", "STATE")).upper().replace(" ", "")
        if not _GEO.match(geo):
            raise self.fail(
                f"geo must be one of {', '.join(GEOGRAPHIES)}, a state's postal code, or comma-separated "
                "5-digit FIPS codes"
            )
        lines_raw = self.entry.get("lines")
        if lines_raw is None or str(lines_raw).upper() == ALL:
            lines = None
        else:
            lines = tuple(str(x) for x in (lines_raw if isinstance(lines_raw, list) else [lines_raw]))
            if not lines or not all(_LINE.match(x) for x in lines):
                raise self.fail("lines must be ALL or a list of line codes")
        params = self.params(own | {"linecode", "geofips"})
        return CatalogTable(self.release, spec.name, table, freqs, lines, geo, params, every)

    def parameter_shaped(self, spec: Dataset) -> CatalogTable:
        for key in ("table", "tables", "frequencies", "lines", "geo"):
            if key in self.entry:
                raise self.fail(
                    f"{spec.name} is asked by its parameters, not by table: give 'params' (not {key!r})"
                )
        params = self.params(set())
        if not params or all(name.lower() == "year" for name, _ in params):
            raise self.fail(f"{spec.name} needs 'params': the GetData parameters as BEA names them")
        return CatalogTable(self.release, spec.name, request_name(params), params=params)

    def read(self) -> CatalogTable:
        if not isinstance(self.entry, dict):
            raise self.fail("expected a mapping")
        dataset = str(self.entry.get("dataset", ""))
        spec = dataset_named(dataset)
        if spec is None:
            raise self.fail(f"unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
        unknown = set(self.entry) - {"dataset", "table", "tables", "frequencies", "lines", "geo", "params"}
        if unknown:
            raise self.fail(f"unknown key {sorted(unknown)[0]!r}")
        return self.table_shaped(spec) if spec.is_table_shaped else self.parameter_shaped(spec)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and check a catalog file; every mistake is refused with the entry it is in."""
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
    seen: set[tuple[str, str, bool]] = set()
    for release, entries in releases.items():
        for entry in entries or []:
            where = f"catalog {path.name}, release {release!r}, entry {entry!r}"
            table = _Reader(str(release), entry, where).read()
            identity = (table.dataset, table.table.lower(), table.every_table)
            if identity in seen:
                raise CatalogError(f"{where}: {table.label} is listed twice")
            seen.add(identity)
            tables.append(table)
    return Catalog(tuple(tables))
