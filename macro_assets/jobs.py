"""Jobs: one, to refresh a release through every layer."""

import dagster as dg

refresh_job = dg.define_asset_job(
    "refresh_release",
    selection=dg.AssetSelection.groups("bea"),
    description="Fetch, keep, parse, compute and load one BEA release date.",
)
