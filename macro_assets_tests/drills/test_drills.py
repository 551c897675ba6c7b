"""Failure drills that do the damage for real: kill -9 a load in the middle of COPY, kill a run
while it writes bronze, race two runs of one partition, stop PostgreSQL under a load.

Each ends by comparing the warehouse with a control database that loaded the same releases
without interference: not "no error", but exactly the expected tables."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from bea_sandbox.server import Sandbox
from macro_assets.assets.warehouse import postgres_tables
from macro_assets.definitions import ASSETS
from macro_assets.lake import layout
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource, normalise_url
from macro_assets.warehouse import bulk
from macro_assets_tests.conftest import CORE_CATALOG
from macro_assets_tests.conftest import databases as fresh_databases

R1, R2 = "2026-10-29", "2026-10-30"
UP_TO_GOLD = ASSETS[:4]
_keys = itertools.count(1)


def fresh_key() -> str:
    return f"D0DR1115-0000-4000-8000-{os.getpid() % 10**6:06d}{next(_keys):06d}"


def bea_for(sandbox: Sandbox) -> BeaApiResource:
    return BeaApiResource(
        api_key=fresh_key(),
        api_url=sandbox.api_url,
        calendar_url=sandbox.calendar_url,
        backoff_initial_s=0.01,
    )


SNAPSHOT = {
    "observations": "SELECT * FROM bea.observations",
    "indicators": "SELECT * FROM bea.indicators",
    "release_tables": "SELECT release_date, dataset, table_name, bea_release, last_revised, row_count, "
    "data_sha256 FROM bea.release_tables",
    "series": "SELECT * FROM bea.series",
    "geographies": "SELECT * FROM bea.geographies",
    "loads": "SELECT release_date, target, dataset, table_name, outcome, rows_in_release, rows_inserted, "
    "rows_closed, rows_extended, rows_unchanged FROM bea.load_audit WHERE outcome <> 'already_loaded'",
}


def snapshot(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every table (run ids and clocks left out)."""
    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT to_regclass('bea.observations') IS NOT NULL")).scalar_one()
        for name, query in SNAPSHOT.items():
            if not exists:
                out[name] = (0, "")
                continue
            digest = "SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM "
            row = conn.execute(sa.text(digest + f"({query}) t")).one()
            out[name] = (row[0], row[1])
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def databases(postgres_server: str) -> Iterator[Callable[[str], str]]:
    with fresh_databases(postgres_server, "drill") as make:
        yield make


def materialize(
    assets: list, key: str, resources: dict, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    if key not in instance.get_dynamic_partitions(release_date_partitions.name):
        instance.add_dynamic_partitions(release_date_partitions.name, [key])
    return dg.materialize(
        assets, partition_key=key, instance=instance, resources=resources, raise_on_error=False
    )


@pytest.fixture(scope="module")
def prepared(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox, databases: Callable[[str], str]
) -> Iterator[dict[str, Any]]:
    """Bronze, silver and gold of two releases, and a control warehouse loaded with both."""
    root = tmp_path_factory.mktemp("drills")
    lake = LakeResource(url=str(root / "lake"))
    (root / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(root / "home")) as instance:
        for key in (R1, R2):
            resources = {
                "bea": bea_for(sandbox),
                "lake": lake,
                "catalog": CatalogResource(path=str(CORE_CATALOG)),
            }
            assert materialize(UP_TO_GOLD, key, resources, instance).success
        control = databases("control")
        for key in (R1, R2):
            load_in_process(lake, control, key, instance)
        yield {"lake": lake, "control": snapshot(control), "instance": instance, "root": root}


def load_in_process(
    lake: LakeResource, url: str, key: str, instance: dg.DagsterInstance, **warehouse: Any
) -> dg.ExecuteInProcessResult:
    resources = {"lake": lake, "warehouse": WarehouseResource(database_url=url, **warehouse)}
    result = materialize([postgres_tables], key, resources, instance)
    assert result.success
    return result


def driver(spec: dict[str, Any], where: Path) -> subprocess.Popen:
    path = where / f"spec-{next(_keys)}.json"
    path.write_text(json.dumps(spec))
    return subprocess.Popen(
        [sys.executable, "-m", "macro_assets_tests.drills.driver", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=(where / f"{path.stem}.err").open("w"),
    )


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def backends(url: str, query_like: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND query ILIKE :q"
            ),
            {"q": query_like},
        ).scalar_one()
    engine.dispose()
    return n


def test_kill_9_in_the_middle_of_copy_then_rerun(
    prepared: dict, databases: Callable[[str], str], tmp_path: Path
) -> None:
    url = databases("copy")
    load_in_process(prepared["lake"], url, R1, prepared["instance"])
    before = snapshot(url)
    marker = tmp_path / "in-copy"
    proc = driver(
        {
            "mode": "load",
            "partition": R2,
            "lake": prepared["lake"].url,
            "database_url": url,
            "stall": "copy",
            "marker": str(marker),
        },
        tmp_path,
    )
    wait_for(marker.exists, "the load to be in the middle of COPY")
    assert backends(url, "COPY % FROM STDIN%") == 1  # the server is mid-COPY
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    # PostgreSQL notices the dead client, aborts its transaction and drops the backend.
    wait_for(lambda: backends(url, "COPY%") == 0, "the killed backend to go")
    assert snapshot(url) == before

    load_in_process(prepared["lake"], url, R2, prepared["instance"])
    assert snapshot(url) == prepared["control"]


def test_a_crash_while_writing_bronze_leaves_no_partial_object(
    prepared: dict, sandbox: Sandbox, tmp_path: Path
) -> None:
    lake = LakeResource(url=str(tmp_path / "lake"))
    bea = bea_for(sandbox)
    marker = tmp_path / "mid-write"
    proc = driver(
        {
            "mode": "capture",
            "partition": R2,
            "lake": lake.url,
            "api_key": bea.api_key,
            "api_url": bea.api_url,
            "calendar_url": bea.calendar_url,
            "stall": "bronze:3",
            "marker": str(marker),
        },
        tmp_path,
    )
    wait_for(marker.exists, "the third bronze object to be half written")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    bronze_dir = Path(lake.url) / layout.bronze_prefix(R2)
    files = [p for p in bronze_dir.rglob("*") if p.is_file()]
    partial = [p for p in files if p.name.startswith(".tmp-")]
    visible = [p for p in files if p not in partial]
    assert len(partial) == 1 and len(visible) == 2  # the torn write exists only as a hidden temp file
    for path in visible:  # what a reader can see is whole
        assert json.loads(gzip.decompress(path.read_bytes()))["BEAAPI"]["Results"]
    assert not lake.exists(layout.bronze_manifest(R2))  # so silver has nothing to read yet
    hour_ago = time.time() - 7200
    os.utime(partial[0], (hour_ago, hour_ago))

    instance = prepared["instance"]
    rerun = materialize(
        ASSETS[:2],
        R2,
        {"bea": bea_for(sandbox), "lake": lake, "catalog": CatalogResource(path=str(CORE_CATALOG))},
        instance,
    )
    assert rerun.success
    assert all(c.passed for c in rerun.get_asset_check_evaluations())  # sha256 as recorded, etc.
    manifest = json.loads(lake.get(layout.bronze_manifest(R2)))
    assert len(manifest["objects"]) == 45
    for obj in manifest["objects"]:
        assert hashlib.sha256(gzip.decompress(lake.get(obj["key"]))).hexdigest() == obj["sha256"]
    assert not list(bronze_dir.rglob(".tmp-*"))  # the crashed run's debris is swept


def test_two_loads_of_one_partition_at_once(
    prepared: dict, databases: Callable[[str], str], tmp_path: Path
) -> None:
    url = databases("race")
    load_in_process(prepared["lake"], url, R1, prepared["instance"])
    go = tmp_path / "go"
    ready = [tmp_path / "ready-a", tmp_path / "ready-b"]
    procs = [
        driver(
            {
                "mode": "load",
                "partition": R2,
                "lake": prepared["lake"].url,
                "database_url": url,
                "ready": str(r),
                "go": str(go),
            },
            tmp_path,
        )
        for r in ready
    ]
    wait_for(lambda: all(r.exists() for r in ready), "both runs to be ready")
    go.touch()
    assert [p.wait(timeout=180) for p in procs] == [0, 0]
    assert snapshot(url) == prepared["control"]  # nothing duplicated, nothing lost
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        per_run = conn.execute(
            sa.text(
                "SELECT count(*), count(*) FILTER (WHERE outcome = 'already_loaded') FROM bea.load_audit "
                "WHERE release_date = :r GROUP BY run_id ORDER BY 2"
            ),
            {"r": R2},
        ).all()
    engine.dispose()
    # Serialized: one run folded the release, the other waited for it and found it loaded.
    units = per_run[0][0]
    assert per_run == [(units, 0), (units, units)] and units > 20


def test_two_captures_of_one_partition_at_once(prepared: dict, sandbox: Sandbox, tmp_path: Path) -> None:
    lake = LakeResource(url=str(tmp_path / "lake"))
    go = tmp_path / "go"
    ready = [tmp_path / "ready-a", tmp_path / "ready-b"]
    procs = []
    for r in ready:
        bea = bea_for(sandbox)
        procs.append(
            driver(
                {
                    "mode": "capture",
                    "partition": R2,
                    "lake": lake.url,
                    "api_key": bea.api_key,
                    "api_url": bea.api_url,
                    "calendar_url": bea.calendar_url,
                    "ready": str(r),
                    "go": str(go),
                },
                tmp_path,
            )
        )
    wait_for(lambda: all(r.exists() for r in ready), "both runs to be ready")
    go.touch()
    assert [p.wait(timeout=180) for p in procs] == [0, 0]
    manifest = json.loads(lake.get(layout.bronze_manifest(R2)))
    assert len(manifest["objects"]) == 45
    for obj in manifest["objects"]:
        assert hashlib.sha256(gzip.decompress(lake.get(obj["key"]))).hexdigest() == obj["sha256"]
    bronze_files = [p for p in (Path(lake.url) / "bronze").rglob("*") if p.is_file()]
    assert len(bronze_files) == 46  # 45 answers and one manifest: no second copy, no debris


class StoppablePostgres:
    """A PostgreSQL of the drill's own (pgserver's binaries), to stop and start at will."""

    def __init__(self, pgdata: Path) -> None:
        import pgserver

        self.server = pgserver.get_server(pgdata, cleanup_mode="delete")
        self.url = normalise_url(self.server.get_uri())

    def pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=30)

    def stop(self) -> None:
        self.pg_ctl("-w", "-m", "immediate", "stop")

    def start(self) -> None:
        self.server.ensure_postgres_running()


def test_postgresql_stopped_mid_load_is_retried_until_it_is_back(
    prepared: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg = StoppablePostgres(tmp_path / "pg")
    original = bulk.copy_rows
    stops: list[float] = []

    def copy_after_an_outage(conn: Any, table: str, frames: Any, columns: list[str] | None = None) -> int:
        if not stops:
            pg.stop()  # under the open transaction: the load's connection dies with it
            stops.append(time.monotonic())
            threading.Timer(2.0, pg.start).start()
        return original(conn, table, frames, columns)

    monkeypatch.setattr(bulk, "copy_rows", copy_after_an_outage)
    with dg.instance_for_test() as instance:
        try:
            result = load_in_process(
                prepared["lake"], pg.url, R2, instance, unavailable_retries=5, unavailable_wait_s=1.0
            )
        finally:
            pg.server.cleanup()
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert retries, "the first attempt should have failed and been retried"
    cause = retries[0].event_specific_data.error.cause
    assert cause.cls_name == "WarehouseUnavailableError"
    assert "PostgreSQL at postgresql+psycopg2://postgres:***@" in cause.message
    assert "unavailable: server closed the connection unexpectedly" in cause.message
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {"rows_match_silver": True, "no_duplicate_keys": True}
