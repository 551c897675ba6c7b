"""Debian's chromium for the browser tests, driven by playwright's Python package with the
system browser (``executable_path``): never playwright's own browser download."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium installed (`make test` installs Debian's chromium where apt-get may run)",
)
# Chromium as root in a container, and no network but 127.0.0.1.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
