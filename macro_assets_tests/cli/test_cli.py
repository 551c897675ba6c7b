"""The operator's path, as CI runs it: `mdi releases sync`, then `dagster asset materialize`."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import sqlalchemy as sa

from macro_assets_tests.conftest import CORE_CATALOG

BIN = Path(sys.executable).parent
INSTANCE_YAML = Path(__file__).resolve().parents[2] / "dagster_home" / "dagster.yaml"


def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text(INSTANCE_YAML.read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BEA_", "DAGSTER_", "LAKE_", "MDI_"))}
    env.update(
        DAGSTER_HOME=str(home),
        DATABASE_URL=database_url,
        LAKE_URL=str(tmp_path / "lake"),
        BEA_SANDBOX_NOW="2026-11-02T12:00:00+00:00",
        # A warehouse of its own with the sandbox's made-up numbers: chosen explicitly.
        BEA_SANDBOX="1",
        MDI_CATALOG=str(CORE_CATALOG),
    )
    return env


def mdi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "mdi"), *args], env=env, capture_output=True, text=True, timeout=120)


def test_sync_then_materialize_loads_the_tables(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url)
    empty = mdi(env, "releases", "latest")
    assert empty.returncode == 1
    assert empty.stderr.strip() == "mdi: error: no release partitions registered yet: run `mdi releases sync`"

    sync = mdi(env, "releases", "sync")
    assert sync.returncode == 0, sync.stderr
    listed = mdi(env, "releases", "list").stdout.split()
    latest = mdi(env, "releases", "latest").stdout.strip()
    # Nothing in bronze yet: the newest release date is the one partition that can be built.
    assert listed == [latest] == ["2026-10-30"]
    every = dict(line.split("  ", 1) for line in mdi(env, "releases", "list", "--all").stdout.splitlines())
    assert every["2026-10-29"] == "not captured (BEA no longer serves that vintage)"
    assert every["2026-10-30"].startswith("the newest release date")
    again = mdi(env, "releases", "sync")
    assert again.stderr.startswith("0 new release partitions registered, 0 removed")

    run = subprocess.run(
        [
            str(BIN / "dagster"),
            "asset",
            "materialize",
            "-m",
            "macro_assets.definitions",
            "--select",
            "*",
            "--partition",
            latest,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        observations = conn.execute(sa.text("SELECT count(*) FROM bea.observations")).scalar_one()
        indicators = conn.execute(
            sa.text("SELECT count(DISTINCT indicator) FROM bea.indicators")
        ).scalar_one()
    engine.dispose()
    assert observations > 10_000 and indicators == 6
    # The lake's open table holds the same rows, through DuckDB.
    counted = mdi(env, "lake", "sql", "SELECT count(*) AS n FROM observations", "--csv")
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.split() == ["n", str(observations)]
    as_of = mdi(env, "lake", "sql", f"SELECT count(*) FROM observations_as_of(DATE '{latest}')")  # noqa: S608
    assert str(observations) in as_of.stdout
    wrong = mdi(env, "lake", "sql", "SELECT nope FROM observations")
    assert wrong.returncode == 1 and len(wrong.stderr.strip().splitlines()) == 1
    assert wrong.stderr.startswith('mdi: error: DuckDB: Binder Error: Referenced column "nope" not found')
    follow_the_lineage_how_to(env, database_url, latest)


def follow_the_lineage_how_to(env: dict[str, str], database_url: str, partition: str) -> None:
    """docs/lineage.md, block by block: SQL to the run and bronze answer, then the run itself."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "lineage.md").read_text()
    trace, audit = re.findall(r"```sql\n(.*?)```", doc, re.S)
    (graphql,) = re.findall(r"```graphql\n(.*?)```", doc, re.S)
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        found = conn.execute(sa.text(trace)).mappings().one()
        audits = conn.execute(sa.text(audit)).mappings().all()
    engine.dispose()
    assert found["published_in"].isoformat() <= partition and found["value"] is not None
    raw = gzip.decompress(Path(found["bronze_uri"].removeprefix("file://")).read_bytes())
    assert hashlib.sha256(raw).hexdigest() == found["bronze_sha256"]
    assert b"REDACTED" in raw and found["code_version"].startswith("0.")
    run_id = found["run_id"]
    assert {a["run_id"] for a in audits} == {run_id} and {a["outcome"] for a in audits} == {"folded"}

    listed = subprocess.run(
        [str(BIN / "dagster"), "run", "list", "--limit", "20"], env=env, capture_output=True, text=True
    )
    assert f"Run: {run_id}" in listed.stdout, listed.stderr[-2000:]
    export = Path(env["DAGSTER_HOME"]).parent / "run.gz"
    exported = subprocess.run(
        [str(BIN / "dagster"), "debug", "export", run_id, str(export)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert exported.returncode == 0 and export.stat().st_size > 1000, exported.stderr[-2000:]

    query = export.with_name("lineage.graphql")
    query.write_text(graphql)
    out = export.with_name("run.json")
    answered = subprocess.run(
        [
            str(BIN / "dagster-graphql"),
            "-m",
            "macro_assets.definitions",
            "--file",
            str(query),
            "-v",
            json.dumps({"runId": run_id}),
            "-o",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answered.returncode == 0, answered.stderr[-2000:]
    run = json.loads(out.read_text())["data"]["runOrError"]
    assert run["status"] == "SUCCESS"
    assert {"key": "dagster/partition", "value": partition} in run["tags"]
    metadata = {
        "/".join(m["assetKey"]["path"]): {e["label"]: e for e in m["metadataEntries"]}
        for m in run["assetMaterializations"]
    }
    layers = ("bea_raw", "bronze", "silver", "gold", "observations", "indicators", "iceberg_observations")
    assert set(metadata) == {f"bea/{name}" for name in layers}
    assert metadata["bea/observations"]["code_version"]["text"] == found["code_version"]
    assert metadata["bea/bea_raw"]["api_calls"]["intValue"] > 0
    assert all("duration_s" in entries for entries in metadata.values())


def test_bad_input_is_one_line(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url)
    bad_key = mdi(env, "demo", "--partition", "../../etc")
    assert bad_key.returncode == 1
    assert bad_key.stderr.strip().splitlines() == [
        "mdi: error: invalid release date partition key '../../etc': expected YYYY-MM-DD"
    ]
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("releases:\n  GDP:\n    - {dataset: NIPA, table: 'T1/../x', frequencies: [A]}\n")
    bad_catalog = mdi(dict(env, MDI_CATALOG=str(catalog)), "releases", "sync")
    assert bad_catalog.returncode == 1
    assert len(bad_catalog.stderr.strip().splitlines()) == 1 and "invalid table name" in bad_catalog.stderr
    no_pg = mdi(dict(env, DATABASE_URL="postgresql://x@127.0.0.1:9/none"), "demo")
    assert no_pg.returncode == 1
    line = no_pg.stderr.strip().splitlines()[-1]
    assert line.startswith("mdi: error: PostgreSQL unreachable: ") and "127.0.0.1" in line
    no_table = mdi(env, "lake", "sql", "SELECT 1")
    assert no_table.returncode == 1
    assert no_table.stderr.strip().splitlines() == [
        "mdi: error: the lake has no table bea.observations yet: `make demo` (or a refresh run) appends one"
    ]
    no_catalog = mdi(dict(env, DATABASE_URL="postgresql://x@127.0.0.1:9/none"), "lake", "sql", "SELECT 1")
    assert no_catalog.returncode == 1 and len(no_catalog.stderr.strip().splitlines()) == 1
    assert no_catalog.stderr.startswith(
        "mdi: error: Iceberg catalog at postgresql+psycopg2://x@127.0.0.1:9/none unavailable: connection"
    )


def test_a_run_that_cannot_succeed_ends_in_one_line_without_warnings(
    tmp_path: Path, database_url: str
) -> None:
    env = cli_env(tmp_path, database_url)
    unknown = mdi(env, "demo", "--partition", "1999-01-01")
    assert unknown.returncode == 1
    assert "Traceback" not in unknown.stderr and "Warning" not in unknown.stderr
    assert unknown.stderr.strip().splitlines()[-1] == (
        "mdi: error: 1999-01-01: not a release date of the catalog in BEA's calendar "
        "(`mdi releases list --all` shows every release date)"
    )
    # August's vintage is gone from BEA (the sandbox's clock is in November): no partition.
    gone = mdi(env, "demo", "--partition", "2026-08-27")
    assert gone.returncode == 1 and "Traceback" not in gone.stderr
    assert gone.stderr.strip().splitlines()[-1] == (
        "mdi: error: 2026-08-27: not captured (BEA no longer serves that vintage) "
        "(`mdi releases list --all` shows every release date)"
    )
    # A run that fails (BEA does not know a catalog table): one line per event, then the cause.
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "releases:\n  Gross Domestic Product:\n    - {dataset: NIPA, table: T10101, frequencies: [Q]}\n"
        "    - {dataset: NIPA, table: T99999, frequencies: [Q]}\n"
    )
    failed = mdi(dict(env, MDI_CATALOG=str(catalog)), "demo")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr and "Warning" not in failed.stderr
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith("mdi: error: bea/bea_raw: ") and "T99999" in last


def dagster(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "dagster"), "asset", "materialize", "-m", "macro_assets.definitions", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_range_backfill_replays_silver_to_postgres_from_bronze(tmp_path: Path, database_url: str) -> None:
    env = cli_env(tmp_path, database_url)
    # Capture each release while BEA serves it (the sandbox's clock moves on between them); a
    # release date is a partition while it is the newest, and stays one once bronze holds it.
    for key in ("2026-10-29", "2026-10-30"):
        assert mdi(dict(env, BEA_SANDBOX_NOW=f"{key}T15:00:00+00:00"), "releases", "sync").returncode == 0
        captured = dagster(
            dict(env, BEA_SANDBOX_NOW=f"{key}T15:00:00+00:00"),
            "--select",
            "bea/bea_raw,bea/bronze",
            "--partition",
            key,
        )
        assert captured.returncode == 0, captured.stderr[-2000:]
    backfill = dagster(
        env,
        "--select",
        "bea/silver,bea/gold,bea/observations,bea/indicators",
        "--partition-range",
        "2026-10-29...2026-10-30",
    )
    assert backfill.returncode == 0, backfill.stderr[-3000:]
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        loaded = (
            conn.execute(sa.text("SELECT DISTINCT release_date FROM bea.release_tables ORDER BY 1"))
            .scalars()
            .all()
        )
        revised = conn.execute(
            sa.text("SELECT count(*) FROM bea.observations WHERE replaced_in IS NOT NULL")
        ).scalar_one()
    engine.dispose()
    assert [d.isoformat() for d in loaded] == ["2026-10-29", "2026-10-30"]
    assert revised > 0  # Personal income and outlays were revised on October 30

    # Each partition of the range carries its own figures (under per_release), and nothing
    # numeric at the top that would be a sum or another release's figure.
    ranged = latest_metadata(tmp_path, ("silver", "gold"), ("2026-10-29", "2026-10-30"))
    for meta in ranged.values():
        assert not [k for k, v in meta.items() if isinstance(v, int | float) and not isinstance(v, bool)]
        assert meta["releases"] == ["2026-10-29", "2026-10-30"]
    for key in ("2026-10-29", "2026-10-30"):
        single = dagster(env, "--select", "bea/silver,bea/gold", "--partition", key)
        assert single.returncode == 0, single.stderr[-2000:]
        alone = latest_metadata(tmp_path, ("silver", "gold"), (key,))
        for asset in ("silver", "gold"):
            figures = ranged[(asset, key)]["per_release"][key]
            numbers = {
                k: v
                for k, v in alone[(asset, key)].items()
                if isinstance(v, int | float) and not isinstance(v, bool) and k != "duration_s"
            }
            assert numbers and all(figures[k] == v for k, v in numbers.items()), (
                asset,
                key,
                numbers,
                figures,
            )
    gdp = [ranged[("gold", k)]["per_release"][k]["latest_nominal_gdp"] for k in ("2026-10-29", "2026-10-30")]
    assert gdp[0] > 0 and gdp[1] > 0 and sum(gdp) not in gdp


def latest_metadata(tmp_path: Path, assets: tuple[str, ...], keys: tuple[str, ...]) -> dict:
    """The newest materialization's metadata per (asset, partition), from the CLI's instance."""
    import dagster as dg

    found = {}
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster_home")) as instance:
        for asset in assets:
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(["bea", asset]), asset_partitions=list(keys)),
                limit=20,
            ).records
            for record in records:  # newest first
                meta = {k: v.value for k, v in record.asset_materialization.metadata.items()}
                found.setdefault((asset, record.partition_key), meta)
    return found


def test_warehouse_upgrade_brings_the_schema_to_head_once(tmp_path: Path, database_url: str) -> None:
    from macro_assets.warehouse import schema

    env = cli_env(tmp_path, database_url)
    first = mdi(env, "warehouse", "upgrade")
    assert first.returncode == 0, first.stderr
    assert first.stderr.strip().endswith(f"schema upgraded from no revision to {schema.head()}")
    again = mdi(env, "warehouse", "upgrade")
    assert again.stderr.strip().endswith(f"already at schema revision {schema.head()}")
    down = mdi(dict(env, DATABASE_URL="postgresql://x@127.0.0.1:9/none"), "warehouse", "upgrade")
    assert down.returncode == 1
    assert down.stderr.strip().splitlines()[-1].startswith("mdi: error: PostgreSQL unreachable: ")


def test_db_status_stop_and_psql_on_the_embedded_postgresql(tmp_path: Path, database_url: str) -> None:
    """As whichever user runs the tests (root included: pgserver then runs PostgreSQL as the
    ``pgserver`` user, and a plain ``pg_ctl stop`` as root fails)."""
    env = {k: v for k, v in cli_env(tmp_path, database_url).items() if k != "DATABASE_URL"}
    env["MDI_PGDATA"] = str(tmp_path / "pg")
    missing = mdi(env, "db", "status")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"mdi: error: no embedded PostgreSQL in {tmp_path / 'pg'} (MDI_PGDATA); `make demo` creates one"
    ]
    # A data folder as `make demo` leaves it: initialised, PostgreSQL running.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        pgserver.get_server(tmp_path / "pg", cleanup_mode=None)
    assert mdi(env, "db", "status").stdout.startswith("embedded PostgreSQL running (pid ")
    assert mdi(env, "db", "stop").returncode == 0
    opened = subprocess.run(
        [str(BIN / "mdi"), "db", "psql"],
        input="SELECT 40 + 2 AS answer;\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert opened.returncode == 0, opened.stderr[-2000:]
    assert "42" in opened.stdout and "(1 row)" in opened.stdout
    assert mdi(env, "db", "status").stdout.startswith("embedded PostgreSQL running (pid ")
    stopped = mdi(env, "db", "stop")
    assert stopped.returncode == 0, stopped.stderr[-2000:]
    assert stopped.stdout.startswith("embedded PostgreSQL stopped")
    assert mdi(env, "db", "status").stdout.startswith("embedded PostgreSQL not running")


def test_catalog_discover_prints_entries_ready_to_paste(tmp_path: Path, database_url: str) -> None:
    from macro_assets.catalog import load_catalog

    env = cli_env(tmp_path, database_url)
    nipa = mdi(env, "catalog", "discover", "NIPA")
    assert nipa.returncode == 0, nipa.stderr
    entries = [line for line in nipa.stdout.splitlines() if line.startswith("- ")]
    assert any(line.startswith("- {dataset: NIPA, table: T10101, frequencies: [A, Q]}") for line in entries)
    lines = mdi(env, "catalog", "discover", "regional", "--table", "sainc1")
    assert lines.returncode == 0, lines.stderr
    assert (
        lines.stdout.splitlines()[0] == "- {dataset: Regional, table: SAINC1, lines: [1, 2, 3], geo: STATE}"
    )
    assert lines.stdout.splitlines()[1].startswith("#   1: ")
    # Pasted under a release, every printed entry is a valid catalog entry.
    pasted = tmp_path / "pasted.yaml"
    body = entries + lines.stdout.splitlines()[:1]
    pasted.write_text("releases:\n  Gross Domestic Product:\n" + "".join(f"    {line}\n" for line in body))
    catalog = load_catalog(pasted)
    assert len(catalog.tables) == len(body) and {t.dataset for t in catalog.tables} == {"NIPA", "Regional"}
    for args, cause in (
        (("Nope",), "mdi: error: unknown dataset 'Nope' (known: NIPA, NIUnderlyingDetail, FixedAssets"),
        (("NIPA", "--table", "T10101"), "mdi: error: --table lists a Regional table's lines"),
        (("Regional", "--table", "NOPE1"), "mdi: error: BEA error 41 for Regional/NOPE1 line codes"),
    ):
        bad = mdi(env, "catalog", "discover", *args)
        assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
        assert bad.stderr.startswith(cause), bad.stderr
