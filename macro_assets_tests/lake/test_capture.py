"""The capture without Dagster: which vintage is stored under which date, landing and resuming
against the sandbox over HTTP, and a date BEA has not reached refused before any request."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bea_sandbox.server import Sandbox
from macro_assets.catalog import CatalogTable, FetchUnit, load_catalog
from macro_assets.lake import capture, layout
from macro_assets.lake.manifest import read_manifest
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.lake import LakeResource

RELEASE = date(2026, 10, 30)
GDP = FetchUnit(CatalogTable("Gross Domestic Product", "NIPA", "T10101", ("Q",)))
# The sandbox publishes its October GDP on 2026-10-29.
GDP_DAY = date(2026, 10, 29)
LOG = logging.getLogger("test_capture")


@pytest.mark.parametrize(
    ("revised", "publishing", "expected"),
    [
        (date(2026, 10, 30), {"Gross Domestic Product"}, "in_force"),
        # Published that day but still served as before: BEA has not updated it yet.
        (date(2026, 9, 25), {"Gross Domestic Product"}, "not_yet"),
        # Not published that day: the older vintage is the one in force.
        (date(2026, 9, 25), {"Personal Income and Outlays"}, "in_force"),
        # Revised after the date: that day's vintage is gone.
        (date(2026, 11, 26), {"Gross Domestic Product"}, "superseded"),
        (date(2026, 11, 26), set(), "superseded"),
    ],
)
def test_the_vintage_in_force_on_a_release_date(revised: date, publishing: set[str], expected: str) -> None:
    assert capture.verdict(RELEASE, GDP, revised, publishing) == expected


def test_publishing_on_reads_the_calendar_by_date() -> None:
    calendar = {
        "Gross Domestic Product": [datetime(2026, 10, 30, 12, 30, tzinfo=UTC)],
        "Personal Income and Outlays": [datetime(2026, 10, 31, 12, 30, tzinfo=UTC)],
    }
    assert capture.publishing_on(calendar, RELEASE) == {"Gross Domestic Product"}


def two_tables(tmp_path: Path) -> tuple[CatalogTable, ...]:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "releases:\n  Gross Domestic Product:\n"
        "    - {dataset: NIPA, table: T10101, frequencies: [Q]}\n"
        "    - {dataset: NIPA, table: T10105, frequencies: [A, Q]}\n"
    )
    return load_catalog(path).tables


def test_capture_lands_every_answer_and_a_later_run_resumes_from_them(
    bea: BeaApiResource, lake: LakeResource, sandbox: Sandbox, tmp_path: Path
) -> None:
    tables = two_tables(tmp_path)
    first = capture.capture(GDP_DAY, tables, bea, lake, LOG, "run-1")
    manifest = read_manifest(lake, layout.landing_manifest(GDP_DAY))
    assert [(e.table, e.last_revised) for e in manifest.objects] == [
        ("T10101", GDP_DAY),
        ("T10105", GDP_DAY),
    ]
    assert manifest.run_id == "run-1"
    assert first["answers"] == first["answers_fetched"] == 2 and first["answers_resumed"] == 0
    assert first["dagster/row_count"] == sum(e.rows for e in manifest.objects) > 0
    assert first["last_revised"] == {"NIPA/T10101": "2026-10-29", "NIPA/T10105": "2026-10-29"}
    assert all(lake.exists(e.key) for e in manifest.objects)

    served = len(sandbox.served)
    again = capture.capture(GDP_DAY, tables, bea, lake, LOG, "run-2")
    assert again["answers_resumed"] == 2 and again["answers_fetched"] == 0
    assert len(sandbox.served) == served  # nothing fetched twice
    assert read_manifest(lake, layout.landing_manifest(GDP_DAY)).objects == manifest.objects


def test_a_release_date_after_beas_today_is_refused_before_any_request(
    bea: BeaApiResource, lake: LakeResource, sandbox: Sandbox, tmp_path: Path
) -> None:
    tomorrow = (bea.now() + timedelta(days=2)).date()
    served = len(sandbox.served)
    with pytest.raises(capture.ReleaseInFuture, match=f"release date {tomorrow} is after today"):
        capture.capture(tomorrow, two_tables(tmp_path), bea, lake, LOG, "run-1")
    assert len(sandbox.served) == served
    assert not Path(lake.url).exists()
