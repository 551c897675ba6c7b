"""Bronze: the answers kept immutably in the lake, with a manifest.

BEA serves only its current vintage, so bronze is the only copy of a past one: objects are
created once and never replaced; the manifest, written last, is what readers trust.
"""

from __future__ import annotations

import gzip
from datetime import date
from typing import Any

from macro_assets import version
from macro_assets.bea.errors import BeaSchemaError
from macro_assets.checks import Outcome
from macro_assets.checks import bronze as bronze_checks
from macro_assets.lake import layout
from macro_assets.lake.codecs import read_json, sha256, write_json
from macro_assets.lake.log import Log
from macro_assets.lake.manifest import Entry, Manifest, described, read_manifest, write_manifest
from macro_assets.lake.stores import Store
from macro_assets.lake.streams import ahead_within, in_order, usable_cores

# Objects are read and decompressed on threads (zlib and sha256 release the GIL), a few ahead:
# up to 8, or as many as make about AHEAD_BYTES of answers (a county line's answer is ~28 MB of
# JSON, parsed again by the envelope checks).
READ_WORKERS = min(4, usable_cores())
READ_AHEAD = 8
AHEAD_BYTES = 64 * 2**20


def keep(lake: Store, release: date, run_id: str | None, log: Log) -> dict[str, Any]:
    """Copy what landing's manifest lists into bronze, then write bronze's manifest; a release
    whose bronze is complete is left as it is. Plain metadata of what was done."""
    manifest_key = layout.bronze_manifest(release)
    if lake.exists(manifest_key):
        done = read_manifest(lake, manifest_key)
        log.info(f"bronze for {release} already complete; left as captured")
        return {"objects": len(done.objects), "written": 0, "manifest": lake.uri(manifest_key)}
    swept = lake.sweep_partials(layout.bronze_prefix(release), 3600.0)
    if swept:
        log.warning(f"removed {swept} partial file(s) a killed run left in bronze for {release}")
    landed = read_manifest(lake, layout.landing_manifest(release))
    objects, written = [], 0
    for entry in landed.objects:
        data = lake.get(entry.key)
        if not bronze_checks.stored_as_recorded(entry, data):
            raise BeaSchemaError(f"landed answer {entry.key} does not match its recorded sha256")
        key = layout.bronze_object(release, entry.dataset, entry.table, entry.line_code)
        if lake.put_if_absent(key, data):
            written += 1
            objects.append(entry.model_copy(update={"key": key}))
        else:
            log.warning(f"{key} already captured by an earlier run; keeping it unchanged")
            # The object a crashed run already created stays (first capture wins): describe it.
            objects.append(described(lake.get(key), key, entry.model_dump()))
    manifest = Manifest(release_date=release, run_id=run_id, source=landed.source or "bea", objects=objects)
    write_manifest(lake, manifest_key, manifest, if_absent=True)
    return {
        "objects": len(objects),
        "written": written,
        "bytes": sum(o.bytes for o in objects),
        "manifest": lake.uri(manifest_key),
        "sha256": {f"{o.dataset}/{o.table}": o.sha256 for o in objects},
    }


def check(lake: Store, release: date) -> list[Outcome]:
    """Re-read every object the manifest lists, as silver will.

    The envelope checks are pure functions of an answer's bytes. Once they have passed, their
    outcomes are recorded with the manifest's sha256 and the code version; a later run that
    finds every object still hashing to its manifest sha256 reuses them and only re-hashes
    (a re-run of an unchanged partition: ~1 s instead of ~6 s at full NIPA scale)."""
    manifest_bytes = lake.get(layout.bronze_manifest(release))
    objects = Manifest.model_validate_json(manifest_bytes).objects
    stamp = {"manifest_sha256": sha256(manifest_bytes), "code_version": version.code_version()}
    record_key = layout.bronze_check_record(release)
    record = read_json(lake, record_key) if lake.exists(record_key) else {}
    if {k: record.get(k) for k in stamp} == stamp:

        def as_recorded(entry: Entry) -> tuple[Entry, bool]:
            return entry, bronze_checks.stored_as_recorded(entry, lake.get(entry.key))

        hashes = bronze_checks.hashes_as_recorded(in_order(as_recorded, objects, READ_WORKERS, READ_AHEAD))
        if hashes.passed:
            recorded = [Outcome(**o) for o in record["checks"] if o["name"] != hashes.name]
            return [*recorded, hashes]

    def unpack(entry: Entry) -> tuple[Entry, bytes, bytes]:
        stored = lake.get(entry.key)
        return entry, stored, gzip.decompress(stored)

    ahead = ahead_within((e.bytes for e in objects), AHEAD_BYTES, READ_AHEAD)
    outcomes = bronze_checks.bronze_checks(in_order(unpack, objects, READ_WORKERS, ahead))
    if all(o.passed for o in outcomes):
        write_json(lake, record_key, stamp | {"checks": [vars(o) for o in outcomes]})
    return outcomes


def held_release_dates(lake: Store) -> list[date]:
    """Release dates whose capture bronze holds (its manifest is written last), oldest first."""
    held = []
    for folder in lake.list_folders("bronze"):
        _, _, value = folder.partition("release_date=")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            continue
        if lake.exists(layout.bronze_manifest(day)):
            held.append(day)
    return sorted(held)
