"""Fetching a catalog from BEA: check every entry against BEA's parameter lists and plan one
request per table or request (per line for Regional), then run them concurrently through one
client, whose limiter keeps the whole run under BEA's limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TypeVar

from macro_assets.bea.client import BeaClient, value_key
from macro_assets.bea.envelope import Answer
from macro_assets.bea.errors import BeaBadRequestError, BeaSchemaError
from macro_assets.catalog import ALL, CatalogTable, FetchUnit

T = TypeVar("T")
U = TypeVar("U")


def run_concurrently(items: list[U], fn: Callable[[U], T], workers: int) -> list[T]:
    """``fn`` over ``items`` on ``workers`` threads, in order; the first failure cancels the rest."""
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="bea-fetch") as pool:
        futures: list[Future[T]] = [pool.submit(fn, item) for item in items]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures if f in done and f.exception() is not None), None)
        if failed is not None:
            for future in futures:
                future.cancel()
            raise failed.exception()  # type: ignore[misc]
        return [f.result() for f in futures]


@dataclass
class ParameterLists:
    """BEA's own lists of a dataset's GetData parameters and of their values, asked once per
    plan (GetParameterList, GetParameterValues, GetParameterValuesFiltered)."""

    client: BeaClient
    _params: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    _values: dict[tuple[str, str], set[str] | None] = field(default_factory=dict)
    _lines: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def parameters(self, dataset: str) -> dict[str, dict[str, Any]]:
        """lower-case name → BEA's description of the parameter."""
        if dataset not in self._params:
            found = self.client.parameter_list(dataset)
            self._params[dataset] = {str(p.get("ParameterName", "")).lower(): p for p in found}
        return self._params[dataset]

    def values(self, dataset: str, parameter: str) -> set[str] | None:
        """Upper-case values ``parameter`` takes; None when BEA lists none for it (then the
        value is BEA's to judge when the data are asked for)."""
        key = (dataset, parameter.lower())
        if key not in self._values:
            try:
                found = self.client.parameter_values(dataset, parameter)
            except BeaBadRequestError:
                found = []
            keys = {value_key(v).upper() for v in found}
            self._values[key] = (keys - {""}) or None
        return self._values[key]

    def lines(self, dataset: str, table: str) -> list[str]:
        key = (dataset, table)
        if key not in self._lines:
            self._lines[key] = self.client.line_codes(dataset, table)
        return self._lines[key]


def _required(description: dict[str, Any]) -> bool:
    flag = str(description.get("ParameterIsRequiredFlag", "0")).strip().lower()
    has_default = str(description.get("ParameterDefaultValue", "")).strip() != ""
    return flag in ("1", "true") and not has_default


# Values not checked against BEA's lists: years are filtered locally, Regional's lines are
# checked by table, and GeoFips lists every place BEA knows (thousands).
_UNCHECKED_VALUES = {"year", "linecode", "geofips"}


def check_entry(table: CatalogTable, lists: ParameterLists) -> None:
    """Refuse, naming the entry, anything in it BEA's own lists do not have: a parameter its
    dataset does not take, a required one left out, a table or a value BEA does not list."""
    where = f"catalog entry {table.label} (release {table.release_name!r})"
    described = lists.parameters(table.dataset)
    request = table.request() | ({"LineCode": "?"} if table.is_regional else {})
    for name in request:
        if name.lower() not in described:
            takes = ", ".join(str(p.get("ParameterName")) for p in described.values())
            raise BeaBadRequestError(
                f"{where}: BEA's {table.dataset} takes no parameter {name!r} (it takes: {takes})"
            )
    given = {name.lower() for name in request}
    for lowered, description in described.items():
        if _required(description) and lowered not in given:
            name = description.get("ParameterName")
            raise BeaBadRequestError(f"{where}: BEA's {table.dataset} requires parameter {name!r}")
    table_parameter = table.spec.table_parameter
    for name, value in request.items():
        if name.lower() in _UNCHECKED_VALUES or (name == table_parameter and table.every_table):
            continue
        if all(one.strip().upper() == ALL for one in value.split(",")):
            # ALL needs no list (and asking for one costs a request of BEA's budget).
            continue
        known = lists.values(table.dataset, name)
        if known is None:
            continue
        for one in value.split(",") if name != table_parameter else [value]:
            if one.strip().upper() not in known and one.strip().upper() != ALL:
                what = "table" if name == table_parameter else f"{name} value"
                raise BeaBadRequestError(
                    f"{where}: {what} {one.strip()!r} is unknown to BEA's {table.dataset}"
                )


def expand(table: CatalogTable, lists: ParameterLists) -> list[CatalogTable]:
    """``tables: ALL``: every table BEA lists for the dataset, in BEA's order of names."""
    if not table.every_table:
        return [table]
    names = lists.values(table.dataset, table.spec.table_parameter or "")
    if not names:
        raise BeaSchemaError(f"BEA lists no tables for {table.dataset} ({table.label} in the catalog)")
    return [table.with_table(name) for name in sorted(names)]


def plan(client: BeaClient, tables: Iterable[CatalogTable], workers: int = 4) -> list[FetchUnit]:
    """Check every catalog entry against BEA's parameter lists, expand ``tables: ALL`` and
    Regional's ``lines: ALL``: one unit per request, nothing fetched yet."""
    lists = ParameterLists(client)
    entries = list(tables)
    for entry in entries:
        check_entry(entry, lists)
    concrete = [table for entry in entries for table in expand(entry, lists)]

    def units_of(table: CatalogTable) -> list[FetchUnit]:
        if not table.is_regional:
            return [FetchUnit(table)]
        listed = lists.lines(table.dataset, table.table)
        if not listed:
            raise BeaSchemaError(f"BEA lists no line codes for {table.dataset}/{table.table}")
        missing = [code for code in table.lines or () if code not in listed]
        if missing:
            raise BeaBadRequestError(
                f"catalog entry {table.label} (release {table.release_name!r}): line {missing[0]} is not "
                f"one of BEA's {len(listed)} lines of {table.table}"
            )
        return [FetchUnit(table, code) for code in table.lines or listed]

    # Regional's line lists are asked concurrently: one request per table.
    units = [unit for found in run_concurrently(concrete, units_of, workers) for unit in found]
    seen: dict[str, str] = {}
    for unit in units:
        if unit.label in seen:
            raise BeaBadRequestError(
                f"catalog entries of releases {seen[unit.label]!r} and {unit.table.release_name!r} "
                f"both ask for {unit.label}"
            )
        seen[unit.label] = unit.table.release_name
    return units


def fetch(
    client: BeaClient, units: list[FetchUnit], on_answer: Callable[[FetchUnit, Answer], T], workers: int = 4
) -> list[T]:
    """GetData for every unit; ``on_answer`` runs in the worker as each answer arrives, so only
    ``workers`` answers are held in memory at once."""

    def one(unit: FetchUnit) -> T:
        return on_answer(unit, client.get_data(unit.table.dataset, unit.table.table, **unit.params))

    return run_concurrently(units, one, workers)
