"""Checks of bronze: every captured answer is a valid BEA envelope, as the manifest recorded it."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaError
from macro_assets.checks import Check, Outcome
from macro_assets.lake.manifest import Entry

VALID_ENVELOPE = Check(
    "valid_envelope",
    "Every answer decodes as BEA's envelope (BEAAPI → Results) with data rows, not an error inside HTTP 200.",
)
LAST_REVISED_PARSED = Check(
    "last_revised_parsed",
    "Every answer's LastRevised parses as a date and equals what the manifest recorded.",
)
SHA256_AS_RECORDED = Check(
    "sha256_as_recorded",
    "Every answer and every stored object in bronze hash to the manifest's sha256 and "
    "object_sha256: nothing changed since it was stored.",
)
CHECKS = (VALID_ENVELOPE, LAST_REVISED_PARSED, SHA256_AS_RECORDED)
_NO_ANSWERS = "the manifest lists no answers"


def bronze_checks(objects: Iterable[tuple[Entry, bytes, bytes]]) -> list[Outcome]:
    """``objects``: (manifest entry, stored gzip bytes, uncompressed answer), consumed one at a
    time (a generator keeps one answer in memory, whatever the release's size). Both hashes
    are checked here, once: the answer's ``sha256`` and the stored object's ``object_sha256``."""
    invalid, revised, hashes = [], [], []
    n = 0
    for entry, stored, raw in objects:
        n += 1
        label = entry.name
        if hashlib.sha256(raw).hexdigest() != entry.sha256 or not stored_as_recorded(entry, stored):
            hashes.append(label)
        try:
            doc = envelope.decode(raw)
            envelope.raise_for_errors(doc, label)
            envelope.data_rows(doc, label)
        except BeaError as exc:
            invalid.append(f"{label}: {exc}")
            continue
        try:
            stamp = envelope.vintage(doc, entry.dataset, entry.table)
            if stamp != (entry.last_revised if entry.vintage_stamped else None):
                revised.append(label)
        except BeaError:
            revised.append(label)
    return [
        *envelope_outcomes(invalid, revised, n),
        sha256_outcome(hashes, n),
    ]


def envelope_outcomes(invalid: list[str], revised: list[str], n: int) -> list[Outcome]:
    if not n:
        return [
            VALID_ENVELOPE.nothing_to_check(_NO_ANSWERS),
            LAST_REVISED_PARSED.nothing_to_check(_NO_ANSWERS),
        ]
    return [
        VALID_ENVELOPE.outcome(
            not invalid,
            f"{len(invalid)} of {n} answers invalid: {invalid[:2]}",
            {"answers": n},
        ),
        LAST_REVISED_PARSED.outcome(
            not revised,
            f"LastRevised missing or not as recorded in {revised[:3]}",
            {"answers": n},
        ),
    ]


def sha256_outcome(differing: list[str], n: int) -> Outcome:
    if not n:
        return SHA256_AS_RECORDED.nothing_to_check(_NO_ANSWERS)
    return SHA256_AS_RECORDED.outcome(
        not differing,
        f"{len(differing)} answers differ from their manifest sha256: {differing[:3]}",
        {"answers": n},
    )


def stored_as_recorded(entry: Entry, stored: bytes) -> bool:
    """Whether ``stored`` (an object's gzip bytes, as read from the lake) is what the manifest
    recorded. Entries since November 2026 carry ``object_sha256``, the hash of the stored
    bytes, taken from the same answer as ``sha256``: hashing the gzip file is ~30 times less
    work than hashing the answer it holds. Older entries are checked by decompressing."""
    if entry.object_sha256 is not None:
        return hashlib.sha256(stored).hexdigest() == entry.object_sha256
    return hashlib.sha256(gzip.decompress(stored)).hexdigest() == entry.sha256


def hashes_as_recorded(objects: Iterable[tuple[Entry, bool]]) -> Outcome:
    """``objects``: (manifest entry, whether the object as stored now is as recorded)."""
    differing, n = [], 0
    for entry, as_recorded in objects:
        n += 1
        if not as_recorded:
            differing.append(entry.name)
    return sha256_outcome(differing, n)
