"""Checks of bronze: every captured answer is a valid BEA envelope, as the manifest recorded it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaError
from macro_assets.checks import Outcome


def bronze_checks(objects: Iterable[tuple[dict[str, Any], bytes]]) -> list[Outcome]:
    """``objects``: (manifest entry, uncompressed answer) pairs, consumed one at a time (a
    generator keeps one answer in memory, whatever the release's size)."""
    invalid, revised, hashes = [], [], []
    n = 0
    for entry, raw in objects:
        n += 1
        label = entry["key"].split("/", 2)[-1]
        if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
            hashes.append(label)
        try:
            doc = envelope.decode(raw)
            envelope.raise_for_errors(doc, label)
            envelope.data_rows(doc, label)
        except BeaError as exc:
            invalid.append(f"{label}: {exc}")
            continue
        try:
            if envelope.last_revised(doc, entry["table"]).isoformat() != entry["last_revised"]:
                revised.append(label)
        except BeaError:
            revised.append(label)
    return [
        *envelope_outcomes(invalid, revised, n),
        sha256_outcome(hashes, n),
    ]


def envelope_outcomes(invalid: list[str], revised: list[str], n: int) -> list[Outcome]:
    return [
        Outcome(
            "valid_envelope",
            not invalid,
            f"{len(invalid)} of {n} answers invalid: {invalid[:2]}",
            {"answers": n},
        ),
        Outcome(
            "last_revised_parsed",
            not revised,
            f"LastRevised missing or not as recorded in {revised[:3]}",
            {"answers": n},
        ),
    ]


def sha256_outcome(differing: list[str], n: int) -> Outcome:
    return Outcome(
        "sha256_as_recorded",
        not differing,
        f"{len(differing)} answers differ from their manifest sha256: {differing[:3]}",
        {"answers": n},
    )


def hashes_as_recorded(objects: Iterable[tuple[dict[str, Any], str]]) -> Outcome:
    """``objects``: (manifest entry, sha256 of the uncompressed answer as stored now)."""
    differing, n = [], 0
    for entry, digest in objects:
        n += 1
        if digest != entry["sha256"]:
            differing.append(entry["key"].split("/", 2)[-1])
    return sha256_outcome(differing, n)


CHECK_NAMES = ("valid_envelope", "last_revised_parsed", "sha256_as_recorded")
