"""The lake on S3 (moto's server over HTTP): the same interface, the same guarantees."""

from __future__ import annotations

import threading

import boto3
import pytest

from macro_assets.resources.lake import LakeKeyError, LakeResource


def objects(lake: LakeResource) -> dict[str, bytes]:
    bucket, _, prefix = lake.url.removeprefix("s3://").partition("/")
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def test_put_get_exists_delete(s3_lake: LakeResource) -> None:
    assert not s3_lake.exists("silver/a.parquet")
    s3_lake.put("silver/a.parquet", b"one")
    s3_lake.put("silver/a.parquet", b"two")
    assert s3_lake.exists("silver/a.parquet") and s3_lake.get("silver/a.parquet") == b"two"
    bucket = s3_lake.url.removeprefix("s3://").split("/")[0]
    assert s3_lake.uri("silver/a.parquet") == f"s3://{bucket}/lake/silver/a.parquet"
    assert objects(s3_lake) == {"lake/silver/a.parquet": b"two"}
    s3_lake.delete("silver/a.parquet")
    assert not s3_lake.exists("silver/a.parquet")
    with pytest.raises(FileNotFoundError):
        s3_lake.get("silver/a.parquet")


def test_put_if_absent_never_replaces(s3_lake: LakeResource) -> None:
    assert s3_lake.put_if_absent("bronze/x.json.gz", b"first") is True
    assert s3_lake.put_if_absent("bronze/x.json.gz", b"second") is False
    assert s3_lake.get("bronze/x.json.gz") == b"first"


def test_concurrent_creators_one_wins(s3_lake: LakeResource) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def create(n: int) -> None:
        barrier.wait()
        results.append(s3_lake.put_if_absent("bronze/race.json.gz", f"writer {n}".encode()))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert s3_lake.get("bronze/race.json.gz").startswith(b"writer ")


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/abs/path", "a//b"])
def test_hostile_keys_are_refused_before_any_request(s3_lake: LakeResource, key: str) -> None:
    with pytest.raises(LakeKeyError):
        s3_lake.put(key, b"x")
    assert objects(s3_lake) == {}


def test_a_bucketless_url_is_refused(aws: str) -> None:
    with pytest.raises(LakeKeyError, match="names no bucket"):
        LakeResource(url="s3:///lake").put("a", b"x")
