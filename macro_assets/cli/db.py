"""``mdi db status|stop|psql``: the embedded PostgreSQL (pgserver) in ``MDI_PGDATA`` (``.pgdata``).

pgserver runs PostgreSQL as the data folder's owner; as root that is the ``pgserver`` user, so
``pg_ctl`` typed by hand as root fails ("cannot be run as root"). These commands run it as the
owner."""

from __future__ import annotations

import os
import pwd
import sys
import warnings
from pathlib import Path

import click

from macro_assets.resources.warehouse import import_pgserver


def data_dir() -> Path:
    return Path(os.environ.get("MDI_PGDATA") or ".pgdata").resolve()


def running_pid(pgdata: Path) -> int | None:
    """The postmaster's pid from ``postmaster.pid``, if that process is alive."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by another user
    return pid


def _owner(pgdata: Path) -> str | None:
    """Whom to run pg_ctl as: the data folder's owner when we are root and it is not."""
    if os.geteuid() != 0:
        return None
    owner = pwd.getpwuid(pgdata.stat().st_uid).pw_name
    return None if owner == "root" else owner


def _require_data(pgdata: Path) -> None:
    if not (pgdata / "PG_VERSION").is_file():
        click.echo(
            f"mdi: error: no embedded PostgreSQL in {pgdata} (MDI_PGDATA); `make demo` creates one", err=True
        )
        sys.exit(1)


@click.group()
def db() -> None:
    """The embedded PostgreSQL (used when DATABASE_URL is unset)."""


@db.command()
def status() -> None:
    """Whether the embedded PostgreSQL is running, and where its data are."""
    pgdata = data_dir()
    _require_data(pgdata)
    pid = running_pid(pgdata)
    state = f"running (pid {pid})" if pid else "not running"
    click.echo(f"embedded PostgreSQL {state}, data in {pgdata}")


@db.command()
def stop() -> None:
    """Stop the embedded PostgreSQL (waits for it to shut down)."""
    import subprocess

    pgdata = data_dir()
    _require_data(pgdata)
    if running_pid(pgdata) is None:
        click.echo(f"embedded PostgreSQL not running, data in {pgdata}")
        return
    try:
        import_pgserver().pg_ctl(["-w", "stop"], pgdata=pgdata, user=_owner(pgdata), timeout=120)
    except subprocess.CalledProcessError as exc:
        click.echo(f"mdi: error: pg_ctl stop failed (exit {exc.returncode}) for {pgdata}", err=True)
        sys.exit(1)
    click.echo(f"embedded PostgreSQL stopped, data in {pgdata}")


@db.command()
def psql() -> None:
    """Open psql on the embedded PostgreSQL (started if it is not running; left running)."""
    pgserver = import_pgserver()
    pgdata = data_dir()
    _require_data(pgdata)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        uri = pgserver.get_server(pgdata, cleanup_mode=None).get_uri()
    executable = str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql")
    os.execv(executable, [executable, uri])
