"""The whole graph with the lake on S3 (moto's server on 127.0.0.1): the same code path as the
local folder, LAKE_URL=s3://bucket/prefix."""

from __future__ import annotations

import gzip
import hashlib
import json

import dagster as dg
import sqlalchemy as sa

from macro_assets.lake import layout
from macro_assets.resources.lake import LakeResource
from macro_assets_tests.assets.test_pipeline import RELEASE, run, table_counts
from macro_assets_tests.resources.test_s3_lake import objects


def test_release_flows_through_an_s3_lake(
    instance: dg.DagsterInstance, resources: dict, s3_lake: LakeResource, database_url: str
) -> None:
    result = run(instance, dict(resources, lake=s3_lake))
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations() if c.asset_key.path[0] != "gold")

    stored = objects(s3_lake)
    prefix = "lake/" + layout.bronze_prefix(RELEASE)
    bronze = {k: v for k, v in stored.items() if k.startswith(prefix)}
    manifest = json.loads(bronze.pop(f"{prefix}/_manifest.json"))
    assert len(manifest["objects"]) == len(bronze) == 45
    for obj in manifest["objects"]:
        raw = gzip.decompress(stored[f"lake/{obj['key']}"])
        assert hashlib.sha256(raw).hexdigest() == obj["sha256"] and b"REDACTED" in raw
    assert f"lake/{layout.silver_observations(RELEASE)}" in stored
    assert f"lake/{layout.gold_indicators(RELEASE)}" in stored
    assert table_counts(database_url)["observations"] > 10_000

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        uris = (
            conn.execute(
                sa.text(
                    "SELECT DISTINCT b ->> 'uri' FROM bea.load_audit, jsonb_array_elements(bronze_objects) b"
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert uris and all(u.startswith(s3_lake.url + "/bronze/") for u in uris)

    again = run(instance, dict(resources, lake=s3_lake))
    assert again.success
    assert objects(s3_lake).keys() >= stored.keys()
    assert {k: v for k, v in objects(s3_lake).items() if k.startswith(prefix)} == {
        **bronze,
        f"{prefix}/_manifest.json": stored[f"{prefix}/_manifest.json"],
    }  # bronze untouched by the re-run
