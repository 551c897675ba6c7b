"""Landing: where a capture puts BEA's answers as they arrive, so that an interrupted capture
resumes from what it landed instead of beginning again.

Each answer is landed as two objects: the redacted answer (gzip), then its entry (what bronze's
manifest will say of it). An answer without its entry does not count as landed. A re-run of a
release reads every entry any run of it landed, keeps those whose object still hashes to the
entry and whose own LastRevised (read again from the answer) is still the vintage in force on
the release date, and fetches the rest. The plan (one request per table, per line for
Regional) is landed too, so a resumed capture does not ask BEA for its line codes again.

Functions here take the lake as any store (``macro_assets.lake.stores.Store``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaError
from macro_assets.catalog import CatalogTable, FetchUnit
from macro_assets.lake import layout
from macro_assets.lake.bronze import held_release_dates
from macro_assets.lake.manifest import Entry, described, read_manifest
from macro_assets.lake.stores import Store as Lake


def request_of(unit: FetchUnit) -> dict[str, str]:
    """The GetData query of ``unit`` as an entry records it (no key, no ResultFormat)."""
    return {"method": "GetData", "DatasetName": unit.table.dataset, **unit.params}


def catalog_digest(tables: Iterable[CatalogTable]) -> str:
    return hashlib.sha256(repr(sorted(tables, key=lambda t: (t.dataset, t.table))).encode()).hexdigest()


def _entry_of(table: CatalogTable) -> tuple[str, str]:
    # A table of a ``tables: ALL`` entry was planned from that entry.
    return (table.dataset, "*" if table.every_table else table.table)


def save_plan(lake: Lake, release: date, tables: Iterable[CatalogTable], units: list[FetchUnit]) -> None:
    tables = list(tables)
    doc = {
        "catalog_sha256": catalog_digest(tables),
        # [dataset, table, line code, whether it came from a ``tables: ALL`` entry]
        "units": [[u.table.dataset, u.table.table, u.line_code, u.table not in tables] for u in units],
    }
    lake.put(layout.landing_plan(release), json.dumps(doc, indent=1).encode())


def saved_plan(lake: Lake, release: date, tables: Iterable[CatalogTable]) -> list[FetchUnit] | None:
    """The plan an earlier run of ``release`` landed, if it was made from this same catalog."""
    tables = list(tables)
    key = layout.landing_plan(release)
    if not lake.exists(key):
        return None
    doc = json.loads(lake.get(key))
    if doc.get("catalog_sha256") != catalog_digest(tables):
        return None
    by_name = {_entry_of(t): t for t in tables}
    units = []
    for dataset, table, line, *expanded in doc["units"]:
        if expanded and expanded[0]:
            units.append(FetchUnit(by_name[(dataset, "*")].with_table(table), line))
        else:
            units.append(FetchUnit(by_name[(dataset, table)], line))
    return units


def land(lake: Lake, release: date, run_id: str, unit: FetchUnit, stored: bytes, entry: Entry) -> Entry:
    """Write the answer, then its entry (``entry.key`` is set here): an answer is landed once
    both are there."""
    key = layout.landing_object(release, run_id, unit.table.dataset, unit.table.table, unit.line_code)
    lake.put(key, stored)
    entry = entry.model_copy(update={"key": key})
    lake.put(
        layout.landing_entry(release, run_id, unit.table.dataset, unit.table.table, unit.line_code),
        json.dumps(entry.model_dump(mode="json"), sort_keys=True).encode(),
    )
    return entry


def held_answers(
    lake: Lake, release: date, units: list[FetchUnit], in_force: Callable[[FetchUnit, date | None], bool]
) -> dict[str, Entry]:
    """label → entry of every planned answer some run of ``release`` already landed and that
    still holds: the object hashes to its entry, and the answer's own LastRevised (re-read
    from its bytes) is one ``in_force`` accepts for the release date. Newest capture first."""
    wanted = {u.label: u for u in units}
    entries = []
    for key in lake.list_keys(layout.landing_prefix(release)):
        if "/_entries/" in key and key.endswith(".json"):
            entries.append(Entry.model_validate_json(lake.get(key)))
    held: dict[str, Entry] = {}
    for entry in sorted(entries, key=lambda e: e.fetched_at or "", reverse=True):
        unit = wanted.get(entry.label)
        if unit is None or unit.label in held or entry.request != request_of(unit):
            continue
        if _still_holds(lake, entry, unit, in_force):
            held[unit.label] = entry
    for unit in units:
        if unit.label not in held and (entry := _bronze_copy(lake, release, unit, in_force)) is not None:
            held[unit.label] = entry
    return held


def _bronze_copy(
    lake: Lake, release: date, unit: FetchUnit, in_force: Callable[[FetchUnit, date | None], bool]
) -> Entry | None:
    """An entry for the bronze object of ``unit`` that a crashed run wrote before bronze's
    manifest, when landing no longer has the answer: bronze objects are whole or absent, and
    bronze holds only answers BEA sent with HTTP 200. None unless it is the vintage in force."""
    if lake.exists(layout.bronze_manifest(release)):
        return None
    key = layout.bronze_object(release, unit.table.dataset, unit.table.table, unit.line_code)
    fields = {
        "dataset": unit.table.dataset,
        "table": unit.table.table,
        "line_code": unit.line_code,
        "release": unit.table.release_name,
        "http_status": 200,
        "request": request_of(unit),
        # Kept as the vintage when the answer carries no stamp: what BEA served on the release date.
        "last_revised": release,
    }
    try:
        entry = described(lake.get(key), key, fields)
    except (FileNotFoundError, OSError, EOFError, BeaError):
        return None
    return entry if in_force(unit, entry.last_revised if entry.vintage_stamped else None) else None


def _still_holds(
    lake: Lake, entry: Entry, unit: FetchUnit, in_force: Callable[[FetchUnit, date | None], bool]
) -> bool:
    try:
        stored = lake.get(entry.key)
    except FileNotFoundError:
        return False
    if hashlib.sha256(stored).hexdigest() != entry.object_sha256:
        return False
    raw = gzip.decompress(stored)
    if hashlib.sha256(raw).hexdigest() != entry.sha256:
        return False
    try:
        revised = envelope.vintage(envelope.decode(raw), unit.table.dataset, unit.table.table)
    except BeaError:
        return False
    recorded = entry.last_revised if entry.vintage_stamped else None
    return revised == recorded and in_force(unit, revised)


def sizes_of_earlier_capture(lake: Lake, release: date) -> dict[str, int]:
    """label → bytes of each answer in the bronze manifest of the nearest other release date
    (the last before ``release``, else the first after): what this capture may expect."""
    dates = [other for other in held_release_dates(lake) if other != release]
    if not dates:
        return {}
    before = [d for d in dates if d < release]
    nearest = max(before) if before else min(dates)
    manifest = read_manifest(lake, layout.bronze_manifest(nearest))
    return {entry.label: entry.bytes for entry in manifest.objects}


@dataclass
class Swept:
    landing_objects: int = 0
    partials: int = 0
    releases: list[str] = field(default_factory=list)


def sweep(lake: Lake, live_runs: set[str], partial_age_s: float = 600.0) -> Swept:
    """What ended runs left behind, for every release whose bronze is complete (its manifest
    exists): their landed answers (bronze holds the copies now; a release without bronze keeps
    them, for its next run resumes from them) and half-written temporaries in landing and
    bronze older than ``partial_age_s``. Runs in ``live_runs`` are never touched."""
    swept = Swept()
    for folder in lake.list_folders("landing"):
        if not folder.startswith("release_date="):
            continue
        release = date.fromisoformat(folder.removeprefix("release_date="))
        if not lake.exists(layout.bronze_manifest(release)):
            continue
        prefix = layout.landing_prefix(release)
        removed = 0
        for run_folder in lake.list_folders(prefix):
            if not run_folder.startswith("run_id=") or run_folder.removeprefix("run_id=") in live_runs:
                continue
            for key in lake.list_keys(f"{prefix}/{run_folder}"):
                lake.delete(key)
                removed += 1
        partials = lake.sweep_partials(prefix, partial_age_s)
        partials += lake.sweep_partials(layout.bronze_prefix(release), partial_age_s)
        if removed or partials:
            swept.landing_objects += removed
            swept.partials += partials
            swept.releases.append(str(release))
    return swept
