"""The lake's stores: a local folder, or an S3 prefix (``LAKE_URL``: ``./lake`` by default, or
``s3://bucket/prefix``), one interface; every write is atomic on both.

Local writes go to a temporary file and are renamed (``put``) or hard-linked (``put_if_absent``)
into place. On S3 an object appears whole or not at all, and ``put_if_absent`` is a
conditional write (``If-None-Match: *``), so two writers cannot both create one object.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

# "%": a parameter-shaped request's name, percent-encoded into one segment (lake/layout.py).
_KEY = re.compile(r"^[A-Za-z0-9_=.%\-]+(/[A-Za-z0-9_=.%\-]+)*$")


class LakeKeyError(ValueError):
    pass


def checked(key: str) -> str:
    if not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise LakeKeyError(f"refusing lake key {key!r}")
    return key


class Store(Protocol):
    def uri(self, key: str) -> str: ...
    def exists(self, key: str) -> bool: ...
    def get(self, key: str) -> bytes: ...
    def local_path(self, key: str, folder: Path) -> Path: ...
    def delete(self, key: str) -> None: ...
    def put(self, key: str, data: bytes) -> None: ...
    def put_if_absent(self, key: str, data: bytes) -> bool: ...
    def sweep_partials(self, prefix: str, older_than_s: float) -> int: ...
    def list_keys(self, prefix: str) -> list[str]: ...
    def list_folders(self, prefix: str) -> list[str]: ...


class LocalStore:
    def __init__(self, root: str) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / key

    def uri(self, key: str) -> str:
        # '=' is legal in a URI path: keep keys readable (and the path usable after file://).
        return "file://" + quote(str(self._path(key)), safe="/=")

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def local_path(self, key: str, folder: Path) -> Path:
        """The object as a local file: here, the file itself (``folder`` is not used)."""
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(self.uri(key))
        return path

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list_keys(self, prefix: str) -> list[str]:
        root = self._path(prefix)
        if not root.is_dir():
            return []
        return sorted(
            str(path.relative_to(self.root))
            for path in root.rglob("*")
            if path.is_file() and not path.name.startswith(".tmp-")
        )

    def list_folders(self, prefix: str) -> list[str]:
        root = self._path(prefix)
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []

    def sweep_partials(self, prefix: str, older_than_s: float) -> int:
        root = self._path(prefix)
        cutoff = time.time() - older_than_s
        swept = 0
        for path in root.rglob(".tmp-*.part") if root.is_dir() else ():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                swept += 1
        return swept

    def _staged(self, key: str, data: bytes) -> tuple[Path, Path]:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return Path(tmp), final

    def put(self, key: str, data: bytes) -> None:
        tmp, final = self._staged(key, data)
        os.replace(tmp, final)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        # A hard link fails atomically when the target exists: one writer wins, nothing is replaced.
        tmp, final = self._staged(key, data)
        try:
            os.link(tmp, final)
            return True
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)


_s3_clients: dict[str | None, Any] = {}
_s3_lock = threading.Lock()


def s3_client() -> Any:
    """One client per process (thread-safe; clients are costly to build). boto3 reads
    AWS_ENDPOINT_URL, the region and the credentials from the environment or the task role."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    with _s3_lock:
        if endpoint not in _s3_clients:
            import boto3
            from botocore.config import Config

            _s3_clients[endpoint] = boto3.session.Session().client(
                "s3", config=Config(retries={"mode": "standard", "max_attempts": 5})
            )
        return _s3_clients[endpoint]


class S3Store:
    def __init__(self, url: str) -> None:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise LakeKeyError(f"LAKE_URL {url!r} names no bucket: expected s3://bucket/prefix")
        self.bucket, self.prefix = bucket, prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            s3_client().head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return s3_client().get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(self.uri(key)) from None
            raise

    def local_path(self, key: str, folder: Path) -> Path:
        """The object downloaded into ``folder`` (streamed to disk, never whole in memory)."""
        from botocore.exceptions import ClientError

        path = folder / key.replace("/", "__")
        try:
            s3_client().download_file(self.bucket, self._key(key), str(path))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(self.uri(key)) from None
            raise
        return path

    def delete(self, key: str) -> None:
        s3_client().delete_object(Bucket=self.bucket, Key=self._key(key))

    def list_keys(self, prefix: str) -> list[str]:
        pages = (
            s3_client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=self._key(prefix).rstrip("/") + "/")
        )
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(obj["Key"][strip:] for page in pages for obj in page.get("Contents", []))

    def list_folders(self, prefix: str) -> list[str]:
        base = self._key(prefix).rstrip("/") + "/"
        pages = (
            s3_client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=base, Delimiter="/")
        )
        found = (common["Prefix"] for page in pages for common in page.get("CommonPrefixes", []))
        return sorted(prefix[len(base) :].rstrip("/") for prefix in found)

    def sweep_partials(self, prefix: str, older_than_s: float) -> int:
        # S3 never shows a partial object; abandoned multipart uploads expire by lifecycle rule.
        return 0

    def put(self, key: str, data: bytes) -> None:
        s3_client().put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        for attempt in range(5):
            try:
                s3_client().put_object(Bucket=self.bucket, Key=self._key(key), Body=data, IfNoneMatch="*")
                return True
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code == "PreconditionFailed":
                    return False
                if code != "ConditionalRequestConflict":
                    raise
                # Another conditional write to this key is in flight: see who won.
                time.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"conditional writes to {self.uri(key)} kept conflicting; run again")


def open_store(url: str) -> Store:
    """The store a lake URL names: ``s3://bucket/prefix``, else a local folder."""
    return S3Store(url) if url.startswith("s3://") else LocalStore(url)
