import dagster as dg

from macro_assets.catalog import Catalog, load_catalog


class CatalogResource(dg.ConfigurableResource):
    """The catalog file (``MDI_CATALOG``); the packaged default when unset."""

    path: str | None = None

    def load(self) -> Catalog:
        return load_catalog(self.path)
