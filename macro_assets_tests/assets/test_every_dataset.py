"""Every real BEA answer in the shared samples, replayed through the whole pipeline (the sandbox's
``--replay``, the plan's checks against the recordings' parameter lists, bronze, silver, gold,
PostgreSQL): every Data row reaches the warehouse with its value, status, unit and dimensions,
and nothing else does. The expectations are read from the samples' own rows here."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import polars as pl
import pytest
import sqlalchemy as sa

from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.checks import NOTHING_TO_CHECK
from macro_assets.query import search
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets_tests.assets.test_pipeline import run
from macro_assets_tests.conftest import SHARED

SAMPLES = SHARED / "samples" / "real"
RELEASE = "2021-12-01"
# Markers as BEA prints them in DataValue, or in NoteRef beside an empty (or, Regional, "0") value.
MARKERS = {"(NA)", "(D)", "(NM)", "(*)", "(L)", "(S)", "(X)", "n.s.", "n.a.", "...", "....."}


@dataclass(frozen=True)
class Sample:
    file: str
    dataset: str
    entry: str
    # The row fields that must arrive in ``dimensions`` (none for NIPA-shaped and Regional rows,
    # whose dimensions are columns).
    dimensions: tuple[str, ...] = ()


SAMPLE_ENTRIES = (
    Sample(
        "NIUnderlyingDetail_U20305_AQ_2011-2012.json",
        "NIUnderlyingDetail",
        "{dataset: NIUnderlyingDetail, table: U20305, frequencies: [A, Q]}",
    ),
    Sample(
        "Regional_CAINC1_COUNTY_line3_2020.json",
        "Regional",
        "{dataset: Regional, table: CAINC1, lines: ALL, geo: COUNTY}",
    ),
    Sample(
        "Regional_CAGDP2_Autauga01001_line64_2018.json",
        "Regional",
        "{dataset: Regional, table: CAGDP2, lines: [64], geo: '01001'}",
    ),
    Sample(
        "GDPbyIndustry_ALLtables_Ind52_A_2018-2019.json",
        "GDPbyIndustry",
        "{dataset: GDPbyIndustry, tables: ALL, frequencies: [A], params: {Industry: 52}}",
        ("Industry",),
    ),
    Sample(
        "ITA_ALLindicators_China_A_2011-2012.json",
        "ITA",
        "{dataset: ITA, params: {Indicator: ALL, AreaOrCountry: China, Frequency: A}}",
        ("Indicator", "AreaOrCountry", "Frequency", "TimeSeriesId"),
    ),
    Sample(
        "IIP_FinAssetsExclFinDeriv_ChgPosPrice_A_ALL.json",
        "IIP",
        "{dataset: IIP, params: {TypeOfInvestment: FinAssetsExclFinDeriv, Component: ChgPosPrice, "
        "Frequency: A}}",
        ("TypeOfInvestment", "Component", "TimeSeriesId"),
    ),
    Sample(
        "IntlServTrade_Telecom_Exports_USParents_AllCountries_ALL.json",
        "IntlServTrade",
        "{dataset: IntlServTrade, params: {TypeOfService: Telecom, TradeDirection: Exports, "
        "Affiliation: UsParents, AreaOrCountry: AllCountries}}",
        ("TypeOfService", "TradeDirection", "Affiliation", "AreaOrCountry", "TimeSeriesId"),
    ),
    Sample(
        "InputOutput_T56_2010-2013.json",
        "InputOutput",
        "{dataset: InputOutput, table: 56}",
        ("RowCode", "ColCode", "RowDescr", "ColDescr"),
    ),
    Sample(
        "MNE_DI_Outward_Country_Series30_650-699_2011-2012.json",
        "MNE",
        "{dataset: MNE, params: {DirectionOfInvestment: Outward, Classification: Country, SeriesID: 30, "
        "Country: '650,699', Industry: ALL, GetFootnotes: 'Yes', NonbankAffiliatesOnly: 2, "
        "OwnershipLevel: 2}}",
        ("SeriesID", "RowCode", "ColumnCode", "Row", "Column"),
    ),
)


def sample_rows(file: str) -> list[dict]:
    doc = json.loads((SAMPLES / file).read_bytes().decode("ISO-8859-1"), strict=False)
    results = doc["BEAAPI"]["Results"]
    results = results[0] if isinstance(results, list) else results
    rows = results.get("Data", doc["BEAAPI"].get("Data"))
    return [rows] if isinstance(rows, dict) else rows


def expected_value(row: dict) -> tuple[float | None, str | None]:
    """What the sample says of one row: the number as printed, or its marker."""
    printed = str(row.get("DataValueUnformatted") or row.get("DataValue", "")).strip()
    notes = [n.strip() for n in str(row.get("NoteRef", "")).split(",")]
    marker = next((n for n in notes if n in MARKERS), None)
    if printed in MARKERS:
        return None, printed
    if printed == "" or (printed == "0" and marker == "(D)"):
        return None, marker or "(empty)"
    return float(printed.replace(",", "")), None


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, postgres_server: str) -> Iterator[sa.Engine]:
    """One pipeline run over a replay of every sample, into a database of its own."""
    root = tmp_path_factory.mktemp("every_dataset")
    replay = root / "replay"
    replay.mkdir()
    (root / "dagster_home").mkdir()
    for sample in SAMPLE_ENTRIES:
        shutil.copy(SAMPLES / sample.file, replay / sample.file)
    # The metadata answers are recordings too: they must not be taken for data.
    shutil.copy(
        SAMPLES / "Meta_GetParameterList_Regional.json", replay / "Meta_GetParameterList_Regional.json"
    )
    (replay / "release_dates.json").write_text(
        json.dumps({"Every Dataset": {"release_dates": ["2021-11-16T08:30:00-05:00"]}})
    )
    catalog = root / "catalog.yaml"
    catalog.write_text(
        "releases:\n  Every Dataset:\n" + "".join(f"    - {s.entry}\n" for s in SAMPLE_ENTRIES)
    )
    name = "every_dataset"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    from macro_assets.resources.lake import LakeResource
    from macro_assets.resources.warehouse import WarehouseResource

    with (
        Sandbox(settings=SandboxSettings(replay_dir=replay)) as sandbox,
        dg.instance_for_test(temp_dir=str(root / "dagster_home")) as instance,
    ):
        bea = BeaApiResource(
            api_key="7E57C0DE-0000-4000-8000-00000000E7E7",
            api_url=sandbox.api_url,
            calendar_url=sandbox.calendar_url,
        )
        resources = {
            "bea": bea,
            "lake": LakeResource(url=str(root / "lake")),
            "warehouse": WarehouseResource(database_url=url),
            "catalog": CatalogResource(path=str(catalog)),
        }
        result = run(instance, resources, key=RELEASE)
        failed = {e.check_name: e for e in result.get_asset_check_evaluations() if not e.passed}
        # No NIPA table among the samples: gold's indicators are empty, and its checks say so.
        assert result.success and set(failed) == {
            "gdp_identity",
            "growth_matches_published",
            "indicators_without_gaps",
        }
        assert all(e.metadata[NOTHING_TO_CHECK].value for e in failed.values())
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _stored(engine: sa.Engine, dataset: str, file: str) -> list[sa.Row]:
    rows = sample_rows(file)
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT table_name, series_id, time_period, value, value_status, unit, unit_mult, "
                "dimensions, "
                "geo_fips FROM bea.observations WHERE dataset = :d"
            ),
            {"d": dataset},
        ).all()
    if dataset == "Regional":
        # Two samples of Regional: each keeps the rows of its own table.
        table = rows[0]["Code"].split("-")[0]
        found = [r for r in found if r.table_name == table]
    return found


@pytest.mark.parametrize("sample", SAMPLE_ENTRIES, ids=lambda s: s.file.removesuffix(".json"))
def test_every_row_of_the_sample_reaches_postgres(warehouse: sa.Engine, sample: Sample) -> None:
    rows = sample_rows(sample.file)
    stored = _stored(warehouse, sample.dataset, sample.file)
    assert len(stored) == len(rows)
    expected = [expected_value(r) for r in rows]
    assert sorted(v for v, _ in expected if v is not None) == sorted(
        r.value for r in stored if r.value is not None
    )
    assert Counter(s for _, s in expected if s) == Counter(r.value_status for r in stored if r.value_status)
    assert all((r.value is None) == (r.value_status is not None) for r in stored)
    units = {str(r["CL_UNIT"]) for r in rows if r.get("CL_UNIT")}
    if units:
        assert {r.unit for r in stored} == units
    if "TableID" in rows[0]:
        # One answer may hold several tables (TableID=ALL): each row keeps its own.
        assert Counter(r.table_name for r in stored) == Counter(str(r["TableID"]) for r in rows)
    for field in sample.dimensions:
        sent = Counter(str(r[field]) for r in rows)
        assert Counter(str(r.dimensions[field]) for r in stored) == sent, field


def test_nothing_else_reaches_postgres_and_every_dataset_answers_as_of(warehouse: sa.Engine) -> None:
    per_dataset = Counter()
    for sample in SAMPLE_ENTRIES:
        per_dataset[sample.dataset] += len(sample_rows(sample.file))
    with warehouse.connect() as conn:
        stored = dict(
            conn.execute(sa.text("SELECT dataset, count(*) FROM bea.observations GROUP BY 1")).all()
        )
        as_of = dict(
            conn.execute(
                sa.text(
                    "SELECT dataset, count(*) FROM bea.observations_as_of(:d) "
                    "WHERE time_period IS NOT NULL "
                    "AND (value IS NOT NULL OR value_status IS NOT NULL) GROUP BY 1"
                ),
                {"d": RELEASE},
            ).all()
        )
        vintages = dict(
            conn.execute(
                sa.text("SELECT table_name, last_revised FROM bea.release_tables WHERE dataset = 'ITA'")
            ).all()
        )
    assert stored == dict(per_dataset) == as_of
    # ITA's answer says its vintage (TsLastUpdated); the warehouse keeps it.
    assert [str(d) for d in vintages.values()] == ["2020-03-19"]


def test_parameter_shaped_requests_are_named_from_their_parameters(warehouse: sa.Engine) -> None:
    with warehouse.connect() as conn:
        names = dict(
            conn.execute(
                sa.text(
                    "SELECT DISTINCT dataset, table_name FROM bea.observations "
                    "WHERE dataset IN ('ITA', 'MNE')"
                )
            )
            .tuples()
            .all()
        )
    assert names == {
        "ITA": "AreaOrCountry=China;Frequency=A;Indicator=ALL",
        "MNE": "Classification=Country;Country=650,699;DirectionOfInvestment=Outward;GetFootnotes=Yes;"
        "Industry=ALL;NonbankAffiliatesOnly=2;OwnershipLevel=2;SeriesID=30",
    }


def test_series_without_lines_are_found_by_words(warehouse: sa.Engine) -> None:
    with warehouse.connect() as conn:
        stored = set(
            conn.execute(
                sa.text(
                    "SELECT DISTINCT dataset, table_name, series_id FROM bea.observations "
                    "WHERE line_number IS NULL"
                )
            ).all()
        )
        described = conn.execute(
            sa.text("SELECT dataset, table_name, series_id, description FROM bea.dataset_series")
        ).all()
    assert {s.dataset for s in SAMPLE_ENTRIES if s.dimensions} <= {d for d, _, _ in stored}
    # Every series without a line is described (and nothing else is), each in words of its own.
    assert {(d.dataset, d.table_name, d.series_id) for d in described} == stored
    io = [d for d in described if d.dataset == "InputOutput"]
    assert io and all(" / " in d.description for d in io)  # its row and column, BEA has no line
    for dataset in sorted({d.dataset for d in described}):
        mine = [d for d in described if d.dataset == dataset]
        target = mine[len(mine) // 2]
        words = " ".join(target.description.split()[:3])
        found = search(warehouse, words, dataset=dataset, limit=500)
        assert f"{dataset}/{target.table_name}/{target.series_id}" in found["series"].to_list(), words
        assert found.filter(pl.col("line_number").is_not_null()).is_empty()
        # And by a dimension value alone (ITA's indicator, IIP's component, …).
        assert search(warehouse, target.series_id.split("|")[0].split("/")[0], dataset=dataset).height > 0
    # A place leaves them out: they have none.
    assert search(warehouse, "investment", geography="01000").filter(pl.col("dataset") == "IIP").is_empty()
