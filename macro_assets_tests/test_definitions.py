from __future__ import annotations

import dagster as dg

from macro_assets.definitions import defs


def test_definitions_load_with_the_layered_graph() -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {
        "bea/bea_raw",
        "bea/bronze",
        "bea/silver",
        "bea/gold",
        "bea/observations",
        "bea/indicators",
        "bea/iceberg_observations",
    }
    assert graph.get(dg.AssetKey(["bea", "iceberg_observations"])).parent_keys == {
        dg.AssetKey(["bea", "silver"])
    }
    assert graph.get(dg.AssetKey(["bea", "observations"])).parent_keys == {dg.AssetKey(["bea", "silver"])}
    assert graph.get(dg.AssetKey(["bea", "indicators"])).parent_keys == {dg.AssetKey(["bea", "gold"])}
    assert graph.get(dg.AssetKey(["bea", "bronze"])).parent_keys == {dg.AssetKey(["bea", "bea_raw"])}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        partitions = node.partitions_def
        assert isinstance(partitions, dg.DynamicPartitionsDefinition) and partitions.name == "release_date"
        assert node.owners == ["team:macro-data-ingest"] and node.tags["source"] == "bea"
        assert node.code_version and node.description
        assert "dagster/code_references" in node.metadata
    assert defs.resolve_job_def("refresh_release") is not None
    assert set(defs.resources) == {"bea", "lake", "warehouse", "catalog", "alerts"}
    assert [s.name for s in defs.sensors] == [
        "release_sensor",
        "dead_run_sensor",
        "alert_on_run_failure",
        "alert_on_stale_warehouse",
    ]
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in defs.sensors)
    assert [s.name for s in defs.schedules] == ["daily_vintage_check", "hourly_freshness_check"]
    assert defs.resolve_job_def("check_freshness") is not None
    assert defs.schedules[0].execution_timezone == "America/New_York"


def test_every_check_says_what_it_checks() -> None:
    from macro_assets.assets.checks import fresh_against_bea_calendar
    from macro_assets.definitions import ASSETS

    specs = [spec for a in [*ASSETS, fresh_against_bea_calendar] for spec in a.check_specs]
    assert len(specs) == 14
    assert all(spec.description for spec in specs), [s.name for s in specs if not s.description]


def test_every_column_says_what_it_holds() -> None:
    from macro_assets.assets.silver import column_schema
    from macro_assets.transform import indicators, observations

    graph = defs.resolve_asset_graph()
    declared = [
        graph.get(dg.AssetKey(["bea", name])).metadata["dagster/column_schema"]
        for name in ("observations", "indicators")
    ]
    columns = [c for schema in [*declared, column_schema()] for c in schema.columns]
    assert len(columns) == 21 + 10 + 20  # observations (series_id, dimensions), indicators, silver
    assert all(c.description for c in columns), [c.name for c in columns if not c.description]
    assert set(observations.COLUMNS) == set(observations.SCHEMA)
    assert set(indicators.COLUMNS) == set(indicators.SCHEMA)
