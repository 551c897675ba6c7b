"""Shared fixtures: a real BEA sandbox over HTTP, a real PostgreSQL, a lake folder, an instance."""

from __future__ import annotations

import contextlib
import itertools
import os
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource, normalise_url

# The sandbox's clock in tests: the day after BEA's (modelled) October GDP and PIO releases.
SANDBOX_NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
TEST_KEY = "7E57C0DE-0000-4000-8000-000000000001"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
# The catalog most tests run (NIPA and the states); the default one is run where it is the point.
CORE_CATALOG = Path(__file__).resolve().parent / "fixtures" / "nipa_and_states.yaml"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(settings=SandboxSettings(clock=lambda: SANDBOX_NOW)) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL for the session: ``TEST_DATABASE_URL`` if given, else pgserver."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield normalise_url(os.environ["TEST_DATABASE_URL"])
        return
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete")
    yield normalise_url(server.get_uri())
    server.cleanup()


_db_numbers = itertools.count()


@contextlib.contextmanager
def databases(server: str, prefix: str = "t") -> Iterator[Callable[..., str]]:
    """``make(label="")`` makes a fresh, empty database on ``server`` and gives its URL; every
    one made is dropped when the block ends."""
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make(label: str = "") -> str:
        name = "_".join(part for part in (prefix, str(os.getpid()), label, str(next(_db_numbers))) if part)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database per test, dropped afterwards."""
    with databases(postgres_server) as make:
        yield make()


@pytest.fixture(scope="session")
def captured(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LakeResource, CatalogResource, dict]]:
    """Four releases of the sandbox's history in one lake, bea_raw → gold (``history.py``)."""
    from macro_assets_tests.history import capture_history

    yield from capture_history(tmp_path_factory.mktemp("vintages"))


@pytest.fixture
def another_database(postgres_server: str) -> Iterator[Callable[[], str]]:
    """Makes more fresh, empty databases for one test (``database_url`` is the first), dropped
    afterwards."""
    with databases(postgres_server) as make:
        yield make


@pytest.fixture
def lake(tmp_path: Path) -> LakeResource:
    return LakeResource(url=str(tmp_path / "lake"))


_key_numbers = itertools.count(1)


@pytest.fixture
def api_key() -> str:
    """A key of its own per test: BEA's limits (and our limiter) count per key and per minute,
    so tests sharing one key would throttle each other."""
    return f"7E57C0DE-0000-4000-8000-{os.getpid() % 10**6:06d}{next(_key_numbers):06d}"


@pytest.fixture
def bea(sandbox: Sandbox, api_key: str) -> BeaApiResource:
    return BeaApiResource(
        api_key=api_key, api_url=sandbox.api_url, calendar_url=sandbox.calendar_url, backoff_initial_s=0.01
    )


@pytest.fixture
def resources(bea: BeaApiResource, lake: LakeResource, database_url: str) -> dict[str, object]:
    return {
        "bea": bea,
        "lake": lake,
        "warehouse": WarehouseResource(database_url=database_url),
        "catalog": CatalogResource(path=str(CORE_CATALOG)),
    }


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as inst:
        yield inst


@pytest.fixture(autouse=True, scope="session")
def no_defs_state_storage() -> Iterator[None]:
    """Loading definitions asks the 'current' instance's defs-state storage (used only by
    state-backed components, which this project has none of). Across a test session that
    storage can belong to an instance already disposed, and loading fails at random with
    'Attempted to resolve undefined DagsterInstance weakref' (seen in CI). Tests load
    definitions without it."""
    from dagster._core.storage.defs_state.base import DefsStateStorage

    original = DefsStateStorage.__dict__["get"]
    DefsStateStorage.get = classmethod(lambda cls: None)  # type: ignore[method-assign]
    yield
    DefsStateStorage.get = original  # type: ignore[method-assign]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_moto(workdir: Path) -> Iterator[str]:
    """moto's server (``moto_server`` from ``moto[server]``) on 127.0.0.1: AWS over real HTTP."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    log = (workdir / "moto.log").open("w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_moto(tmp_path_factory.mktemp("moto")) as url:
        yield url


class TcpPostgres:
    """A PostgreSQL of pgserver's binaries listening on 127.0.0.1 (pgserver itself listens only
    on a Unix socket, which connection settings built from host and port cannot name)."""

    def __init__(self, pgdata: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver
            from pgserver._commands import pg_ctl

        self._pg_ctl = pg_ctl
        self.server = pgserver.get_server(pgdata, cleanup_mode=None)
        self.pgdata, self.user = self.server.pgdata, self.server.system_user
        self._ctl("-w", "stop")
        self.port = free_port()
        self._ctl(
            "-w",
            "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.pgdata}",
            "-l",
            str(self.pgdata / "tcp.log"),
            "start",
        )
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        self._pg_ctl(list(args), pgdata=self.pgdata, user=self.user, timeout=60)

    def stop(self) -> None:
        self._ctl("-w", "-m", "fast", "stop")


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment boto3 reads, pointed at moto's server (never at AWS)."""
    from macro_assets.lake import stores as lake_module

    for name, value in {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(lake_module, "_s3_clients", {})
    return moto_server


_buckets = itertools.count(1)


@pytest.fixture
def s3_lake(aws: str) -> LakeResource:
    import boto3

    bucket = f"lake-test-{os.getpid()}-{next(_buckets)}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return LakeResource(url=f"s3://{bucket}/lake")
