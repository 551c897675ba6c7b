"""Dagster resources: BEA's API, the lake, the warehouse and the catalog, configured from the environment."""

import os

import dagster as dg

from macro_assets.alerts.destinations import AlertsResource, webserver_url
from macro_assets.resources.bea import ENV_VARS, BeaApiResource
from macro_assets.resources.catalog import CatalogResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource


def _env(name: str) -> dg.EnvVar | None:
    # EnvVar keeps secrets out of the UI and run config; an unset optional variable must be None,
    # because EnvVar of an unset variable fails when the resource is built.
    return dg.EnvVar(name) if os.environ.get(name) else None


def resources_from_env() -> dict[str, dg.ConfigurableResource]:
    # EnvVar shows the variable, never its value, in the UI; the resources also fall back to
    # these variables themselves when a run's config replaces their config.
    bea_kwargs: dict[str, object] = {}
    for field, var in ENV_VARS.items():
        if _env(var) is not None:
            bea_kwargs[field] = _env(var)
    return {
        "bea": BeaApiResource(**bea_kwargs),
        "lake": LakeResource(
            url=_env("LAKE_URL"),
            iceberg_catalog=_env("MDI_ICEBERG_CATALOG"),
            iceberg_warehouse=_env("MDI_ICEBERG_WAREHOUSE"),
            iceberg_namespace=_env("MDI_ICEBERG_NAMESPACE"),
        ),
        "warehouse": WarehouseResource(database_url=_env("DATABASE_URL"), pgdata=_env("MDI_PGDATA")),
        "catalog": CatalogResource(path=_env("MDI_CATALOG")),
        "alerts": AlertsResource(
            sns_topic_arn=_env("MDI_ALERT_SNS_TOPIC_ARN"),
            webhook_url=_env("MDI_ALERT_WEBHOOK_URL"),
            ui_url=_env("MDI_UI_URL") or webserver_url(os.environ),
        ),
    }
