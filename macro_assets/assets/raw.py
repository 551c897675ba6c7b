"""bea_raw: one GetData answer per catalog table (per line for Regional), redacted at once and
landed in the lake for bronze to keep (``macro_assets.lake.capture``)."""

import dagster as dg

from macro_assets.assets.results import as_metadata, asset_settings, merge_metadata, releases_of
from macro_assets.lake import capture
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource


@dg.asset(
    **asset_settings("raw"),
    kinds={"python", "json"},
    pool="bea_api",
    description="BEA GetData answers for every catalog table, as served on the release date "
    "(API key redacted), landed in the lake for bronze to keep.",
)
def bea_raw(
    context: dg.AssetExecutionContext,
    bea: BeaApiResource,
    lake: LakeResource,
    catalog: CatalogResource,
) -> dg.MaterializeResult:
    tables = catalog.load().tables
    per_release = {
        release: as_metadata(capture.capture(release, tables, bea, lake, context.log, context.run_id))
        for release in releases_of(context)
    }
    return dg.MaterializeResult(metadata=merge_metadata(per_release))
