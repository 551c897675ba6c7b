"""Where a key's window is kept, so that every process using the key sees one tally.

- ``MemoryStore``: this process only (the embedded sandbox, which lives and dies with it).
- ``FileStore``: one JSON file, locked with ``filelock`` for each read-modify-write; every
  process on the machine that points at the file shares it (default: under ``$DAGSTER_HOME``).
- ``PostgresStore``: one row per key in ``bea_budget.key_state``, locked with
  ``SELECT … FOR UPDATE``; every ECS task reaches it. Its clock is the database's, so tasks
  whose clocks disagree still agree on the window.

A store never holds an API key: keys are known by ``identify``, an HMAC-SHA256 of the API host
and the key under a random secret made by the store on first use and kept beside the state.
What is kept per key: the start and end of each request of the last window, each answer's
size and end, error times, the largest answer of the last hour, and a lockout's end and cause.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from macro_assets.bea.throttle import KeyState

# A key not used for a day is forgotten (its window is long gone; a lockout lasts an hour).
FORGET_AFTER_S = 86400.0


class BudgetUnavailableError(RuntimeError):
    """The shared budget cannot be reached: sending requests blind could lock the key out."""


def _identify(secret: bytes, api_key: str, host: str) -> str:
    message = f"{host.lower()}\n{api_key}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


class MemoryStore:
    poll_s = 0.01

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._states: dict[str, KeyState] = {}
        self._lock = threading.Lock()
        self._secret = secrets.token_bytes(32)

    def identify(self, api_key: str, host: str) -> str:
        return _identify(self._secret, api_key, host)

    @contextmanager
    def session(self, key_id: str) -> Iterator[tuple[KeyState, float]]:
        with self._lock:
            yield self._states.setdefault(key_id, KeyState()), self.clock()

    def describe(self) -> str:
        return "this process's memory"


_process_store = MemoryStore()


def process_store() -> MemoryStore:
    return _process_store


class FileStore:
    """``{"secret": hex, "keys": {key_id: KeyState}}`` in one file, replaced atomically."""

    poll_s = 0.05

    def __init__(self, path: str | Path, lock_timeout_s: float = 30.0) -> None:
        from filelock import FileLock

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file_lock = FileLock(f"{self.path}.lock", timeout=lock_timeout_s)
        self._thread_lock = threading.Lock()
        self._secret: bytes | None = None

    def describe(self) -> str:
        return f"file {self.path}"

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        from filelock import Timeout

        with self._thread_lock:
            try:
                self._file_lock.acquire()
            except Timeout:
                raise BudgetUnavailableError(
                    f"BEA request budget {self.path} stayed locked for {self._file_lock.timeout:.0f} s"
                ) from None
            try:
                doc = json.loads(self.path.read_text()) if self.path.exists() else {}
                yield doc
            finally:
                self._file_lock.release()

    def _write(self, doc: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-budget-", suffix=".part")
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def identify(self, api_key: str, host: str) -> str:
        if self._secret is None:
            with self._locked() as doc:
                if "secret" not in doc:
                    doc["secret"] = secrets.token_hex(32)
                    doc.setdefault("keys", {})
                    self._write(doc)
                self._secret = bytes.fromhex(doc["secret"])
        return _identify(self._secret, api_key, host)

    @contextmanager
    def session(self, key_id: str) -> Iterator[tuple[KeyState, float]]:
        with self._locked() as doc:
            keys: dict[str, Any] = doc.setdefault("keys", {})
            state = KeyState.from_json(keys.get(key_id))
            now = time.time()
            yield state, now
            keys[key_id] = state.to_json()
            for other in list(keys):
                kept = KeyState.from_json(keys[other])
                if kept.is_empty() or now - kept.newest() > FORGET_AFTER_S:
                    del keys[other]
            doc.setdefault("secret", secrets.token_hex(32))
            self._write(doc)


class PostgresStore:
    """Shared by every process that reaches one PostgreSQL (in production, the warehouse's)."""

    poll_s = 0.05
    SCHEMA = (
        "CREATE SCHEMA IF NOT EXISTS bea_budget",
        "CREATE TABLE IF NOT EXISTS bea_budget.secret "
        "(id int PRIMARY KEY CHECK (id = 1), secret text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS bea_budget.key_state (key_id text PRIMARY KEY, state jsonb NOT NULL, "
        "updated_at timestamptz NOT NULL DEFAULT now())",
    )

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self._sa = sa
        self.engine = sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=8)
        self.url = self.engine.url.render_as_string(hide_password=True)
        self._secret: bytes | None = None
        try:
            with self.engine.begin() as conn:
                # Two processes creating the schema at once would race on the catalog: serialise.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('bea_budget'))")
                for ddl in self.SCHEMA:
                    conn.exec_driver_sql(ddl)
                conn.execute(
                    sa.text(
                        "DELETE FROM bea_budget.key_state "
                        "WHERE updated_at < now() - make_interval(secs => :s)"
                    ),
                    {"s": FORGET_AFTER_S},
                )
        except sa.exc.OperationalError as exc:
            raise BudgetUnavailableError(self._unreachable(exc)) from None

    def _unreachable(self, exc: Exception) -> str:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return f"BEA request budget in PostgreSQL {self.url} unreachable: {reason}"

    def describe(self) -> str:
        return f"PostgreSQL {self.url} (bea_budget.key_state)"

    def identify(self, api_key: str, host: str) -> str:
        if self._secret is None:
            with self.engine.begin() as conn:
                conn.execute(
                    self._sa.text(
                        "INSERT INTO bea_budget.secret (id, secret) VALUES (1, :s) "
                        "ON CONFLICT (id) DO NOTHING"
                    ),
                    {"s": secrets.token_hex(32)},
                )
                hex_secret = conn.exec_driver_sql("SELECT secret FROM bea_budget.secret").scalar_one()
            self._secret = bytes.fromhex(hex_secret)
        return _identify(self._secret, api_key, host)

    @contextmanager
    def session(self, key_id: str) -> Iterator[tuple[KeyState, float]]:
        sa = self._sa
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO bea_budget.key_state (key_id, state) VALUES (:k, '{}'::jsonb) "
                        "ON CONFLICT (key_id) DO NOTHING"
                    ),
                    {"k": key_id},
                )
                row = conn.execute(
                    sa.text(
                        "SELECT state, extract(epoch FROM clock_timestamp())::float8 "
                        "FROM bea_budget.key_state WHERE key_id = :k FOR UPDATE"
                    ),
                    {"k": key_id},
                ).one()
                state = KeyState.from_json(row[0])
                yield state, float(row[1])
                conn.execute(
                    sa.text(
                        "UPDATE bea_budget.key_state SET state = CAST(:s AS jsonb), updated_at = now() "
                        "WHERE key_id = :k"
                    ),
                    {"k": key_id, "s": json.dumps(state.to_json())},
                )
        except sa.exc.OperationalError as exc:
            raise BudgetUnavailableError(self._unreachable(exc)) from None


def open_store(url: str) -> FileStore | PostgresStore:
    """``postgresql://…`` (SQLAlchemy URL), ``file:///path`` or a plain path."""
    if url.startswith(("postgresql", "postgres:")):
        return PostgresStore(url)
    if url.startswith("file://"):
        url = url[len("file://") :]
    return FileStore(url)


_stores: dict[str, FileStore | PostgresStore] = {}
_stores_lock = threading.Lock()


def shared_store(url: str) -> FileStore | PostgresStore:
    """One store object per URL and process (its connection pool and its limiters are shared)."""
    with _stores_lock:
        if url not in _stores:
            _stores[url] = open_store(url)
        return _stores[url]
