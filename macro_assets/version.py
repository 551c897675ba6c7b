"""The code version stamped on every load (bea.load_audit) and on the run's metadata."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


@cache
def code_version() -> str:
    """``MDI_CODE_VERSION`` (set by the image build), else the package version and, in a git
    checkout, its commit (``+dirty`` when the tree has local changes)."""
    if os.environ.get("MDI_CODE_VERSION"):
        return os.environ["MDI_CODE_VERSION"]
    try:
        base = version("macro-data-ingest")
    except PackageNotFoundError:
        base = "0+unknown"
    try:
        commit = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return base
    return f"{base}+g{commit}{'.dirty' if dirty else ''}"


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5, check=True
    )
    return done.stdout.strip()
