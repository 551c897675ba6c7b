"""bronze's envelope checks are recorded once passed, and reused only for the same bytes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from macro_assets import version
from macro_assets.lake import bronze as bronze_module
from macro_assets.lake import layout
from macro_assets.resources.lake import LakeResource
from macro_assets_tests.lake.test_silver import RELEASE, bronze, table


def lake_with_two_answers(tmp_path: Path) -> LakeResource:
    lake = bronze(
        tmp_path,
        [
            ("T10101", table("T10101", 2, range(2020, 2023))),
            ("T10102", table("T10102", 1, range(2020, 2022))),
        ],
    )
    manifest = json.loads(lake.get(layout.bronze_manifest(RELEASE)))
    for obj in manifest["objects"]:
        obj["last_revised"] = "2026-10-29"  # as the notes of test_observations.answer say
    lake.put(layout.bronze_manifest(RELEASE), json.dumps(manifest).encode())
    return lake


def passed(outcomes: list) -> dict[str, bool]:  # noqa: ANN001
    return {o.name: o.passed for o in outcomes}


def refuse_full_check(objects):  # noqa: ANN001, ANN201
    raise AssertionError("the envelope checks ran again")


def test_passed_checks_are_recorded_and_reused_for_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = lake_with_two_answers(tmp_path)
    first = bronze_module.check(lake, RELEASE)
    assert passed(first) == {"valid_envelope": True, "last_revised_parsed": True, "sha256_as_recorded": True}
    record = json.loads(lake.get(layout.bronze_check_record(RELEASE)))
    assert record["code_version"] == version.code_version() and len(record["checks"]) == 3

    monkeypatch.setattr(bronze_module.bronze_checks, "bronze_checks", refuse_full_check)
    again = bronze_module.check(lake, RELEASE)
    assert [vars(o) for o in again] == [vars(o) for o in first]


def test_a_changed_object_is_checked_in_full_and_not_recorded(tmp_path: Path) -> None:
    lake = lake_with_two_answers(tmp_path)
    bronze_module.check(lake, RELEASE)
    record_before = lake.get(layout.bronze_check_record(RELEASE))
    key = json.loads(lake.get(layout.bronze_manifest(RELEASE)))["objects"][1]["key"]
    lake.put(key, gzip.compress(table("T10102", 1, range(2019, 2022)), mtime=0))
    outcomes = passed(bronze_module.check(lake, RELEASE))
    assert outcomes == {"valid_envelope": True, "last_revised_parsed": True, "sha256_as_recorded": False}
    assert lake.get(layout.bronze_check_record(RELEASE)) == record_before


def test_a_new_code_version_checks_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = lake_with_two_answers(tmp_path)
    bronze_module.check(lake, RELEASE)
    monkeypatch.setattr(version, "code_version", lambda: "a-newer-version")
    monkeypatch.setattr(bronze_module.bronze_checks, "bronze_checks", refuse_full_check)
    with pytest.raises(AssertionError, match="ran again"):
        bronze_module.check(lake, RELEASE)
