"""BEA's limits belong to the key: captures in processes of their own, one key, one sandbox
with BEA's limits on a short window. Back to back, at the same time, after a lockout, and
killed midway then resumed: never a 429, never a request during a lockout, nothing fetched
twice."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bea_sandbox.limits import Limits
from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.bea.budget import FileStore
from macro_assets.bea.client import BeaClient
from macro_assets.bea.errors import BeaThrottledError
from macro_assets.bea.throttle import RateLimits, utc_text
from macro_assets.lake import layout
from macro_assets_tests.conftest import SANDBOX_NOW
from macro_assets_tests.drills.test_drills import R2, fresh_key, wait_for
from macro_assets_tests.drills.test_drills import driver as start_driver

# Eight requests a capture: two table lists, three NIPA tables, three lines of SAINC1.
SMALL_CATALOG = """
releases:
  Gross Domestic Product:
    - {dataset: NIPA, table: T10101, frequencies: [A, Q]}
    - {dataset: NIPA, table: T10105, frequencies: [A, Q]}
    - {dataset: NIPA, table: T10106, frequencies: [A, Q]}
  Personal Income by State:
    - {dataset: Regional, table: SAINC1, lines: [1, 2, 3]}
"""
# Six answers, and the plan's checks against BEA's lists: a parameter list and the table names
# of each dataset, NIPA's frequencies, SAINC1's lines.
REQUESTS_PER_CAPTURE = 12
# BEA's shape of limits, shrunk: 12 requests per 10 s (our budget: 11).
MAX_REQUESTS, WINDOW_S = 12, 10.0
RELEASE = date.fromisoformat(R2)


_running: list[subprocess.Popen] = []


def driver(spec: dict[str, Any], where: Path) -> subprocess.Popen:
    proc = start_driver(spec, where)
    _running.append(proc)
    return proc


@pytest.fixture(autouse=True)
def no_driver_left_behind() -> Iterator[None]:
    """A failed assertion must not leave drivers waiting for their ``go`` file forever."""
    yield
    while _running:
        proc = _running.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture
def limited_sandbox() -> Iterator[Sandbox]:
    limits = Limits(max_requests=MAX_REQUESTS, window_s=WINDOW_S, lockout_s=3600)
    with Sandbox(settings=SandboxSettings(clock=lambda: SANDBOX_NOW, limits=limits)) as server:
        yield server


def capture_spec(sandbox: Sandbox, root: Path, name: str, key: str, **extra: Any) -> dict[str, Any]:
    catalog = root / "catalog.yaml"
    if not catalog.exists():
        catalog.write_text(SMALL_CATALOG)
    spec = {
        "mode": "capture",
        "partition": R2,
        "lake": str(root / f"lake-{name}"),
        "api_url": sandbox.api_url,
        "calendar_url": sandbox.calendar_url,
        "api_key": key,
        "budget_url": str(root / "bea_budget.json"),
        "max_requests": MAX_REQUESTS,
        "window_s": WINDOW_S,
        "catalog": str(catalog),
        "ready": str(root / f"{name}.ready"),
        "go": str(root / f"{name}.go"),
    }
    return spec | extra


def started(specs: list[dict[str, Any]], root: Path) -> list[subprocess.Popen]:
    """Drivers started and past their imports, each waiting for its ``go`` file."""
    procs = [driver(spec, root) for spec in specs]
    for spec in specs:
        wait_for(lambda spec=spec: Path(spec["ready"]).exists(), "a driver to be ready")
    return procs


def refused(sandbox: Sandbox, key: str) -> int:
    return sum(1 for s in sandbox.served if s.key == key and s.status == 429)


def errors_of(root: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(root.glob("spec-*.err")))


def test_three_captures_back_to_back_share_the_key_without_a_429(
    limited_sandbox: Sandbox, tmp_path: Path
) -> None:
    key = fresh_key()
    specs = [capture_spec(limited_sandbox, tmp_path, f"c{i}", key) for i in range(3)]
    procs = started(specs, tmp_path)
    for spec, proc in zip(specs, procs, strict=True):
        Path(spec["go"]).touch()
        assert proc.wait(timeout=240) == 0, errors_of(tmp_path)
    served = [s for s in limited_sandbox.served if s.key == key]
    assert len(served) == 3 * REQUESTS_PER_CAPTURE
    assert refused(limited_sandbox, key) == 0
    # Without the shared budget the second capture, started seconds after the first, sends its
    # twelve requests into a window already holding twelve: over twelve, a 429 and a lockout.
    span = served[-1].at - served[0].at
    least = RateLimits(MAX_REQUESTS, window_s=WINDOW_S).minimum_time_s(len(served), 0)
    assert least == 30.0
    assert least <= span < least + 8.0, f"span {span:.1f} s against the limits' {least:.0f} s"
    for spec in specs:
        manifest = Path(spec["lake"]) / layout.bronze_manifest(RELEASE)
        assert len(json.loads(manifest.read_text())["objects"]) == 6


def test_two_captures_at_once_with_one_key_draw_no_429(limited_sandbox: Sandbox, tmp_path: Path) -> None:
    key = fresh_key()
    specs = [capture_spec(limited_sandbox, tmp_path, f"c{i}", key) for i in range(2)]
    procs = started(specs, tmp_path)
    for spec in specs:
        Path(spec["go"]).touch()
    assert [p.wait(timeout=240) for p in procs] == [0, 0], errors_of(tmp_path)
    assert sum(1 for s in limited_sandbox.served if s.key == key) == 2 * REQUESTS_PER_CAPTURE
    assert refused(limited_sandbox, key) == 0


def test_a_lockout_is_remembered_by_a_new_process_that_sends_nothing(tmp_path: Path) -> None:
    key = fresh_key()
    # This sandbox allows three requests a minute; a client that believes BEA's real 100 draws
    # the 429 and the hour's lockout, and records it in the shared budget.
    limits = Limits(max_requests=3, window_s=60, lockout_s=3600)
    with Sandbox(settings=SandboxSettings(clock=lambda: SANDBOX_NOW, limits=limits)) as sandbox:
        store = FileStore(tmp_path / "bea_budget.json")
        client = BeaClient(sandbox.api_url, key, budget=store, max_lockout_wait_s=0)
        with pytest.raises(BeaThrottledError, match="locked out until"):
            for _ in range(4):
                client.get_data("NIPA", "T10101", TableName="T10101", Frequency="A", Year="2024")
        until = utc_text(client.limiter.snapshot().locked_until)
        assert refused(sandbox, key) == 1
        before = len(sandbox.served)

        spec = capture_spec(sandbox, tmp_path, "after", key, max_requests=100, window_s=60.0)
        spec.pop("go")
        proc = driver(spec, tmp_path)
        assert proc.wait(timeout=120) == 1
        assert len(sandbox.served) == before, "a request reached BEA during the lockout"
    message = errors_of(tmp_path)
    assert f"locked this API key out until {until}" in message and "no request was sent" in message
    assert key not in message and key not in (tmp_path / "bea_budget.json").read_text()


def entries_landed(lake: Path) -> int:
    landed = (lake / layout.landing_prefix(RELEASE)).glob("run_id=*/_entries/**/*.json")
    return sum(1 for _ in landed)


def bronze_of(lake: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The manifest's entries without the moment of each fetch, and each object's bytes' hash."""
    manifest = json.loads((lake / layout.bronze_manifest(RELEASE)).read_text())
    entries = [{k: v for k, v in e.items() if k != "fetched_at"} for e in manifest["objects"]]
    hashes = {e["key"]: hashlib.sha256((lake / e["key"]).read_bytes()).hexdigest() for e in entries}
    return entries, hashes


def test_a_capture_killed_midway_resumes_with_only_the_missing_answers(tmp_path: Path) -> None:
    """The full catalog (45 answers) at 10 requests a second: SIGKILL after a dozen answers
    landed, then the same partition again in a new process."""
    units = 45
    limits = Limits(max_requests=10, window_s=1.0, lockout_s=3600)
    with Sandbox(settings=SandboxSettings(clock=lambda: SANDBOX_NOW, limits=limits)) as sandbox:
        fast = {"max_requests": 10, "window_s": 1.0, "catalog": None}
        control = capture_spec(sandbox, tmp_path, "control", fresh_key(), **fast)
        control.pop("go")
        assert driver(control, tmp_path).wait(timeout=240) == 0, errors_of(tmp_path)

        key = fresh_key()
        spec = capture_spec(sandbox, tmp_path, "killed", key, **fast)
        spec.pop("go")
        lake = Path(spec["lake"])
        proc = driver(spec, tmp_path)
        wait_for(lambda: entries_landed(lake) >= 12, "a dozen landed answers")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        held = entries_landed(lake)
        assert held < units, "the capture ended before it was killed"
        assert not (lake / layout.landing_manifest(RELEASE)).exists()
        first_run = sum(1 for s in sandbox.served if s.key == key)

        spec["ready"] = str(tmp_path / "rerun.ready")
        assert driver(spec, tmp_path).wait(timeout=240) == 0, errors_of(tmp_path)
        rerun = [s for s in sandbox.served if s.key == key][first_run:]
        assert refused(sandbox, key) == 0
    # The plan was landed: no table list or line codes asked again; only the missing answers.
    assert {s.method for s in rerun} == {"getdata"}
    assert len(rerun) == units - held
    assert bronze_of(lake) == bronze_of(Path(control["lake"]))


def test_the_budget_file_never_holds_the_key(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "b.json")
    key = fresh_key()
    ident = store.identify(key, "apps.bea.gov")
    assert ident == FileStore(tmp_path / "b.json").identify(key, "apps.bea.gov")
    assert ident != store.identify(key, "127.0.0.1:9") and key not in ident
    assert (tmp_path / "b.json").stat().st_mode & 0o077 == 0
