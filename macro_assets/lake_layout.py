"""Where each layer keeps a release's objects in the lake."""

from __future__ import annotations

from datetime import date


def landing_object(release: date, dataset: str, table: str) -> str:
    return f"landing/release_date={release}/dataset={dataset}/table={table}.json.gz"


def landing_manifest(release: date) -> str:
    return f"landing/release_date={release}/_manifest.json"


def bronze_object(release: date, dataset: str, table: str) -> str:
    return f"bronze/release_date={release}/dataset={dataset}/table={table}.json.gz"


def bronze_manifest(release: date) -> str:
    return f"bronze/release_date={release}/_manifest.json"


def silver_observations(release: date) -> str:
    return f"silver/release_date={release}/observations.parquet"


def gold_indicators(release: date) -> str:
    return f"gold/release_date={release}/indicators.parquet"
