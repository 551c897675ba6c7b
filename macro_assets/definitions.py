"""The code location: every asset, job and resource, wired once."""

from __future__ import annotations

import dagster as dg

from macro_assets.assets.bronze import bronze
from macro_assets.assets.gold import gold
from macro_assets.assets.raw import bea_raw
from macro_assets.assets.silver import silver
from macro_assets.assets.warehouse import postgres_tables
from macro_assets.resources import resources_from_env

ASSETS = [bea_raw, bronze, silver, gold, postgres_tables]

refresh_job = dg.define_asset_job(
    "refresh_release",
    selection=dg.AssetSelection.assets(*ASSETS),
    description="Fetch, keep, parse, compute and load one BEA release date.",
)

defs = dg.Definitions(assets=ASSETS, jobs=[refresh_job], resources=resources_from_env())
