"""The warehouse: ``DATABASE_URL``, or an embedded PostgreSQL (pgserver) when it is unset."""

import os
import threading
import warnings
from pathlib import Path
from types import ModuleType

import dagster as dg
import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.engine import make_url

_servers: dict[Path, object] = {}
_lock = threading.Lock()


def normalise_url(url: str) -> str:
    """SQLAlchemy 2.1 maps a bare ``postgresql://`` to psycopg 3, which we do not ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


def import_pgserver() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on import; pgserver does not use it.
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver


def embedded_url(pgdata: str | Path) -> str:
    """Start (or join) the embedded server whose data live in ``pgdata``; its URL."""
    pgserver = import_pgserver()

    path = Path(pgdata).resolve()
    with _lock:
        if path not in _servers:
            path.parent.mkdir(parents=True, exist_ok=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _servers[path] = pgserver.get_server(path, cleanup_mode="stop")
        server = _servers[path]
    return normalise_url(server.get_uri())  # type: ignore[attr-defined]


class WarehouseUnavailableError(RuntimeError):
    """PostgreSQL could not be reached, or dropped the connection (transient: retried)."""


def unavailable(exc: sa.exc.DBAPIError, where: str) -> WarehouseUnavailableError:
    first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    return WarehouseUnavailableError(f"{where} unavailable: {first}")


# Errors that say the server or the connection went away, not that the data or SQL are wrong.
TRANSIENT = (sa.exc.OperationalError, sa.exc.InterfaceError)


class WarehouseResource(dg.ConfigurableResource):
    # Unset fields fall back to the environment at run time: Dagster replaces the whole config
    # when a run's config sets one field, and a lost DATABASE_URL would load into the embedded
    # server instead of the warehouse.
    database_url: str | None = Field(default=None, description="DATABASE_URL; unset: embedded PostgreSQL")
    pgdata: str | None = Field(default=None, description="MDI_PGDATA; unset: .pgdata")
    unavailable_retries: int = Field(default=3, description="retries of a load when PostgreSQL is down")
    unavailable_wait_s: float = Field(default=60.0, description="wait before each such retry")

    @property
    def database(self) -> str | None:
        return self.database_url or os.environ.get("DATABASE_URL") or None

    @property
    def data_dir(self) -> str:
        return self.pgdata or os.environ.get("MDI_PGDATA") or ".pgdata"

    def url(self) -> str:
        return normalise_url(self.database) if self.database else embedded_url(self.data_dir)

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.url(), pool_pre_ping=True, connect_args={"connect_timeout": 10})

    def describe(self) -> str:
        if self.database:
            shown = make_url(normalise_url(self.database)).render_as_string(hide_password=True)
            return f"PostgreSQL at {shown}"
        return f"embedded PostgreSQL (pgserver) with data in {Path(self.data_dir).resolve()}"
