"""The UI as a user sees it: after `mdi demo`, `dagster dev` on the demo's instance, opened
in a real browser (Debian's chromium, driven by playwright with the system browser; never a
browser download). Screenshots are written beside the test's temporary files."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from macro_assets.alerts.destinations import webserver_url
from macro_assets_tests.browser import CHROMIUM, FLAGS, needs_chromium
from macro_assets_tests.cli.test_cli import cli_env, mdi
from macro_assets_tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = needs_chromium


@pytest.fixture
def webserver(tmp_path: Path, database_url: str) -> Iterator[str]:
    env = cli_env(tmp_path, database_url)
    demo = mdi(env, "demo")
    assert demo.returncode == 0, demo.stderr[-2000:]
    # `make dev` as the README gives it, its port through the webserver's own variable (which
    # the alerts' links read too) and the demo's instance.
    port = free_port()
    url = webserver_url({"DAGSTER_WEBSERVER_PORT": str(port)})
    log = (tmp_path / "webserver.log").open("w")
    server = subprocess.Popen(
        ["make", "--no-print-directory", "dev", f"PORT={port}", f"DAGSTER_HOME={env['DAGSTER_HOME']}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        # dagster dev starts the webserver and the daemon as children: stopped as one group.
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (
                tmp_path / "webserver.log"
            ).read_text()
            time.sleep(1)
        yield url
    finally:
        log.flush()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        log.close()


async def _pages(url: str, shots: Path) -> dict[str, str]:
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import async_playwright

    seen = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page(viewport={"width": 1600, "height": 1000})
        for name, path, ready in (
            ("lineage", "/asset-groups/bea@macro_assets/lineage", "observations"),
            ("observations", "/assets/bea/observations", "Row count"),
        ):
            await page.goto(url + path)
            await page.get_by_text(ready).first.wait_for(timeout=60_000)
            if name == "lineage":
                # Dagster's newsletter dialog opens a moment after the first page, once per browser.
                skip = page.get_by_role("button", name="Skip")
                try:
                    await skip.first.wait_for(timeout=10_000)
                    await skip.first.click()
                except PlaywrightTimeout:
                    pass
            await page.wait_for_timeout(1500)
            await page.screenshot(path=str(shots / f"{name}.png"))
            seen[name] = await page.inner_text("body")
        await browser.close()
    return seen


def test_the_graph_and_an_asset_page_say_what_the_demo_built(webserver: str, tmp_path: Path) -> None:
    seen = asyncio.run(_pages(webserver, tmp_path))
    for name in ("bea_raw", "bronze", "silver", "gold", "observations", "indicators"):
        assert name in seen["lineage"], name
    page = seen["observations"]
    # The table behind the asset, who owns it, its columns with what they hold, and its size.
    for text in (
        "bea.observations",
        "macro-data-ingest",
        "layer: warehouse",
        "published_in",
        "the release date that first published this value",
        "Row count",
    ):
        assert text in page, text
    assert os.path.getsize(tmp_path / "observations.png") > 10_000
    # Nothing a user cannot act on: Dagster's beta and supersession warnings are silenced.
    log = (tmp_path / "webserver.log").read_text()
    assert "BetaWarning" not in log and "SupersessionWarning" not in log, log[-3000:]
