"""Capture: BEA's answers for one release date, fetched within BEA's limits and landed in the
lake for bronze to keep, with the rule of which vintage may be stored under which date."""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from macro_assets.bea import harvest
from macro_assets.bea.client import BeaClient
from macro_assets.bea.envelope import Answer
from macro_assets.bea.errors import BeaSchemaError, BeaUnavailableError
from macro_assets.bea.progress import Progress, estimate
from macro_assets.bea.throttle import RateLimits
from macro_assets.catalog import CatalogTable, FetchUnit
from macro_assets.lake import landing, layout
from macro_assets.lake.codecs import gzip_bytes, sha256
from macro_assets.lake.log import Log
from macro_assets.lake.manifest import Entry, Manifest, write_manifest
from macro_assets.lake.stores import Store

# BEA publishes at 8:30 in Washington: its day, not UTC's, says which releases have been made.
BEA_TIMEZONE = ZoneInfo("America/New_York")

Verdict = Literal["in_force", "superseded", "not_yet"]


class ReleaseInFuture(ValueError):
    """A release date after BEA's today: nothing has been published under it yet."""


class Bea(Protocol):
    """What a capture needs of BEA (``BeaApiResource`` in a run)."""

    fetch_concurrency: int

    def now(self) -> datetime: ...

    def raise_if_locked_out(self) -> None: ...

    def describe(self) -> str: ...

    def source(self) -> str: ...

    def release_calendar(self) -> Mapping[str, list[datetime]]: ...

    def rate_limits(self) -> RateLimits: ...

    def client(self) -> AbstractContextManager[BeaClient]: ...


def verdict(release: date, unit: FetchUnit, last_revised: date | None, publishing: set[str]) -> Verdict:
    """Whether an answer of ``unit`` revised on ``last_revised`` is the vintage in force on the
    release date: "in_force"; "superseded" (BEA revised it since: that day's vintage is gone);
    "not_yet" (a release published that day, still served with an older vintage). An answer
    without a stamp (None) is what BEA served on the day it was captured: in force."""
    if last_revised is None:
        return "in_force"
    if last_revised > release:
        return "superseded"
    if unit.table.release_name in publishing and last_revised < release:
        return "not_yet"
    return "in_force"


def entry_of(unit: FetchUnit, answer: Answer, stored: bytes, release: date) -> Entry:
    """What the manifest says of a fetched answer (its key is set when it is landed)."""
    return Entry(
        dataset=unit.table.dataset,
        table=unit.table.table,
        line_code=unit.line_code,
        release=unit.table.release_name,
        key="",
        sha256=sha256(answer.raw),
        object_sha256=sha256(stored),
        bytes=len(answer.raw),
        rows=answer.row_count,
        http_status=answer.http_status,
        # An answer without a stamp stands for the vintage of the day it was captured.
        last_revised=answer.last_revised or release,
        vintage_stamped=answer.last_revised is not None,
        utc_production_time=answer.utc_production_time.isoformat() if answer.utc_production_time else None,
        fetched_at=datetime.now(UTC).isoformat(),
        request=answer.params,
        title=answer.title,
    )


def publishing_on(calendar: Mapping[str, list[datetime]], release: date) -> set[str]:
    """The names of BEA's releases published on ``release`` (a date)."""
    return {name for name, stamps in calendar.items() if any(s.date() == release for s in stamps)}


@dataclass
class _Superseded:
    """Answers BEA has revised since the release date: not stored; a release published that
    day whose answers are all superseded is gone."""

    release: date
    publishing: set[str]
    skipped: list[str]
    gone: dict[str, str]

    def note(self, unit: FetchUnit, revised: date) -> None:
        self.skipped.append(f"{unit.label} (LastRevised {revised})")
        if unit.table.release_name in self.publishing:
            self.gone.setdefault(
                unit.table.release_name,
                f"{unit.label} is now served as revised on {revised}, after release {self.release}",
            )


def capture(
    release: date,
    tables: tuple[CatalogTable, ...],
    bea: Bea,
    lake: Store,
    log: Log,
    run_id: str,
) -> dict[str, Any]:
    """Land the answers in force on ``release`` and their manifest; plain metadata of the run.

    Resumes from what an earlier run landed; never fetches over bronze. Raises before any fetch
    for a date in the future or a locked-out key, and ``BeaSchemaError`` when nothing published
    that day can still be captured (nothing is written then but the answers already landed)."""
    if lake.exists(layout.bronze_manifest(release)):
        # Bronze is the only copy of a past vintage: never fetch over it.
        log.info(f"bronze already holds release {release}; reusing the captured answers")
        return {"reused_bronze": True, "api_calls": 0}
    today = bea.now().astimezone(BEA_TIMEZONE).date()
    if release > today:
        # BEA serves today's vintage; stored under a later date it would claim a release not yet made.
        raise ReleaseInFuture(
            f"release date {release} is after today ({today} in Washington): BEA has published nothing "
            "under it yet"
        )
    # Before anything else: a key BEA has locked out must not be sent again.
    bea.raise_if_locked_out()
    started = time.monotonic()
    log.info(f"planning {len(tables)} catalog tables for release {release} from {bea.describe()}")
    publishing = publishing_on(bea.release_calendar(), release)
    superseded = _Superseded(release, publishing, [], {})
    limits = bea.rate_limits()
    with bea.client() as client:
        units = landing.saved_plan(lake, release, tables)
        if units is None:
            units = harvest.plan(client, tables, bea.fetch_concurrency)
            landing.save_plan(lake, release, tables, units)
        else:
            log.info(f"reusing the plan an earlier run of {release} landed: {len(units)} answers")
        lookups = client.calls

        def in_force(unit: FetchUnit, revised: date | None) -> bool:
            return verdict(release, unit, revised, publishing) == "in_force"

        held = landing.held_answers(lake, release, units, in_force)
        missing = [u for u in units if u.label not in held]
        plan = estimate(
            [u.label for u in missing], landing.sizes_of_earlier_capture(lake, release), limits, lookups
        )
        if held:
            log.info(
                f"resuming release {release}: {len(held)} of {len(units)} answers already landed by an "
                f"earlier run (checked by sha256 and LastRevised); fetching the other {len(missing)}"
            )
        log.info(
            f"plan for {release} (after {lookups} look-ups): {plan.describe()}; "
            f"{bea.fetch_concurrency} at a time, budget shared in {client.limiter.store.describe()}"
        )
        progress = Progress(len(missing), limits, plan.expected_bytes)
        on_answer = _Lander(release, lake, log, run_id, publishing, superseded, progress)
        # Landed answers stay when a run fails: they are what the next run resumes from.
        fetched = harvest.fetch(client, missing, on_answer, bea.fetch_concurrency)
        by_label = dict(held) | {u.label: e for u, e in zip(missing, fetched, strict=True) if e}
        entries = [by_label[u.label] for u in units if u.label in by_label]
        _refuse_if_gone(release, tables, publishing, superseded, entries)
        for name, detail in superseded.gone.items():
            log.warning(f"{name} of {release} is gone from BEA's API ({detail}); captured the rest")
        stats = {
            "api_calls": client.calls,
            "plan_lookups": lookups,
            "retries": client.retries,
            "throttle_wait_s": round(client.throttled_s, 3),
            "http_429": client.http_429,
        }
    write_manifest(
        lake,
        layout.landing_manifest(release),
        Manifest(
            release_date=release,
            run_id=run_id,
            source=bea.source(),  # type: ignore[arg-type]
            objects=entries,
            skipped=sorted(superseded.skipped),
        ),
    )
    return {
        "tables": len(tables),
        "answers": len(entries),
        "answers_resumed": len(held),
        "answers_fetched": len(entries) - len(held),
        "planned_requests": plan.requests,
        **({"expected_bytes": plan.expected_bytes} if plan.expected_bytes is not None else {}),
        "expected_min_s": round(plan.minimum_s, 1),
        "skipped_superseded": len(superseded.skipped),
        "dagster/row_count": sum(e.rows for e in entries),
        "bytes": sum(e.bytes for e in entries),
        **stats,
        "duration_s": round(time.monotonic() - started, 3),
        "last_revised": {f"{e.dataset}/{e.table}": e.last_revised.isoformat() for e in entries},
    }


@dataclass
class _Lander:
    """What happens to each answer as it arrives: refused, skipped as superseded, or landed."""

    release: date
    lake: Store
    log: Log
    run_id: str
    publishing: set[str]
    superseded: _Superseded
    progress: Progress

    def __call__(self, unit: FetchUnit, answer: Answer) -> Entry | None:
        found = verdict(self.release, unit, answer.last_revised, self.publishing)
        if found == "not_yet":
            raise BeaUnavailableError(
                f"BEA does not serve {unit.table.release_name} of {self.release} yet: {unit.label} is still "
                f"the vintage of {answer.last_revised}; run again later (the release sensor waits for it)"
            )
        line = self.progress.note(len(answer.raw))
        if found == "superseded":
            self.superseded.note(unit, answer.last_revised)  # type: ignore[arg-type]
            self.log.warning(
                f"{line}: {unit.label} was revised on {answer.last_revised}, after {self.release}: "
                "its vintage of that day is gone; not captured"
            )
            return None
        stored = gzip_bytes(answer.raw)
        entry = landing.land(
            self.lake, self.release, self.run_id, unit, stored, entry_of(unit, answer, stored, self.release)
        )
        stamp = (
            f"LastRevised {answer.last_revised}"
            if answer.last_revised
            else f"no vintage stamp: kept as the vintage of {self.release}"
        )
        self.log.info(f"{line}: {unit.label}: {answer.row_count} rows, {stamp}")
        return entry


def _refuse_if_gone(
    release: date,
    tables: tuple[CatalogTable, ...],
    publishing: set[str],
    superseded: _Superseded,
    entries: list[Entry],
) -> None:
    """Nothing published that day can be captured any more: say so, store nothing."""
    published_here = {t.release_name for t in tables} & publishing
    captured_here = {e.release for e in entries} & published_here
    if not entries or (superseded.gone and not captured_here):
        first = next(iter(superseded.gone.values()), f"no table still carries the vintage of {release}")
        raise BeaSchemaError(f"{first}: that vintage is gone from BEA's API")
