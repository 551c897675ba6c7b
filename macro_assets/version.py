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
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return base
    return f"{base}+g{commit}{'.dirty' if dirty else ''}"
