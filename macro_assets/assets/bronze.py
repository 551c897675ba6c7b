"""bronze: the answers kept immutably in the lake, with a manifest.

BEA serves only its current vintage, so bronze is the only copy of a past one: objects are
created once and never replaced; the manifest, written last, is what readers trust.
"""

import gzip
import json
from datetime import date

import dagster as dg

from macro_assets.assets.raw import bea_raw
from macro_assets.assets.results import (
    BACKFILL_POLICY,
    GROUP,
    check_results,
    merge_metadata,
    releases_of,
    timed,
)
from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaSchemaError
from macro_assets.checks import Outcome
from macro_assets.checks import bronze as bronze_checks
from macro_assets.lake import layout
from macro_assets.lake.codecs import read_json, sha256, write_json
from macro_assets.lake.streams import in_order, usable_cores
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.lake import LakeResource


def _entry_for_existing(lake: LakeResource, entry: dict, key: str) -> dict:
    """An object a crashed run already created: keep it (first capture wins), describe it."""
    stored = lake.get(key)
    raw = gzip.decompress(stored)
    doc = envelope.decode(raw)
    produced = envelope.production_time(doc)
    return dict(
        entry,
        sha256=sha256(raw),
        object_sha256=sha256(stored),
        bytes=len(raw),
        rows=len(envelope.data_rows(doc, entry["table"])),
        last_revised=envelope.last_revised(doc, entry["table"]).isoformat(),
        utc_production_time=produced.isoformat() if produced else None,
    )


@dg.asset(
    partitions_def=release_date_partitions,
    backfill_policy=BACKFILL_POLICY,
    deps=[bea_raw],
    group_name=GROUP,
    kinds={"json"},
    description="Immutable, redacted BEA answers per release date, with a manifest "
    "(request, sha256, bytes, HTTP status, LastRevised, UTCProductionTime, fetched_at).",
    # Blocking: an answer that is not what the manifest says must not be parsed into silver.
    check_specs=[
        dg.AssetCheckSpec(name, asset="bronze", blocking=True) for name in bronze_checks.CHECK_NAMES
    ],
)
def bronze(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    releases = releases_of(context)
    metadata = merge_metadata({r: bronze_release(context, r, lake) for r in releases})
    outcomes = [check_bronze(lake, r) for r in releases]
    return dg.MaterializeResult(metadata=metadata, check_results=check_results(outcomes, "bronze"))


# Objects are read and decompressed on threads (zlib and sha256 release the GIL), a few ahead.
READ_WORKERS = min(4, usable_cores())
READ_AHEAD = 8


def check_bronze(lake: LakeResource, release: date) -> list[Outcome]:
    """Re-read every object the manifest lists, as silver will.

    The envelope checks are pure functions of an answer's bytes. Once they have passed, their
    outcomes are recorded with the manifest's sha256 and the code version; a later run that
    finds every object still hashing to its manifest sha256 reuses them and only re-hashes
    (a re-run of an unchanged partition: ~1 s instead of ~6 s at full NIPA scale)."""
    from macro_assets.version import code_version

    manifest_bytes = lake.get(layout.bronze_manifest(release))
    manifest = json.loads(manifest_bytes)
    objects = manifest["objects"]
    stamp = {"manifest_sha256": sha256(manifest_bytes), "code_version": code_version()}
    record_key = layout.bronze_check_record(release)
    record = read_json(lake, record_key) if lake.exists(record_key) else {}
    if {k: record.get(k) for k in stamp} == stamp:

        def as_recorded(obj: dict) -> tuple[dict, bool]:
            return obj, bronze_checks.stored_as_recorded(obj, lake.get(obj["key"]))

        hashes = bronze_checks.hashes_as_recorded(in_order(as_recorded, objects, READ_WORKERS, READ_AHEAD))
        if hashes.passed:
            recorded = [Outcome(**o) for o in record["checks"] if o["name"] != hashes.name]
            return [*recorded, hashes]

    def unpack(obj: dict) -> tuple[dict, bytes, bytes]:
        stored = lake.get(obj["key"])
        return obj, stored, gzip.decompress(stored)

    outcomes = bronze_checks.bronze_checks(in_order(unpack, objects, READ_WORKERS, READ_AHEAD))
    if all(o.passed for o in outcomes):
        write_json(lake, record_key, stamp | {"checks": [vars(o) for o in outcomes]})
    return outcomes


@timed
def bronze_release(context: dg.AssetExecutionContext, release: date, lake: LakeResource) -> dict:
    manifest_key = layout.bronze_manifest(release)
    if lake.exists(manifest_key):
        manifest = read_json(lake, manifest_key)
        context.log.info(f"bronze for {release} already complete; left as captured")
        return {
            "objects": len(manifest["objects"]),
            "written": 0,
            "manifest": lake.uri(manifest_key),
        }
    swept = lake.sweep_partials(layout.bronze_prefix(release))
    if swept:
        context.log.warning(f"removed {swept} partial file(s) a killed run left in bronze for {release}")
    landing = read_json(lake, layout.landing_manifest(release))
    objects, written = [], 0
    for entry in landing["objects"]:
        data = lake.get(entry["key"])
        if not bronze_checks.stored_as_recorded(entry, data):
            raise BeaSchemaError(f"landed answer {entry['key']} does not match its recorded sha256")
        key = layout.bronze_object(release, entry["dataset"], entry["table"], entry.get("line_code"))
        if lake.put_if_absent(key, data):
            written += 1
            objects.append(dict(entry, key=key))
        else:
            context.log.warning(f"{key} already captured by an earlier run; keeping it unchanged")
            objects.append(_entry_for_existing(lake, dict(entry, key=key), key))
    manifest = {
        "release_date": release.isoformat(),
        "run_id": context.run_id,
        "source": landing.get("source", "bea"),
        "objects": objects,
    }
    write_json(lake, manifest_key, manifest, if_absent=True)
    return {
        "objects": len(objects),
        "written": written,
        "bytes": sum(o["bytes"] for o in objects),
        "manifest": lake.uri(manifest_key),
        "sha256": dg.MetadataValue.json({f"{o['dataset']}/{o['table']}": o["sha256"] for o in objects}),
    }
