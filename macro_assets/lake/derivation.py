"""Derivation records: beside each derived object (silver, gold), what it was built from, by
which code version, with which metadata and check outcomes, so that an unchanged input is
recognised and the object kept instead of rebuilt."""

from __future__ import annotations

from macro_assets import version
from macro_assets.checks import Outcome
from macro_assets.lake.codecs import read_json, sha256, write_json
from macro_assets.lake.stores import Store


def _sidecar(key: str) -> str:
    return f"{key}.source.json"


def reuse_if_current(lake: Store, key: str, source_sha256: str) -> tuple[dict, list[Outcome]] | None:
    """A derived object (silver, gold) already built from exactly this source by this code
    version, unchanged since: its recorded metadata (plain values) and check outcomes, else None.

    Checks are pure functions of the object's bytes, so outcomes recorded with the object's
    sha256 still hold for it; a new code version rebuilds (and re-checks) everything."""
    sidecar = _sidecar(key)
    if not (lake.exists(sidecar) and lake.exists(key)):
        return None
    record = read_json(lake, sidecar)
    if record.get("source_sha256") != source_sha256 or record.get("code_version") != version.code_version():
        return None
    if sha256(lake.get(key)) != record.get("object_sha256"):
        return None
    outcomes = [Outcome(**o) for o in record.get("checks", [])]
    return dict(record.get("metadata", {})) | {"reused": True}, outcomes


def record_derivation(
    lake: Store,
    key: str,
    data_sha256: str,
    source_sha256: str,
    metadata: dict,
    outcomes: list[Outcome],
) -> None:
    """Written after the object itself: a crash in between only costs a rebuild."""
    plain = {
        k: v
        for k, v in metadata.items()
        if isinstance(v, int | float | str | dict) and not isinstance(v, bool)
    }
    write_json(
        lake,
        _sidecar(key),
        {
            "source_sha256": source_sha256,
            "object_sha256": data_sha256,
            "code_version": version.code_version(),
            "metadata": plain,
            "checks": [vars(o) for o in outcomes],
        },
    )
