"""``mdi catalog discover``'s entries, pasted into a catalog, pass the plan's checks against
BEA's own lists for every dataset (here the sandbox's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bea_sandbox.server import Sandbox
from macro_assets.bea import harvest
from macro_assets.bea.client import BeaClient
from macro_assets.bea.discovery import discover
from macro_assets.catalog import DATASETS, load_catalog


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_discovered_entries_load_and_pass_the_plan(
    sandbox: Sandbox, api_key: str, tmp_path: Path, dataset: str
) -> None:
    client = BeaClient(sandbox.api_url, api_key)
    lines = discover(client, dataset)
    entries = [line for line in lines if line.startswith("- ")]
    assert entries, lines
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("releases:\n  Some Release:\n" + "".join(f"    {line}\n" for line in lines))
    tables = load_catalog(catalog).tables
    assert len(tables) == len(entries) and {t.dataset for t in tables} == {dataset}
    units = harvest.plan(client, tables[:25])
    assert units and all(u.table.dataset == dataset for u in units)
