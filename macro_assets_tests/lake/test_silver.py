"""silver's build streams bronze in batches: the whole release's contract still holds."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from macro_assets.bea.errors import BeaSchemaError
from macro_assets.lake import layout
from macro_assets.lake import silver as silver_module
from macro_assets.resources.lake import LakeResource
from macro_assets.transform.digests import digests_of
from macro_assets_tests.transform.test_observations import answer, row

RELEASE = date(2026, 10, 29)
CONTEXT = SimpleNamespace(log=logging.getLogger("test"))


def bronze(tmp_path: Path, answers: list[tuple[str, bytes]]) -> LakeResource:
    lake = LakeResource(url=str(tmp_path / "lake"))
    objects = []
    for i, (table, raw) in enumerate(answers):
        key = f"{layout.bronze_prefix(RELEASE)}/NIPA/{table}-{i}.json.gz"
        lake.put(key, gzip.compress(raw, mtime=0))
        # An entry as manifests before object_sha256 had them (checked by decompressing).
        objects.append(
            {
                "key": key,
                "sha256": hashlib.sha256(raw).hexdigest(),
                "dataset": "NIPA",
                "table": table,
                "bytes": len(raw),
                "rows": len(json.loads(raw)["BEAAPI"]["Results"]["Data"]),
                "last_revised": "2026-10-29",
            }
        )
    manifest = {"release_date": RELEASE.isoformat(), "objects": objects}
    lake.put(layout.bronze_manifest(RELEASE), json.dumps(manifest).encode())
    return lake


def build(lake: LakeResource) -> tuple[dict, dict[str, bool], pl.DataFrame]:
    built = silver_module.build(lake, RELEASE, CONTEXT.log)
    metadata, outcomes = built.metadata, built.outcomes
    frame = pl.read_parquet(io.BytesIO(lake.get(layout.silver_observations(RELEASE))))
    return metadata, {o.name: o.passed for o in outcomes}, frame


def table(name: str, lines: int, years: range) -> bytes:
    return answer(
        *(row(str(n), str(y), f"{n}.{y}", TableName=name) for n in range(1, lines + 1) for y in years)
    )


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Several row groups and reads ahead at test scale, as at full scale.
    monkeypatch.setattr(silver_module, "BATCH_ROWS", 7)
    monkeypatch.setattr(silver_module, "READ_AHEAD", 2)


def test_batches_write_every_row_once_in_answer_order(tmp_path: Path) -> None:
    answers = [(f"T1010{i}", table(f"T1010{i}", 2, range(2020, 2024))) for i in range(1, 6)]
    metadata, passed, frame = build(bronze(tmp_path, answers))
    assert all(passed.values()) and len(passed) == 5
    assert metadata["dagster/row_count"] == frame.height == 5 * 2 * 4
    assert frame["table_name"].unique(maintain_order=True).to_list() == [t for t, _ in answers]
    assert metadata["rows_by_table"] == {t: 8 for t, _ in answers}
    assert frame.filter(
        pl.col("table_name") == "T10103", pl.col("line_number") == 2, pl.col("time_period") == "2021"
    )["value"].to_list() == [2.2021]


def test_a_key_repeated_across_answers_and_batches_fails_key_unique(tmp_path: Path) -> None:
    first = table("T10101", 2, range(2020, 2024))
    again = answer(row("2", "2023", "9", TableName="T10101"))  # same key as a row of the first answer
    filler = table("T10102", 2, range(2020, 2024))
    _, passed, frame = build(bronze(tmp_path, [("T10101", first), ("T10102", filler), ("T10101", again)]))
    assert passed["key_unique"] is False
    assert frame.height == 17


def test_a_bronze_object_that_does_not_match_its_manifest_stops_silver(tmp_path: Path) -> None:
    lake = bronze(tmp_path, [("T10101", table("T10101", 1, range(2020, 2022)))])
    manifest = json.loads(lake.get(layout.bronze_manifest(RELEASE)))
    lake.put(manifest["objects"][0]["key"], gzip.compress(table("T10101", 1, range(2019, 2022)), mtime=0))
    with pytest.raises(BeaSchemaError, match="does not match its manifest sha256"):
        silver_module.build(lake, RELEASE, CONTEXT.log)
    assert not lake.exists(layout.silver_observations(RELEASE))


def test_a_key_repeated_in_two_answers_of_one_table_in_a_row_fails_key_unique(tmp_path: Path) -> None:
    first = table("T10101", 2, range(2020, 2024))
    again = answer(row("1", "2020", "9", TableName="T10101"))
    _, passed, _ = build(bronze(tmp_path, [("T10101", first), ("T10101", again), ("T10102", first)]))
    assert passed["key_unique"] is False


def test_silver_records_each_tables_rows_and_digest_for_its_own_object(tmp_path: Path) -> None:
    answers = [(f"T1010{i}", table(f"T1010{i}", 3, range(2019, 2024))) for i in range(1, 4)]
    lake = bronze(tmp_path, answers)
    _, _, frame = build(lake)
    object_sha256 = hashlib.sha256(lake.get(layout.silver_observations(RELEASE))).hexdigest()
    recorded = silver_module.table_digests(lake, RELEASE, object_sha256)
    assert recorded == digests_of(frame, silver_module.DIGEST_COLUMNS)
    assert {t: d.rows for (_, t), d in recorded.items()} == {t: 15 for t, _ in answers}
    # A record for another object (silver rebuilt since, say) is not taken for this one.
    assert silver_module.table_digests(lake, RELEASE, "0" * 64) is None
