"""The lake's Iceberg table (SQL catalog in a real PostgreSQL): one commit per release, appending
again commits nothing, different data are refused, a failure half-way leaves no trace, and two
writers at once both land."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from macro_assets.lake import duck, iceberg
from macro_assets.transform.observations import SCHEMA

RELEASES = [date(2026, 9, 25), date(2026, 10, 30), date(2026, 11, 25)]


class Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    warning = info


def silver(release: date, revise: float = 0.0) -> pl.DataFrame:
    """Two NIPA tables and one Regional table, 3 series x 4 years each; ``revise`` moves one
    table's newest year."""
    rows = []
    for dataset, table in (("NIPA", "T10101"), ("NIPA", "T20600"), ("Regional", "CAINC1")):
        for line in (1, 2, 3):
            for year in (2022, 2023, 2024, 2025):
                value = line * 100.0 + year % 100 + (revise if (table, year) == ("T10101", 2025) else 0.0)
                rows.append(
                    {
                        "dataset": dataset,
                        "table_name": table,
                        "series_id": str(line),
                        "line_number": line,
                        "line_description": f"line {line}",
                        "time_period": str(year),
                        "frequency": "A",
                        "period_start": date(year, 1, 1),
                        "period_end": date(year, 12, 31),
                        "value": value,
                        "unit": "Millions of dollars",
                        "unit_mult": 6,
                        "dimensions": "{}",
                        "release_date": release,
                    }
                )
    return (
        pl.DataFrame(rows)
        .with_columns(*(pl.lit(None, dtype).alias(c) for c, dtype in SCHEMA.items() if c not in rows[0]))
        .select(list(SCHEMA))
        .cast(SCHEMA)
    )  # type: ignore[arg-type]


def append(
    lake_table: iceberg.LakeTable, release: date, frame: pl.DataFrame, tmp_path: Path
) -> iceberg.Appended:
    """Silver's rows as the lake holds them (one Parquet file), appended."""
    path = tmp_path / f"silver-{uuid.uuid4()}.parquet"
    frame.write_parquet(path)
    return iceberg.append_release(lake_table, release, path, Log())


@pytest.fixture
def catalog(database_url: str, tmp_path: Path) -> iceberg.LakeTable:
    return iceberg.LakeTable(iceberg.open_catalog(database_url, (tmp_path / "iceberg").as_uri()))


def rows(catalog: iceberg.LakeTable) -> pl.DataFrame:
    table = catalog.load()
    return duck.query(table, "SELECT * FROM observations").sort(
        "table_name", "series_id", "time_period", "published_in"
    )


def test_a_release_is_one_commit_and_again_commits_nothing(
    catalog: iceberg.LakeTable, tmp_path: Path
) -> None:
    first = append(catalog, RELEASES[0], silver(RELEASES[0]), tmp_path)
    assert (first.tables, first.folded_tables, first.rows_written) == (3, 3, 36)
    snapshots = catalog.load().snapshots()
    again = append(catalog, RELEASES[0], silver(RELEASES[0]), tmp_path)
    assert (again.unchanged_tables, again.rows_written, again.snapshot_id) == (3, 0, first.snapshot_id)
    assert catalog.load().snapshots() == snapshots
    revised = append(catalog, RELEASES[1], silver(RELEASES[1], revise=1.5), tmp_path)
    # Only the revised table is rewritten (its 12 rows and 3 revised ones); the two others
    # repeat their previous vintage.
    assert (revised.folded_tables, revised.unchanged_tables, revised.rows_written) == (1, 2, 15)
    stored = rows(catalog)
    assert stored.height == 39
    changed = stored.filter(pl.col("replaced_in").is_not_null())
    assert changed.select("table_name", "series_id", "time_period").unique().height == 3
    assert set(changed["replaced_in"]) == {RELEASES[1]}


def test_different_data_for_an_appended_release_are_refused_whole(
    catalog: iceberg.LakeTable, tmp_path: Path
) -> None:
    append(catalog, RELEASES[0], silver(RELEASES[0]), tmp_path)
    before = rows(catalog)
    with pytest.raises(iceberg.LakeConflict, match=r"release 2026-09-25 of NIPA/T10101 .* different data"):
        append(catalog, RELEASES[0], silver(RELEASES[0], revise=9.0), tmp_path)
    assert rows(catalog).equals(before)


def test_a_failure_half_way_through_a_release_leaves_the_table_as_it_was(
    catalog: iceberg.LakeTable, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    append(catalog, RELEASES[0], silver(RELEASES[0]), tmp_path)
    before, snapshots = rows(catalog), len(catalog.load().snapshots())
    real, calls = iceberg._upload, []

    def failing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(iceberg, "_upload", failing)
    everything_revised = silver(RELEASES[1]).with_columns(pl.col("value") + 1)
    with pytest.raises(OSError, match="disk full"):
        append(catalog, RELEASES[1], everything_revised, tmp_path)
    table = catalog.load()
    assert len(table.snapshots()) == snapshots
    assert RELEASES[1] not in iceberg.loaded_releases(table, ("NIPA", "T10101"))
    assert rows(catalog).equals(before)


def test_a_tight_memory_limit_gives_the_same_rows(
    catalog: iceberg.LakeTable, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for i, release in enumerate(RELEASES):
        append(catalog, release, silver(release, revise=float(i)), tmp_path)
    reference = rows(catalog)
    # The same catalog database, another namespace: a table of its own.
    other = iceberg.LakeTable(catalog.catalog, "bea_tight")
    monkeypatch.setenv("MDI_DUCKDB_MEMORY", "20MB")
    for i, release in enumerate(RELEASES[::-1]):
        append(other, release, silver(release, revise=float(len(RELEASES) - 1 - i)), tmp_path)
    assert rows(other).equals(reference)


def test_two_writers_at_once_both_land(catalog: iceberg.LakeTable, tmp_path: Path) -> None:
    append(catalog, RELEASES[0], silver(RELEASES[0]), tmp_path)
    errors: list[BaseException] = []

    def writer(release: date, revise: float) -> None:
        try:
            append(catalog, release, silver(release, revise=revise), tmp_path)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(r, i + 1.0)) for i, r in enumerate(RELEASES[1:])]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert errors == []
    table = catalog.load()
    assert sorted(iceberg.loaded_releases(table, ("NIPA", "T10101"))) == RELEASES
    stored = rows(catalog).filter(pl.col("table_name") == "T10101", pl.col("time_period") == "2025")
    assert stored["value"].to_list().count(None) == 0 and stored.height == 9  # 3 series x 3 vintages


def test_an_unreachable_catalog_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(iceberg.LakeTableUnavailableError) as raised:
        iceberg.open_catalog("postgresql+psycopg2://nobody:secret@127.0.0.1:9/none", tmp_path.as_uri())
    message = str(raised.value)
    assert message.startswith(
        "Iceberg catalog at postgresql+psycopg2://nobody:***@127.0.0.1:9/none unavailable: "
    )
    assert "\n" not in message and "secret" not in message


def test_duckdb_refuses_a_bad_query_in_one_line(catalog: iceberg.LakeTable, tmp_path: Path) -> None:
    append(catalog, RELEASES[0], silver(RELEASES[0]), tmp_path)
    table = catalog.load()
    with pytest.raises(duck.LakeQueryError, match=r"^DuckDB: .*nothing") as raised:
        duck.query(table, "SELECT * FROM nothing")
    assert "\n" not in str(raised.value)
    assert duck.query(table, "SELECT count(*) AS n FROM observations_as_of(?)", [RELEASES[0]])["n"][0] == 36


def test_a_bad_fold_memory_setting_is_one_line(
    catalog: iceberg.LakeTable, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MDI_DUCKDB_MEMORY", "1GB'; DROP TABLE x; --")
    with pytest.raises(ValueError, match=r"^MDI_DUCKDB_MEMORY .*: expected a size such as 1GB or 512MiB$"):
        append(catalog, RELEASES[0], silver(RELEASES[0]), tmp_path)
    assert catalog.load().current_snapshot() is None  # nothing committed
