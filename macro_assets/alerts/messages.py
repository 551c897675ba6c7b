"""What an alert says: pure functions from a failure to one concise message."""

from __future__ import annotations

from dataclasses import dataclass, field

from macro_assets.bea import errors as bea_errors

# The runbook's categories (docs/operability.md), by exception class name.
CATEGORIES: dict[str, str] = {
    cls.__name__: cls.category
    for cls in (
        bea_errors.BeaError,
        bea_errors.BeaAuthError,
        bea_errors.BeaBadRequestError,
        bea_errors.BeaThrottledError,
        bea_errors.BeaUnavailableError,
        bea_errors.BeaSchemaError,
    )
} | {
    "WarehouseUnavailableError": "warehouse_unavailable",
    "VintageConflict": "vintage_conflict",
    "DagsterAssetCheckFailedError": "check_failed",
    "InvalidReleaseKey": "bad_partition",
    "ReleaseInFuture": "bad_partition",
    "CatalogError": "bad_catalog",
    "LakeKeyError": "bad_partition",
}


@dataclass(frozen=True)
class Alert:
    """``key`` identifies the failure for deduplication; ``subject`` fits SNS's 100 characters."""

    key: str
    subject: str
    text: str
    fields: dict[str, str] = field(default_factory=dict)


def category_of(error_class: str) -> str:
    return CATEGORIES.get(error_class, "unexpected")


def first_line(text: str) -> str:
    # Dagster prefixes messages with the qualified class name: keep the words after it.
    line = (text.strip().splitlines() or [""])[0]
    head, sep, rest = line.partition(": ")
    return rest if sep and "." in head and " " not in head else line


def run_failure(
    *,
    run_id: str,
    job: str,
    partition: str | None,
    asset: str | None,
    error_class: str,
    error_message: str,
    ui_url: str,
    failed_checks: list[str] | None = None,
) -> Alert:
    category = category_of(error_class)
    releases = "releases" if partition and "..." in partition else "release"
    where = f"{asset or job} for {releases} {partition}" if partition else (asset or job)
    detail = "; ".join(failed_checks) if failed_checks else first_line(error_message)
    link = f"{ui_url.rstrip('/')}/runs/{run_id}"
    subject = f"macro-data-ingest: {where} failed ({category})"[:100]
    text = f"{where} failed: {category} ({error_class}): {detail}\nrun: {link}"
    return Alert(
        key=f"run:{partition or '-'}:{asset or job}:{error_class}",
        subject=subject,
        text=text,
        fields={
            "kind": "run_failure",
            "run_id": run_id,
            "job": job,
            "partition": partition or "",
            "asset": asset or "",
            "category": category,
            "error_class": error_class,
            "detail": detail,
            "run_url": link,
        },
    )


def freshness(*, description: str, release: str, due: str, run_id: str, ui_url: str) -> Alert:
    link = f"{ui_url.rstrip('/')}/runs/{run_id}"
    return Alert(
        key=f"freshness:{release}:{due}",
        subject=f"macro-data-ingest: {release} of {due} not loaded"[:100],
        text=f"stale warehouse: {description}\ncheck run: {link}",
        fields={
            "kind": "freshness",
            "release": release,
            "due": due,
            "category": "stale",
            "detail": description,
            "run_url": link,
        },
    )
