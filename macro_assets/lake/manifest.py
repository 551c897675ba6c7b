"""The contract between the layers: the manifest of a release's captured answers, in landing
(what a capture got) and in bronze (what is kept for good), and its entries, one per answer.

Fields an older manifest lacks have defaults (``object_sha256``, ``source``, ``fetched_at``);
fields a newer one adds are kept as they are (``extra="allow"``), so bronze written by any
version is read by every version.
"""

from __future__ import annotations

import gzip
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from macro_assets.bea import envelope
from macro_assets.lake.codecs import read_json, sha256, write_json
from macro_assets.lake.stores import Store

Source = Literal["bea", "sandbox"]


class Entry(BaseModel):
    """One answer: where it is, what BEA sent (hashes, size, status) and which vintage it is."""

    model_config = ConfigDict(extra="allow", frozen=True)

    dataset: str
    table: str
    line_code: str | None = None
    # BEA's name of the news release that publishes the table ("Gross Domestic Product").
    release: str | None = None
    key: str
    sha256: str  # of the answer's (redacted) bytes
    object_sha256: str | None = None  # of the stored (gzip) object; absent before 2026-11
    bytes: int
    rows: int
    http_status: int = 200
    # The vintage: the answer's own stamp (LastRevised, Last updated, TsLastUpdated), or, for an
    # answer that carries none (``vintage_stamped`` false), the release date it was captured on.
    last_revised: date
    vintage_stamped: bool = True
    utc_production_time: str | None = None
    fetched_at: str | None = None  # None when rebuilt from a bronze object after a crash
    request: dict[str, str] = {}
    # BEA's title of the table, as the answer gives it (absent before 2026-12).
    title: str | None = None

    @property
    def label(self) -> str:
        """How errors and logs name the answer: ``NIPA/T10101`` or ``Regional/SAINC1 line 3``."""
        suffix = f" line {self.line_code}" if self.line_code is not None else ""
        return f"{self.dataset}/{self.table}{suffix}"

    @property
    def name(self) -> str:
        """The key below the release's folder: ``dataset=NIPA/table=T10101.json.gz``."""
        return self.key.split("/", 2)[-1]


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    release_date: date
    run_id: str | None = None
    # "bea": BEA's Data API; "sandbox": the offline sandbox's made-up numbers; None: before labels.
    source: Source | None = None
    objects: list[Entry]
    skipped: list[str] = []


def described(stored: bytes, key: str, fields: dict[str, Any]) -> Entry:
    """The entry of the stored (gzip) object at ``key``: ``fields`` (dataset, table, line_code,
    ..., and ``last_revised``: the capture's date, kept when the answer carries no stamp)
    completed with what its bytes say: hashes, size, rows, vintage. For an object a crashed run
    left without its entry. Raises BeaError (or OSError) when it is no answer."""
    raw = gzip.decompress(stored)
    line = fields.get("line_code")
    label = f"{fields['dataset']}/{fields['table']}" + (f" line {line}" if line is not None else "")
    doc = envelope.decode(raw, label)
    produced = envelope.production_time(doc)
    stamp = envelope.vintage(doc, fields["dataset"], fields["table"])
    return Entry.model_validate(
        fields
        | {
            "key": key,
            "sha256": sha256(raw),
            "object_sha256": sha256(stored),
            "bytes": len(raw),
            "rows": len(envelope.data_rows(doc, label)),
            "last_revised": stamp or fields["last_revised"],
            "vintage_stamped": stamp is not None,
            "utc_production_time": produced.isoformat() if produced else None,
        }
    )


def read_manifest(store: Store, key: str) -> Manifest:
    return Manifest.model_validate(read_json(store, key))


def write_manifest(store: Store, key: str, manifest: Manifest, if_absent: bool = False) -> bool:
    return write_json(store, key, manifest.model_dump(mode="json"), if_absent=if_absent)
