"""Fetching a catalog from BEA: plan one request per table (per line for Regional), then run
them concurrently through one client, whose limiter keeps the whole run under BEA's limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from macro_assets.bea.client import BeaClient
from macro_assets.bea.envelope import Answer
from macro_assets.bea.errors import BeaBadRequestError, BeaSchemaError
from macro_assets.catalog import CatalogTable, FetchUnit

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


def plan(client: BeaClient, tables: Iterable[CatalogTable], workers: int = 4) -> list[FetchUnit]:
    """Check every catalog table exists at BEA, list Regional lines where the catalog says ALL."""
    tables = list(tables)
    for dataset in sorted({t.dataset for t in tables}):
        known = client.table_names(dataset)
        unknown = [t.table for t in tables if t.dataset == dataset and t.table not in known]
        if unknown:
            raise BeaBadRequestError(f"catalog table {dataset}/{unknown[0]} is unknown to BEA's {dataset}")

    def units_of(table: CatalogTable) -> list[FetchUnit]:
        if not table.is_regional:
            return [FetchUnit(table)]
        codes = table.lines or tuple(client.line_codes(table.dataset, table.table))
        if not codes:
            raise BeaSchemaError(f"BEA lists no line codes for {table.dataset}/{table.table}")
        return [FetchUnit(table, code) for code in codes]

    return [unit for units in run_concurrently(tables, units_of, workers) for unit in units]


def fetch(
    client: BeaClient, units: list[FetchUnit], on_answer: Callable[[FetchUnit, Answer], T], workers: int = 4
) -> list[T]:
    """GetData for every unit; ``on_answer`` runs in the worker as each answer arrives, so only
    ``workers`` answers are held in memory at once."""

    def one(unit: FetchUnit) -> T:
        return on_answer(unit, client.get_data(unit.table.dataset, unit.table.table, **unit.params))

    return run_concurrently(units, one, workers)
