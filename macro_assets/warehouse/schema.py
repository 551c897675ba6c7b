"""The warehouse's schema brought to the newest revision: alembic migrations for the tables
(``migrations/versions``), then the views and functions re-applied from ``views.sql``.

``upgrade`` runs in one transaction under an advisory lock, so two loads (or a load and
``mdi warehouse upgrade``) never migrate at once, and a failed migration leaves nothing done.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")
VIEWS_SQL = Path(__file__).with_name("views.sql")
VERSION_SCHEMA = "bea"
VERSION_TABLE = "alembic_version"
_DDL_LOCK = 7_320_001


class VintageConflict(RuntimeError):
    pass


def migration_sql(name: str) -> str:
    return (MIGRATIONS / "sql" / name).read_text()


def _config(conn: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def head() -> str:
    return str(ScriptDirectory.from_config(_config()).get_current_head())


def revision_of(conn: sa.Connection) -> str | None:
    """The warehouse's revision; None before any migration (empty, or made by schema.sql)."""
    context = MigrationContext.configure(
        conn, opts={"version_table": VERSION_TABLE, "version_table_schema": VERSION_SCHEMA}
    )
    return context.get_current_revision()


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Bring the warehouse to the newest revision; (revision before, revision after)."""
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _DDL_LOCK})
        _refuse_pre_vintage_layout(conn)
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {VERSION_SCHEMA}")
        before = revision_of(conn)
        if before != head():
            command.upgrade(_config(conn), "head")
        conn.exec_driver_sql(VIEWS_SQL.read_text())
        return before, str(revision_of(conn))


def _refuse_pre_vintage_layout(conn: sa.Connection) -> None:
    old = conn.execute(
        sa.text(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = 'bea' "
            "AND table_name = 'observations' AND column_name = 'release_date'"
        )
    ).first()
    if old:
        raise VintageConflict(
            "the warehouse holds bea.observations from before vintages were kept (a release_date "
            "column): drop schema bea and replay the releases from bronze"
        )
