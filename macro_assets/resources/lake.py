"""The lake: a local folder (``LAKE_URL``, default ``./lake``); every write is atomic."""

import os
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import dagster as dg

_KEY = re.compile(r"^[A-Za-z0-9_=.\-]+(/[A-Za-z0-9_=.\-]+)*$")


class LakeKeyError(ValueError):
    pass


class LakeResource(dg.ConfigurableResource):
    url: str = "lake"

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
            raise LakeKeyError(f"refusing lake key {key!r}")
        if self.url.startswith("s3://"):
            raise NotImplementedError("LAKE_URL=s3://… is not supported yet; use a folder")
        return Path(self.url).resolve() / key

    def uri(self, key: str) -> str:
        # '=' is legal in a URI path: keep keys readable (and the path usable after file://).
        return "file://" + quote(str(self._path(key)), safe="/=")

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def sweep_partials(self, prefix: str, older_than_s: float = 3600.0) -> int:
        """Remove temporary files a killed writer left under ``prefix``; never a recent one, which
        may belong to a writer still running. Readers never see them either way."""
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
        """Write or replace ``key``; readers see the old bytes or the new, never half."""
        tmp, final = self._staged(key, data)
        os.replace(tmp, final)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Create ``key`` only if nothing is there yet; True if this call created it.

        A hard link fails atomically when the target exists, so two writers cannot both win
        and an existing object is never replaced."""
        tmp, final = self._staged(key, data)
        try:
            os.link(tmp, final)
            return True
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)
