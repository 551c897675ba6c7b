"""The whole graph, in process, over real HTTP to the sandbox and into a real PostgreSQL."""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from macro_assets.definitions import ASSETS
from macro_assets.failures import first_step_failure
from macro_assets.partitions import release_date_partitions
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource

RELEASE = "2026-10-30"


def run(
    instance: dg.DagsterInstance, resources: dict, key: str = RELEASE, selection: list[str] | None = None
) -> dg.ExecuteInProcessResult:
    if key not in instance.get_dynamic_partitions(release_date_partitions.name):
        instance.add_dynamic_partitions(release_date_partitions.name, [key])
    return dg.materialize(
        ASSETS,
        partition_key=key,
        instance=instance,
        resources=resources,
        raise_on_error=False,
        selection=selection,
    )


def failure(result: dg.ExecuteInProcessResult) -> str:
    _, error = first_step_failure(result.all_events)
    assert error is not None, "the run should have failed in a step"
    return error.message


def table_counts(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"SELECT count(*) FROM bea.{t}")).scalar_one()  # noqa: S608
            for t in ("observations", "indicators")
        }
    engine.dispose()
    return counts


def lake_files(lake: LakeResource) -> dict[str, bytes]:
    root = Path(lake.url)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_release_flows_through_every_layer(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource, database_url: str
) -> None:
    result = run(instance, resources)
    assert result.success
    manifest = json.loads(lake.get(f"bronze/release_date={RELEASE}/_manifest.json"))
    tables = {o["table"]: o for o in manifest["objects"] if o["line_code"] is None}
    assert set(tables) == {"T10101", "T10105", "T10106", "T20600", "T20804"}
    regional = {(o["table"], o["line_code"]) for o in manifest["objects"] if o["dataset"] == "Regional"}
    assert ("SAINC35", "2000") in regional and {("SAINC1", c) for c in "123"} <= regional
    assert len({t for t, _ in regional}) == 17
    t10101 = tables["T10101"]
    assert t10101["last_revised"] == "2026-10-29" and t10101["http_status"] == 200
    assert "UserID" not in t10101["request"] and t10101["request"]["TableName"] == "T10101"
    raw = gzip.decompress(lake.get(t10101["key"]))
    assert len(raw) == t10101["bytes"] and b"REDACTED" in raw

    counts = table_counts(database_url)
    silver_rows = result.asset_materializations_for_node("bea__silver")[0].metadata["dagster/row_count"].value
    assert counts["observations"] == silver_rows == sum(o["rows"] for o in manifest["objects"])
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        latest = dict(
            conn.execute(
                sa.text(
                    "SELECT DISTINCT ON (indicator) indicator, time_period FROM bea.indicators "
                    "WHERE frequency <> 'A' ORDER BY indicator, period_end DESC"
                )
            ).all()
        )
        gdp_2025 = conn.execute(
            sa.text(
                "SELECT i.value, o.value, o.unit_mult FROM bea.indicators i JOIN bea.observations o "
                "ON o.table_name = 'T10105' AND o.series_code = 'A191RC' AND o.time_period = i.time_period "
                "WHERE i.indicator = 'nominal_gdp' AND i.time_period = '2025'"
            )
        ).one()
    engine.dispose()
    assert latest == {
        "real_gdp": "2026Q3",
        "nominal_gdp": "2026Q3",
        "real_gdp_growth_saar": "2026Q3",
        "pce_price_inflation_yoy": "2026M09",
        "core_pce_price_inflation_yoy": "2026M09",
        "personal_saving_rate": "2026M09",
    }
    assert gdp_2025[0] == gdp_2025[1] * 10 ** gdp_2025[2]
    with engine.connect() as conn:
        levels = dict(
            conn.execute(
                sa.text("SELECT geo_level, count(DISTINCT geo_fips) FROM bea.observations GROUP BY 1")
            ).all()
        )
        income = dict(
            conn.execute(
                sa.text(
                    "SELECT geo_level, sum(value) FROM bea.observations WHERE table_name = 'SAINC1' "
                    "AND line_number = 1 AND time_period = '2024' GROUP BY 1"
                )
            ).all()
        )
    engine.dispose()
    assert levels == {"nation": 1, "region": 8, "state": 51}
    # The nation's personal income is its states' sum, and its regions' (within rounding).
    assert abs(income["nation"] - income["state"]) <= 51 and abs(income["nation"] - income["region"]) <= 51


def test_rerun_changes_nothing(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource, database_url: str
) -> None:
    first = run(instance, resources)
    assert first.success
    bronze_before = {k: v for k, v in lake_files(lake).items() if k.startswith("bronze/")}
    counts_before = table_counts(database_url)
    again = run(instance, resources)
    assert again.success
    assert {k: v for k, v in lake_files(lake).items() if k.startswith("bronze/")} == bronze_before
    assert table_counts(database_url) == counts_before
    loads = {
        m.asset_key.to_user_string(): m.metadata
        for m in again.asset_materializations_for_node("bea__postgres_tables")
    }
    observations = loads["bea/observations"]
    assert observations["rows_inserted"].value == 0 and observations["rows_closed"].value == 0
    assert observations["rows_unchanged_tables"].value == observations["rows_tables"].value == 22
    # The table's rows (every vintage) and the release's: one release loaded, so the same.
    assert observations["dagster/row_count"].value == counts_before["observations"]
    assert observations["release_row_count"].value == counts_before["observations"] > 0
    assert loads["bea/indicators"]["dagster/row_count"].value == counts_before["indicators"]
    assert again.asset_materializations_for_node("bea__bea_raw")[0].metadata["api_calls"].value == 0
    # Kept silver and gold still carry their column schema, and gold its latest values.
    kept_silver = again.asset_materializations_for_node("bea__silver")[0].metadata
    kept_gold = again.asset_materializations_for_node("bea__gold")[0].metadata
    assert kept_silver["reused"].value is True and kept_gold["reused"].value is True
    assert "dagster/column_schema" in kept_silver and "dagster/column_schema" in kept_gold
    built_gold = first.asset_materializations_for_node("bea__gold")[0].metadata
    assert kept_gold["latest"].value.records == built_gold["latest"].value.records
    assert len(kept_gold["latest"].value.records) == 6


def test_bronze_is_never_overwritten_by_a_new_capture(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource
) -> None:
    """A crash after bronze wrote an object but before its manifest: the re-run keeps the object."""
    first_key = f"bronze/release_date={RELEASE}/dataset=NIPA/table=T10101.json.gz"
    earlier = json.dumps(
        {
            "BEAAPI": {
                "Results": {
                    "UTCProductionTime": "2026-10-30T12:00:00.000",
                    "Data": [{"TableName": "T10101"}],
                    "Notes": [{"NoteRef": "T10101", "NoteText": "x - LastRevised: October 29, 2026"}],
                }
            }
        }
    ).encode()
    lake.put_if_absent(first_key, gzip.compress(earlier))
    result = run(instance, resources, selection=["bea/bea_raw", "bea/bronze"])
    assert result.success
    assert gzip.decompress(lake.get(first_key)) == earlier
    manifest = json.loads(lake.get(f"bronze/release_date={RELEASE}/_manifest.json"))
    kept = next(o for o in manifest["objects"] if o["table"] == "T10101")
    assert kept["rows"] == 1 and kept["bytes"] == len(earlier)


@pytest.mark.parametrize("key", ["../../etc", "2026-13-45"])
def test_malformed_partition_key_is_refused_before_any_io(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource, key: str
) -> None:
    result = run(instance, resources, key=key)
    assert not result.success
    assert f"invalid release date partition key {key!r}" in failure(result)
    assert not Path(lake.url).exists()


def test_unknown_catalog_table_names_it_and_writes_nothing(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "releases:\n  Gross Domestic Product:\n"
        "    - {dataset: NIPA, table: T10101, frequencies: [Q]}\n"
        "    - {dataset: NIPA, table: T99999, frequencies: [Q]}\n"
    )
    result = run(instance, dict(resources, catalog=CatalogResource(path=str(catalog))))
    assert not result.success
    assert (
        "catalog entry NIPA/T99999 (release 'Gross Domestic Product'): table 'T99999' is unknown"
        in failure(result)
    )
    assert not Path(lake.url).exists()


def test_invalid_api_key_is_one_clear_line(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource, sandbox
) -> None:  # noqa: ANN001
    bad = BeaApiResource(api_key="not-a-key", api_url=sandbox.api_url, calendar_url=sandbox.calendar_url)
    result = run(instance, dict(resources, bea=bad))
    assert not result.success
    message = failure(result)
    assert "BEA error 1" in message and "Invalid API UserId" in message and "not-a-key" not in message
    assert not Path(lake.url).exists()


def test_unreachable_postgres_fails_the_load_only(instance: dg.DagsterInstance, resources: dict) -> None:
    from macro_assets.resources.warehouse import WarehouseResource

    dead = WarehouseResource(
        database_url="postgresql://nobody@127.0.0.1:9/none", unavailable_retries=1, unavailable_wait_s=0.1
    )
    result = run(instance, dict(resources, warehouse=dead))
    assert not result.success
    # Both steps that need PostgreSQL fail (the lake's table has its catalog there); the rest lands.
    assert sorted(e.step_key for e in result.all_events if e.is_step_failure) == [
        "bea__iceberg_observations",
        "bea__postgres_tables",
    ]
    assert [e.step_key for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"] == [
        "bea__postgres_tables"
    ]

    def cause(step: str) -> str:
        _, error = first_step_failure(e for e in result.all_events if e.step_key == step)
        assert error is not None
        return error.message

    message = cause("bea__postgres_tables")
    assert message.startswith("macro_assets.resources.warehouse.WarehouseUnavailableError: PostgreSQL at ")
    assert "127.0.0.1:9" in message and "unavailable: connection to server" in message
    assert cause("bea__iceberg_observations").startswith(
        "macro_assets.lake.errors.LakeTableUnavailableError: Iceberg catalog at "
        "postgresql+psycopg2://nobody@127.0.0.1:9/none unavailable: connection to server"
    )


def test_the_api_key_is_in_no_artifact(
    tmp_path: Path,
    sandbox,
    resources: dict,
    lake: LakeResource,  # noqa: ANN001
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = "5EC2E7AA-BEEF-4CAB-9D00-C0FFEE5EC2E7"
    home = tmp_path / "home"
    home.mkdir()
    caplog.set_level(logging.DEBUG)
    bea = BeaApiResource(api_key=key, api_url=sandbox.api_url, calendar_url=sandbox.calendar_url)
    with dg.instance_for_test(temp_dir=str(home)) as inst:
        assert run(inst, dict(resources, bea=bea)).success
        assert (
            run(
                inst,
                dict(
                    resources,
                    bea=BeaApiResource(
                        api_key=key[:-1], api_url=sandbox.api_url, calendar_url=sandbox.calendar_url
                    ),
                ),
                key="2026-10-29",
            ).success
            is False
        )
    haystacks = {
        f"lake:{k}": (gzip.decompress(v) if k.endswith(".gz") else v) for k, v in lake_files(lake).items()
    }
    haystacks |= {f"home:{p}": p.read_bytes() for p in home.rglob("*") if p.is_file()}
    haystacks["captured logs"] = caplog.text.encode()
    import pgserver

    pg_dump = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
    url = sa.engine.make_url(database_url)
    # pgserver's URLs name a socket folder (?host=…); TEST_DATABASE_URL a host and port.
    host, port = url.query.get("host") or url.host, str(url.port or 5432)
    dump = subprocess.run(
        [str(pg_dump), "-h", str(host), "-p", port, "-U", url.username or "postgres", url.database],
        capture_output=True,
        check=True,
        env=dict(os.environ, PGPASSWORD=url.password or ""),
    ).stdout
    assert b"bea.observations" in dump and len(dump) > 100_000
    haystacks["pg_dump"] = dump
    assert len(haystacks) > 10
    for where, data in haystacks.items():
        assert key.encode() not in data and key[:-1].encode() not in data, where


def test_documented_queries_run(instance: dg.DagsterInstance, resources: dict, database_url: str) -> None:
    """Every SQL example in docs/warehouse.md runs and answers something."""
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "warehouse.md").read_text()
    queries = re.findall(r"```sql\n(.*?)```", doc, re.S)
    assert len(queries) >= 8
    # The default catalog: the queries of every dataset need its tables. Its capture is over a
    # hundred requests with the plan's look-ups: BEA's window is shrunk to 5 s (on both sides)
    # so that the test does not wait a minute for it to roll.
    from bea_sandbox.limits import Limits
    from bea_sandbox.server import Sandbox, SandboxSettings
    from macro_assets_tests.conftest import SANDBOX_NOW, TEST_KEY

    settings = SandboxSettings(clock=lambda: SANDBOX_NOW, limits=Limits(window_s=5.0))
    with Sandbox(settings=settings) as sandbox:
        bea = BeaApiResource(
            api_key=TEST_KEY, api_url=sandbox.api_url, calendar_url=sandbox.calendar_url, window_s=5.0
        )
        assert run(instance, dict(resources, bea=bea, catalog=CatalogResource())).success
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        for query in queries:
            assert conn.execute(sa.text(query)).all(), query
        parents = dict(
            conn.execute(
                sa.text("SELECT line_number, parent_line FROM bea.series WHERE table_name = 'T10105'")
            ).all()
        )
        per_capita = conn.execute(
            sa.text(
                "SELECT s.per_capita_personal_income, p.dollars_per_person FROM bea.state_annual_latest s "
                "JOIN bea.state_per_capita p ON p.geo_fips = s.geo_fips AND p.year = s.year "
                "AND p.table_name = 'SAINC1' AND p.line_number = 1 "
                "WHERE s.geo_fips = '06000' AND s.year = 2024"
            )
        ).one()
    engine.dispose()
    assert parents[4] == 3 and parents[2] == 1 and parents[1] is None
    # SAINC1 line 3 is line 1 over line 2, as BEA computes it (rounded to whole dollars).
    assert abs(per_capita[0] - per_capita[1]) <= 1.0


def test_an_older_release_captures_what_is_still_its_vintage(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource
) -> None:
    """On 2026-09-24 BEA published GDP by State and GDP (its annual update). Seen from November,
    the state GDP tables still carry that vintage and are captured; GDP's tables, revised since,
    are not (its vintage of that day is gone), nor are other releases' newer tables."""
    result = run(instance, resources, key="2026-09-24", selection=["bea/bea_raw", "bea/bronze"])
    assert result.success
    manifest = json.loads(lake.get("bronze/release_date=2026-09-24/_manifest.json"))
    captured = {o["table"] for o in manifest["objects"]}
    assert captured == {f"SAGDP{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 11)} | {"SASUMMARY"}
    assert {o["last_revised"] for o in manifest["objects"]} == {"2026-09-24"}
    landing = json.loads(lake.get("landing/release_date=2026-09-24/_manifest.json"))
    assert any(s.startswith("NIPA/T20600 (LastRevised 2026-10-30)") for s in landing["skipped"])
    assert any(s.startswith("NIPA/T10101 (LastRevised 2026-10-29)") for s in landing["skipped"])


def test_a_release_whose_own_vintage_is_gone_fails_saying_so(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource
) -> None:
    result = run(instance, resources, key="2026-08-27", selection=["bea/bea_raw", "bea/bronze"])
    assert not result.success
    assert (
        "is now served as revised on 2026-10-29, after release 2026-08-27: that vintage is gone"
        in failure(result)
    )
    assert not (Path(lake.url) / "bronze").exists()


def test_a_release_not_yet_served_fails_to_be_tried_later(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource
) -> None:
    # The sandbox's clock is November 2; BEA's calendar lists November 25 (GDP) as passed only
    # when our clock says so; ask for it anyway, as a hurried operator would.
    from bea_sandbox.schedule import GDP, release_schedule

    november = next(d.date() for d in release_schedule()[GDP] if d.year == 2026 and d.month == 11)
    result = run(instance, resources, key=november.isoformat(), selection=["bea/bea_raw"])
    assert not result.success
    assert f"BEA does not serve Gross Domestic Product of {november} yet" in failure(result)


def test_every_check_passes_and_is_recorded(instance: dg.DagsterInstance, resources: dict) -> None:
    result = run(instance, resources)
    assert result.success
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()
    }
    silver = ("schema_contract", "key_unique", "period_format", "markers_known", "one_unit_per_series")
    bronze = ("valid_envelope", "last_revised_parsed", "sha256_as_recorded")
    gold = ("gdp_identity", "growth_matches_published", "indicators_without_gaps")
    loaded = ("rows_match_silver", "no_duplicate_keys")
    assets = (
        ("bea/silver", silver),
        ("bea/bronze", bronze),
        ("bea/gold", gold),
        ("bea/observations", loaded),
    )
    assert evaluations == {(asset, n): True for asset, names in assets for n in names}


def unit_change_replay(tmp_path: Path) -> tuple[Path, Path]:
    """A replay folder for the sandbox whose T10105 changes UNIT_MULT between periods (silver's
    blocking check must fail), and a catalog of that one table."""
    rows = [
        {
            "TableName": "T10105",
            "SeriesCode": "A191RC",
            "LineNumber": "1",
            "LineDescription": "GDP",
            "TimePeriod": period,
            "METRIC_NAME": "Current Dollars",
            "CL_UNIT": "Level",
            "UNIT_MULT": mult,
            "DataValue": "100",
            "NoteRef": "T10105",
        }
        for period, mult in (("2024", "6"), ("2025", "3"))
    ]
    (tmp_path / "replay" / "NIPA").mkdir(parents=True)
    (tmp_path / "replay" / "NIPA" / "T10105.json").write_text(
        json.dumps(
            {
                "BEAAPI": {
                    "Request": {},
                    "Results": {
                        "Data": rows,
                        "Notes": [
                            {"NoteRef": "T10105", "NoteText": "Table 1.1.5. - LastRevised: October 29, 2026"}
                        ],
                    },
                }
            }
        )
    )
    (tmp_path / "replay" / "release_dates.json").write_text(
        json.dumps({"Gross Domestic Product": {"release_dates": ["2026-10-29T08:30:00-04:00"]}})
    )
    (tmp_path / "catalog.yaml").write_text(
        "releases:\n  Gross Domestic Product:\n    - {dataset: NIPA, table: T10105, frequencies: [A]}\n"
    )
    return tmp_path / "replay", tmp_path / "catalog.yaml"


def test_a_failing_blocking_check_stops_gold_and_the_load(
    tmp_path: Path, instance: dg.DagsterInstance, resources: dict, api_key: str
) -> None:
    """A replayed BEA answer whose series changes UNIT_MULT between periods: silver is written,
    its check fails, and nothing downstream runs."""
    from bea_sandbox.server import Sandbox, SandboxSettings

    replay_dir, catalog = unit_change_replay(tmp_path)
    with Sandbox(settings=SandboxSettings(replay_dir=replay_dir)) as replay:
        bea = BeaApiResource(api_key=api_key, api_url=replay.api_url, calendar_url=replay.calendar_url)
        result = run(
            instance,
            dict(resources, bea=bea, catalog=CatalogResource(path=str(catalog))),
            key="2026-10-29",
        )
    assert not result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["one_unit_per_series"].passed is False
    done = {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}
    assert done == {"bea/bea_raw", "bea/bronze", "bea/silver"}


def test_a_table_whose_shape_changed_since_its_previous_vintage_is_reported(
    instance: dg.DagsterInstance, resources: dict, lake: LakeResource
) -> None:
    """Lines, frequencies or geographies gone or new since the table's previous vintage are
    reported (log warning and metadata), though every value parses (issue 19)."""
    first = run(instance, resources, selection=["bea/bea_raw", "bea/bronze", "bea/silver"])
    assert first.success
    assert first.asset_materializations_for_node("bea__silver")[0].metadata["shape_changes"].value == {
        "changes": []
    }
    shapes = json.loads(lake.get(f"silver/release_date={RELEASE}/_shapes.json"))
    assert shapes["NIPA/T10101"]["frequencies"] == ["A", "Q"] and 1 in shapes["NIPA/T10101"]["lines"]
    # An earlier vintage of T10101 in which line 1 did not exist and a line 99 did.
    earlier = dict(shapes["NIPA/T10101"], lines=[n for n in shapes["NIPA/T10101"]["lines"] if n != 1] + [99])
    lake.put("silver/release_date=2026-09-25/_shapes.json", json.dumps({"NIPA/T10101": earlier}).encode())
    lake.delete(f"silver/release_date={RELEASE}/observations.parquet.source.json")  # rebuild silver
    again = run(instance, resources, selection=["bea/silver"])
    assert again.success
    changes = (
        again.asset_materializations_for_node("bea__silver")[0].metadata["shape_changes"].value["changes"]
    )
    assert changes == [
        "NIPA/T10101: lines 99 of the vintage of 2026-09-25 are gone",
        "NIPA/T10101: lines 1 are new since the vintage of 2026-09-25",
    ]
    warned = [
        e.user_message
        for e in instance.all_logs(again.run_id)
        if e.level == logging.WARNING and e.user_message.startswith("shape changed: ")
    ]
    assert warned == [f"shape changed: {change}" for change in changes]
