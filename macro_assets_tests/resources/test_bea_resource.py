"""Which BEA the resource talks to: the sandbox only when the user chose it (issue 19)."""

from __future__ import annotations

import dagster as dg
import pytest

from macro_assets.bea.errors import BeaAuthError
from macro_assets.resources import resources_from_env
from macro_assets.resources.bea import BeaApiResource
from macro_assets.resources.lake import LakeResource
from macro_assets.resources.warehouse import WarehouseResource


@pytest.mark.parametrize(
    ("env", "allowed"),
    [
        ({}, True),  # the demo: no key, the embedded PostgreSQL
        ({"DATABASE_URL": "postgresql://warehouse/db"}, False),
        ({"BEA_API_URL": "http://127.0.0.1:9/api/data"}, False),
        ({"DATABASE_URL": "postgresql://warehouse/db", "BEA_SANDBOX": "1"}, True),
        ({"BEA_SANDBOX": "0"}, False),
    ],
)
def test_a_missing_key_means_the_sandbox_only_where_chosen(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], allowed: bool
) -> None:
    for name in ("BEA_API_KEY", "BEA_API_URL", "DATABASE_URL", "BEA_SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    bea = resources_from_env()["bea"]
    if allowed:
        assert bea.source() == "sandbox" and bea.describe().startswith("BEA sandbox at http://127.0.0.1:")
    else:
        with pytest.raises(BeaAuthError, match=r"^BEA_API_KEY is not set: ") as raised:
            bea.source()
        assert "\n" not in str(raised.value)


def test_with_a_key_the_answers_are_labelled_bea(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEA_API_KEY", "7E57C0DE-0000-4000-8000-00000000ABCD")
    monkeypatch.setenv("DATABASE_URL", "postgresql://warehouse/db")
    assert resources_from_env()["bea"].process_config_and_initialize().source() == "bea"


def test_a_run_config_overriding_one_field_keeps_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dagster replaces a resource's whole config when a run sets one field of it: the key, the
    URL and the warehouse must still come from the environment, never the sandbox (issue 19)."""
    monkeypatch.setenv("BEA_API_KEY", "7E57C0DE-0000-4000-8000-00000000ABCD")
    monkeypatch.setenv("BEA_API_URL", "http://127.0.0.1:9/api/data")
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@warehouse.example/db")
    monkeypatch.setenv("LAKE_URL", "s3://lake-bucket/prefix")
    seen: dict[str, object] = {}

    @dg.asset
    def probe(bea: BeaApiResource, lake: LakeResource, warehouse: WarehouseResource) -> None:
        seen.update(
            timeout=bea.timeout_s,
            source=bea.source(),
            bea=bea.describe(),
            lake=lake.location,
            warehouse=warehouse.describe(),
        )

    resources = {k: v for k, v in resources_from_env().items() if k in ("bea", "lake", "warehouse")}
    result = dg.materialize(
        [probe],
        resources=resources,
        run_config={
            "resources": {
                "bea": {"config": {"timeout_s": 5}},
                "lake": {"config": {}},
                "warehouse": {"config": {"unavailable_retries": 1}},
            }
        },
    )
    assert result.success
    assert seen == {
        "timeout": 5.0,
        "source": "bea",
        "bea": "BEA API at http://127.0.0.1:9/api/data",
        "lake": "s3://lake-bucket/prefix",
        "warehouse": "PostgreSQL at postgresql+psycopg2://someone@warehouse.example/db",
    }
