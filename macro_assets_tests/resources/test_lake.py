from __future__ import annotations

from pathlib import Path

import pytest

from macro_assets.resources.lake import LakeKeyError, LakeResource


def test_put_replaces_and_leaves_no_temporary_files(lake: LakeResource) -> None:
    lake.put("silver/a.parquet", b"one")
    lake.put("silver/a.parquet", b"two")
    assert lake.get("silver/a.parquet") == b"two"
    assert [p.name for p in Path(lake.url, "silver").iterdir()] == ["a.parquet"]


def test_put_if_absent_never_replaces(lake: LakeResource) -> None:
    assert lake.put_if_absent("bronze/x.json.gz", b"first") is True
    assert lake.put_if_absent("bronze/x.json.gz", b"second") is False
    assert lake.get("bronze/x.json.gz") == b"first"
    assert [p.name for p in Path(lake.url, "bronze").iterdir()] == ["x.json.gz"]


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/abs/path", "a//b", "a/./b", "a b"])
def test_keys_that_could_escape_are_refused(lake: LakeResource, key: str) -> None:
    with pytest.raises(LakeKeyError):
        lake.put(key, b"x")
