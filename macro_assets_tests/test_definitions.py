from __future__ import annotations

import dagster as dg

from macro_assets.definitions import defs


def test_definitions_load_with_the_layered_graph() -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {"bea_raw", "bronze", "silver", "gold", "postgres_tables"}
    assert graph.get(dg.AssetKey("postgres_tables")).parent_keys == {dg.AssetKey("gold")}
    assert graph.get(dg.AssetKey("bronze")).parent_keys == {dg.AssetKey("bea_raw")}
    for key in graph.get_all_asset_keys():
        partitions = graph.get(key).partitions_def
        assert isinstance(partitions, dg.DynamicPartitionsDefinition) and partitions.name == "release_date"
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
