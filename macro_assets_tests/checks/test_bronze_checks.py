"""Bronze's checks on real BEA answers from ../shared, and on tampered ones."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from macro_assets.checks import checked_nothing
from macro_assets.checks.bronze import CHECKS, bronze_checks, hashes_as_recorded, stored_as_recorded
from macro_assets.lake.manifest import Entry
from macro_assets_tests.conftest import SHARED

SAMPLE = SHARED / "samples" / "bea_api_raw_Regional_SAINC1_line1_Alabama_2017_2022.json"


def stored(raw: bytes) -> bytes:
    return gzip.compress(raw, mtime=0)


def entry(raw: bytes, **over: str | None) -> Entry:
    fields = {
        "key": "bronze/release_date=2023-09-29/dataset=Regional/table=SAINC1/line_code=1.json.gz",
        "dataset": "Regional",
        "table": "SAINC1",
        "line_code": "1",
        "sha256": hashlib.sha256(raw).hexdigest(),
        "object_sha256": hashlib.sha256(stored(raw)).hexdigest(),
        "bytes": len(raw),
        "rows": 6,
        "last_revised": "2023-09-29",
    }
    return Entry.model_validate(fields | over)


def outcomes(pairs: list) -> dict[str, bool]:  # noqa: ANN001
    return {o.name: o.passed for o in bronze_checks((e, stored(raw), raw) for e, raw in pairs)}


def test_a_real_answer_passes() -> None:
    raw = SAMPLE.read_bytes()
    assert outcomes([(entry(raw), raw)]) == {
        "valid_envelope": True,
        "last_revised_parsed": True,
        "sha256_as_recorded": True,
    }


def test_a_changed_byte_and_a_wrong_vintage_are_caught() -> None:
    raw = SAMPLE.read_bytes()
    tampered = raw.replace(b"197964", b"197965")
    assert outcomes([(entry(raw), tampered)])["sha256_as_recorded"] is False
    assert outcomes([(entry(raw, last_revised="2023-10-01"), raw)])["last_revised_parsed"] is False


def test_an_answer_matching_one_hash_but_not_the_other_is_caught() -> None:
    raw = SAMPLE.read_bytes()
    # The same answer compressed differently: its sha256 holds, the stored object's does not.
    other = gzip.compress(raw, compresslevel=1, mtime=0)
    result = bronze_checks([(entry(raw), other, raw)])
    assert next(o for o in result if o.name == "sha256_as_recorded").passed is False


@pytest.mark.parametrize("with_object_hash", [True, False], ids=["object_sha256", "manifest before it"])
def test_stored_as_recorded_by_either_hash(with_object_hash: bool) -> None:
    raw = SAMPLE.read_bytes()
    recorded = entry(raw) if with_object_hash else entry(raw, object_sha256=None)
    assert stored_as_recorded(recorded, stored(raw))
    assert not stored_as_recorded(recorded, stored(raw.replace(b"197964", b"197965")))


def test_an_error_answer_or_empty_data_is_not_a_valid_envelope() -> None:
    error = b'{"BEAAPI": {"Results": {"Error": {"APIErrorCode": "201", "APIErrorDescription": "x"}}}}'
    empty = b'{"BEAAPI": {"Results": {"Data": [], "Notes": []}}}'
    result = bronze_checks([(entry(error), stored(error), error), (entry(empty), stored(empty), empty)])
    valid = next(o for o in result if o.name == "valid_envelope")
    assert not valid.passed and valid.description.startswith("2 of 2 answers invalid")


def test_a_manifest_without_answers_is_nothing_to_check() -> None:
    outcomes = bronze_checks(iter(()))
    assert [o.name for o in outcomes] == [c.name for c in CHECKS]
    assert all(not o.passed and checked_nothing(o) for o in outcomes)
    assert checked_nothing(hashes_as_recorded(iter(())))
