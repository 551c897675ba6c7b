"""The allocator tuning applies once, on glibc, and can be turned off."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CODE = "from macro_assets.memory import tune_allocator; print(tune_allocator(), tune_allocator())"


def run(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CODE],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_glibc_takes_the_settings_once_unless_turned_off() -> None:
    assert run({"PATH": "/usr/bin:/bin"}) == "True True"
    assert run({"PATH": "/usr/bin:/bin", "MDI_MALLOC_TUNING": "0"}) == "False False"
