"""bea_raw: one GetData answer per catalog table (per line for Regional), redacted at once and
landed in the lake for bronze to keep."""

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from macro_assets.assets.results import BACKFILL_POLICY, GROUP, merge_metadata, releases_of
from macro_assets.bea import capture, harvest
from macro_assets.bea.envelope import Answer
from macro_assets.bea.errors import BeaSchemaError, BeaUnavailableError
from macro_assets.catalog import FetchUnit
from macro_assets.lake import landing, layout
from macro_assets.lake.codecs import gzip_bytes, sha256
from macro_assets.lake.manifest import Entry, Manifest, write_manifest
from macro_assets.partitions import InvalidReleaseKey, release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource

BEA_TIMEZONE = ZoneInfo("America/New_York")


def verdict(release: date, unit: FetchUnit, last_revised: date, publishing: set[str]) -> str:
    """Whether an answer of ``unit`` revised on ``last_revised`` is the vintage in force on the
    release date: "in_force"; "superseded" (BEA revised it since: that day's vintage is gone);
    "not_yet" (a release published that day, still served with an older vintage)."""
    if last_revised > release:
        return "superseded"
    if unit.table.release in publishing and last_revised < release:
        return "not_yet"
    return "in_force"


def entry_of(unit: FetchUnit, answer: Answer, stored: bytes) -> Entry:
    """What the manifest says of a fetched answer (its key is set when it is landed)."""
    return Entry(
        dataset=unit.table.dataset,
        table=unit.table.table,
        line_code=unit.line_code,
        release=unit.table.release,
        key="",
        sha256=sha256(answer.raw),
        object_sha256=sha256(stored),
        bytes=len(answer.raw),
        rows=answer.row_count,
        http_status=answer.http_status,
        last_revised=answer.last_revised,
        utc_production_time=answer.utc_production_time.isoformat() if answer.utc_production_time else None,
        fetched_at=datetime.now(UTC).isoformat(),
        request=answer.params,
    )


@dg.asset(
    partitions_def=release_date_partitions,
    group_name=GROUP,
    kinds={"python", "json"},
    pool="bea_api",
    backfill_policy=BACKFILL_POLICY,
    description="BEA GetData answers for every catalog table, as served on the release date "
    "(API key redacted), landed in the lake for bronze to keep.",
)
def bea_raw(
    context: dg.AssetExecutionContext,
    bea: BeaApiResource,
    lake: LakeResource,
    catalog: CatalogResource,
) -> dg.MaterializeResult:
    releases = releases_of(context)
    tables = catalog.load().tables
    return dg.MaterializeResult(
        metadata=merge_metadata({r: fetch_release(context, r, bea, lake, tables) for r in releases})
    )


def fetch_release(
    context: dg.AssetExecutionContext, release: date, bea: BeaApiResource, lake: LakeResource, tables: tuple
) -> dict:
    if lake.exists(layout.bronze_manifest(release)):
        # Bronze is the only copy of a past vintage: never fetch over it.
        context.log.info(f"bronze already holds release {release}; reusing the captured answers")
        return {"reused_bronze": True, "api_calls": 0}
    today = bea.now().astimezone(BEA_TIMEZONE).date()
    if release > today:
        # BEA serves today's vintage; stored under a later date it would claim a release not yet made.
        raise InvalidReleaseKey(
            f"release date {release} is after today ({today} in Washington): BEA has published nothing "
            "under it yet"
        )
    # Before anything else: a key BEA has locked out must not be sent again.
    bea.raise_if_locked_out()
    started = time.monotonic()
    context.log.info(f"planning {len(tables)} catalog tables for release {release} from {bea.describe()}")
    skipped: list[str] = []
    gone: dict[str, str] = {}
    publishing = {
        name for name, stamps in bea.release_calendar().items() if any(s.date() == release for s in stamps)
    }
    limits = bea.rate_limits()
    with bea.client() as client:
        units = landing.saved_plan(lake, release, tables)
        if units is None:
            units = harvest.plan(client, tables, bea.fetch_concurrency)
            landing.save_plan(lake, release, tables, units)
        else:
            context.log.info(f"reusing the plan an earlier run of {release} landed: {len(units)} answers")
        lookups = client.calls

        def in_force(unit: FetchUnit, revised: date) -> bool:
            return verdict(release, unit, revised, publishing) == "in_force"

        held = landing.held_answers(lake, release, units, in_force)
        missing = [u for u in units if u.label not in held]
        plan = capture.estimate(
            [u.label for u in missing], landing.sizes_of_earlier_capture(lake, release), limits
        )
        if held:
            context.log.info(
                f"resuming release {release}: {len(held)} of {len(units)} answers already landed by an "
                f"earlier run (checked by sha256 and LastRevised); fetching the other {len(missing)}"
            )
        context.log.info(
            f"plan for {release} (after {lookups} look-ups): {plan.describe()}; "
            f"{bea.fetch_concurrency} at a time, budget shared in {client.limiter.store.describe()}"
        )
        progress = capture.Progress(len(missing), limits, plan.expected_bytes)

        def on_answer(unit: FetchUnit, answer: Answer) -> Entry | None:
            found = verdict(release, unit, answer.last_revised, publishing)
            if found == "not_yet":
                raise BeaUnavailableError(
                    f"BEA does not serve {unit.table.release} of {release} yet: {unit.label} is still the "
                    f"vintage of {answer.last_revised}; run again later (the release sensor waits for it)"
                )
            line = progress.note(len(answer.raw))
            if found == "superseded":
                skipped.append(f"{unit.label} (LastRevised {answer.last_revised})")
                if unit.table.release in publishing:
                    gone.setdefault(
                        unit.table.release,
                        f"{unit.label} is now served as revised on {answer.last_revised}, "
                        f"after release {release}",
                    )
                context.log.warning(
                    f"{line}: {unit.label} was revised on {answer.last_revised}, after {release}: "
                    "its vintage of that day is gone; not captured"
                )
                return None
            stored = gzip_bytes(answer.raw)
            entry = landing.land(lake, release, context.run_id, unit, stored, entry_of(unit, answer, stored))
            context.log.info(
                f"{line}: {unit.label}: {answer.row_count} rows, LastRevised {answer.last_revised}"
            )
            return entry

        # Landed answers stay when a run fails: they are what the next run resumes from.
        fetched = harvest.fetch(client, missing, on_answer, bea.fetch_concurrency)
        by_label = dict(held) | {u.label: e for u, e in zip(missing, fetched, strict=True) if e}
        entries = [by_label[u.label] for u in units if u.label in by_label]
        published_here = {t.release for t in tables} & publishing
        captured_here = {e.release for e in entries} & published_here
        if not entries or (gone and not captured_here):
            # Nothing published that day can be captured any more: say so, store nothing.
            first = next(iter(gone.values()), f"no table still carries the vintage of {release}")
            raise BeaSchemaError(f"{first}: that vintage is gone from BEA's API")
        for name, detail in gone.items():
            context.log.warning(f"{name} of {release} is gone from BEA's API ({detail}); captured the rest")
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
            run_id=context.run_id,
            source=bea.source(),  # type: ignore[arg-type]
            objects=entries,
            skipped=sorted(skipped),
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
        "skipped_superseded": len(skipped),
        "dagster/row_count": sum(e.rows for e in entries),
        "bytes": sum(e.bytes for e in entries),
        **stats,
        "duration_s": round(time.monotonic() - started, 3),
        "last_revised": dg.MetadataValue.json(
            {f"{e.dataset}/{e.table}": e.last_revised.isoformat() for e in entries}
        ),
    }
