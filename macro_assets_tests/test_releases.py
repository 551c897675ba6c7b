"""Which release dates are partitions: those bronze holds and the newest passed one."""

from __future__ import annotations

from datetime import date

import dagster as dg

from macro_assets import releases as rel
from macro_assets.definitions import ASSET_KEYS

AUG, SEP, OCT = date(2026, 8, 27), date(2026, 9, 25), date(2026, 10, 30)


def test_only_the_newest_passed_date_and_those_in_bronze_are_partitions() -> None:
    standing = rel.standings([AUG, SEP, OCT], held=[AUG])
    assert standing == {AUG: rel.IN_BRONZE, SEP: rel.GONE, OCT: rel.NEWEST}
    assert rel.partition_dates([AUG, SEP, OCT], held=[AUG]) == [AUG, OCT]
    # An out-of-calendar capture (the daily check) is a partition too.
    extra = date(2026, 11, 3)
    assert rel.partition_dates([AUG, SEP, OCT], held=[extra]) == [OCT, extra]
    assert rel.partition_dates([], held=[]) == []


def test_sync_removes_partitions_that_can_never_be_built_and_keeps_what_was() -> None:
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("release_date", [AUG.isoformat(), SEP.isoformat()])
        # September was materialized once (say bea_raw, before its capture failed): it stays.
        instance.report_runless_asset_event(
            dg.AssetMaterialization(["bea", "bea_raw"], partition=SEP.isoformat())
        )
        new, removed = rel.sync(instance, [AUG, SEP, OCT], held=[], assets=ASSET_KEYS)
        assert (new, removed) == ([OCT.isoformat()], [AUG.isoformat()])
        assert rel.registered(instance) == [SEP.isoformat(), OCT.isoformat()]
        assert rel.sync(instance, [AUG, SEP, OCT], held=[], assets=ASSET_KEYS) == ([], [])
