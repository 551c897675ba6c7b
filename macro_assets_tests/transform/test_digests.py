from __future__ import annotations

import struct
from datetime import date

import polars as pl
import xxhash

from macro_assets.transform.digests import KIND, Digests, digests_of

COLUMNS = ["dataset", "table_name", "series_id", "time_period", "value", "value_status", "period_end"]


def frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "dataset": pl.String,
            "table_name": pl.String,
            "series_id": pl.String,
            "time_period": pl.String,
            "value": pl.Float64,
            "value_status": pl.String,
            "period_end": pl.Date,
        },
        orient="row",
    )


ROWS = [
    ("NIPA", "T10105", "1", "2024", 1.5, None, date(2024, 12, 31)),
    ("NIPA", "T10105", "1", "2025", None, "(NA)", date(2025, 12, 31)),
    ("NIPA", "T10105", "2", "2024", -0.0, None, date(2024, 12, 31)),
    ("Regional", "CAINC1", "1|01001", "2024", 61234.0, None, date(2024, 12, 31)),
]


def test_a_digest_ignores_row_order_and_batches() -> None:
    whole = digests_of(frame(ROWS), COLUMNS)
    assert set(whole) == {("NIPA", "T10105"), ("Regional", "CAINC1")}
    assert whole[("NIPA", "T10105")].rows == 3
    assert all(d.digest.startswith(KIND) and len(d.digest) == len(KIND) + 32 for d in whole.values())
    in_batches = Digests(COLUMNS)
    for batch in (ROWS[3:], ROWS[:1], ROWS[1:3][::-1]):
        in_batches.add(frame(batch))
    assert in_batches.result() == whole
    # Columns are taken by name: their order in the frame does not matter.
    assert digests_of(frame(ROWS).select(COLUMNS[::-1]), COLUMNS) == whole


def test_a_digest_changes_with_any_value_and_tells_null_from_a_marker() -> None:
    base = digests_of(frame(ROWS), COLUMNS)[("NIPA", "T10105")].digest
    changed = [
        [("NIPA", "T10105", "1", "2024", 1.5000000000000002, None, date(2024, 12, 31)), *ROWS[1:]],
        [ROWS[0], ("NIPA", "T10105", "1", "2025", None, "(D)", date(2025, 12, 31)), *ROWS[2:]],
        [ROWS[0], ("NIPA", "T10105", "1", "2025", None, "\\N", date(2025, 12, 31)), *ROWS[2:]],
        [*ROWS[:2], ("NIPA", "T10105", "2", "2024", 0.0, None, date(2024, 12, 31)), ROWS[3]],
        [*ROWS[:2], ("NIPA", "T10105", "2", "2024", -0.0, None, date(2024, 12, 30)), ROWS[3]],
        ROWS[1:],
    ]
    digests = {digests_of(frame(rows), COLUMNS)[("NIPA", "T10105")].digest for rows in changed}
    assert base not in digests and len(digests) == len(changed)


def test_the_digest_is_its_definition_computed_independently() -> None:
    # Recorded digests must compare equal after any library upgrade: the row text as the module
    # documents it, hashed by the reference xxHash binding (not polars-hash).
    text = "\x1f".join(
        [
            "NIPA",  # dataset
            "2024-12-31",  # period_end
            "1",  # series_id
            "T10105",  # table_name
            "2024",  # time_period
            str(struct.unpack("<Q", struct.pack("<d", 1.5))[0]),  # value: its IEEE bits
            "\x00",  # value_status: null
        ]
    ).encode()
    halves = (xxhash.xxh3_64_intdigest(text, seed=seed) for seed in (0, 1))
    expected = KIND + "".join(f"{half:016x}" for half in halves)
    assert digests_of(frame(ROWS[:1]), COLUMNS)[("NIPA", "T10105")].digest == expected
