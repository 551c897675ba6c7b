"""Where each layer keeps a release's objects in the lake."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote


def _answer_path(dataset: str, table: str, line_code: str | None) -> str:
    # A parameter-shaped request's name ("AreaOrCountry=China;Frequency=A;Indicator=ALL") is
    # percent-encoded into one path segment; a table's name (letters, digits) stays as it is.
    table = quote(table, safe="")
    # Regional answers hold one line of a table each.
    if line_code is None:
        return f"dataset={dataset}/table={table}.json.gz"
    return f"dataset={dataset}/table={table}/line_code={line_code}.json.gz"


def landing_prefix(release: date) -> str:
    return f"landing/release_date={release}"


def landing_object(release: date, run_id: str, dataset: str, table: str, line_code: str | None = None) -> str:
    # Per run: two runs of one release never write the same landing object, and the release's
    # landing manifest (replaced atomically) always lists one run's complete set.
    return f"{landing_prefix(release)}/run_id={run_id}/{_answer_path(dataset, table, line_code)}"


def landing_entry(release: date, run_id: str, dataset: str, table: str, line_code: str | None = None) -> str:
    # What bronze's manifest will say of a landed answer, written after the answer itself.
    path = _answer_path(dataset, table, line_code).removesuffix(".json.gz") + ".json"
    return f"{landing_prefix(release)}/run_id={run_id}/_entries/{path}"


def landing_plan(release: date) -> str:
    return f"{landing_prefix(release)}/_plan.json"


def landing_manifest(release: date) -> str:
    return f"landing/release_date={release}/_manifest.json"


def bronze_prefix(release: date) -> str:
    return f"bronze/release_date={release}"


def bronze_object(release: date, dataset: str, table: str, line_code: str | None = None) -> str:
    return f"{bronze_prefix(release)}/{_answer_path(dataset, table, line_code)}"


def bronze_manifest(release: date) -> str:
    return f"{bronze_prefix(release)}/_manifest.json"


def bronze_check_record(release: date) -> str:
    # Outside bronze: bronze holds only what BEA answered, and this record is rewritten by
    # each code version.
    return f"checks/bronze/release_date={release}.json"


def silver_observations(release: date) -> str:
    return f"silver/release_date={release}/observations.parquet"


def silver_shapes(release: date) -> str:
    # Each table's lines, frequencies and geographies at this vintage: what the next one is
    # compared with.
    return f"silver/release_date={release}/_shapes.json"


def silver_tables(release: date) -> str:
    # Each table's rows and data digest, for the object of the sha256 it records: what the
    # warehouse and the lake's table compare without reading the rows again.
    return f"silver/release_date={release}/_tables.json"


def gold_indicators(release: date) -> str:
    return f"gold/release_date={release}/indicators.parquet"
