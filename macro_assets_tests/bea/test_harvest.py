"""The plan checks every catalog entry against BEA's own lists before anything is fetched:
each mistake is one line naming the entry, and no GetData is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from bea_sandbox.server import Sandbox
from macro_assets.bea import harvest
from macro_assets.bea.client import BeaClient
from macro_assets.bea.errors import BeaBadRequestError
from macro_assets.catalog import load_catalog


def _tables(tmp_path: Path, *entries: str):  # noqa: ANN202
    path = tmp_path / "catalog.yaml"
    path.write_text("releases:\n  Some Release:\n" + "".join(f"    - {e}\n" for e in entries))
    return load_catalog(path).tables


@pytest.mark.parametrize(
    "entries, message",
    [
        (
            ["{dataset: ITA, params: {Indicator: ALL, AreaOrCountry: Chna}}"],
            "catalog entry ITA/AreaOrCountry=Chna;Indicator=ALL (release 'Some Release'): "
            "AreaOrCountry value 'Chna' is unknown to BEA's ITA",
        ),
        (
            ["{dataset: ITA, params: {Indicator: ALL, Countryy: China}}"],
            "BEA's ITA takes no parameter 'Countryy' (it takes: AreaOrCountry, Frequency, Indicator, Year)",
        ),
        (
            ["{dataset: MNE, params: {DirectionOfInvestment: Outward}}"],
            "BEA's MNE requires parameter 'Classification'",
        ),
        (
            ["{dataset: NIPA, table: T10101, frequencies: [A], params: {ShowMilions: Y}}"],
            "takes no parameter 'ShowMilions'",
        ),
        (["{dataset: GDPbyIndustry, table: 99}"], "table '99' is unknown to BEA's GDPbyIndustry"),
        (
            ["{dataset: GDPbyIndustry, table: 1, params: {Industry: '52,XX'}}"],
            "Industry value 'XX' is unknown",
        ),
        (["{dataset: FixedAssets, table: FAAT999}"], "table 'FAAT999' is unknown to BEA's FixedAssets"),
        (
            ["{dataset: Regional, table: SAINC1, lines: [1, 999]}"],
            "catalog entry Regional/SAINC1 (release 'Some Release'): line 999 is not one of BEA's 3 lines "
            "of SAINC1",
        ),
        (
            [
                "{dataset: NIPA, tables: ALL, frequencies: [A]}",
                "{dataset: NIPA, table: T10101, frequencies: [Q]}",
            ],
            "both ask for NIPA/T10101",
        ),
    ],
)
def test_a_mistake_is_refused_naming_the_entry_before_any_getdata(
    sandbox: Sandbox, api_key: str, tmp_path: Path, entries: list[str], message: str
) -> None:
    client = BeaClient(sandbox.api_url, api_key)
    tables = _tables(tmp_path, *entries)
    with pytest.raises(BeaBadRequestError) as refused:
        harvest.plan(client, tables)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert not [s for s in sandbox.served if s.key == api_key and s.method == "getdata"]


def test_every_table_and_every_line(sandbox: Sandbox, api_key: str, tmp_path: Path) -> None:
    client = BeaClient(sandbox.api_url, api_key)
    units = harvest.plan(
        client,
        _tables(
            tmp_path,
            "{dataset: GDPbyIndustry, tables: ALL, frequencies: [A]}",
            "{dataset: Regional, table: CAINC1, geo: COUNTY}",
        ),
    )
    assert {u.label for u in units} == {f"GDPbyIndustry/{t}" for t in ("1", "5", "6", "10")} | {
        f"Regional/CAINC1 line {c}" for c in "123"
    }
    assert {u.params["GeoFips"] for u in units if u.table.is_regional} == {"COUNTY"}
