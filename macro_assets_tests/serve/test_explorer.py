"""The explorer page as an analyst uses it, in a real browser (Debian's chromium driven by
playwright's Python package with the system browser; never a browser download), against
`mdi serve` on a warehouse holding the sandbox's four releases: search, open a series, switch
vintage, see the map, see what a release changed, download a CSV and compare it with the API.

Screenshots go beside the test's files, and to ``MDI_SCREENSHOTS`` when set (the ExecPlan's
artifacts are taken that way)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import requests
import sqlalchemy as sa

from macro_assets.query import COLUMNS, MAP_COLUMNS, observations, regional_map, release_summary
from macro_assets.serve.app import STATIC
from macro_assets_tests.browser import CHROMIUM, FLAGS, needs_chromium
from macro_assets_tests.cli.test_cli import BIN, cli_env
from macro_assets_tests.conftest import free_port
from macro_assets_tests.history import RELEASES, load_in_order

pytestmark = needs_chromium
SERIES = "Regional/SAINC1/1|01000"  # Personal income, Alabama


@pytest.fixture
def explorer(captured, tmp_path: Path, database_url: str) -> Iterator[str]:  # noqa: ANN001
    """`mdi serve` on a free port over the sandbox's history; its base URL."""
    assert (STATIC / "index.html").is_file(), "the explorer page is not built: run `make explorer`"
    lake, catalog, _ = captured
    load_in_order(RELEASES, lake, catalog, database_url)
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "mdi"), "serve", "--port", str(port)],
        env=cli_env(tmp_path, database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/api/releases", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def shots(tmp_path: Path) -> list[Path]:
    folders = [tmp_path]
    if os.environ.get("MDI_SCREENSHOTS"):
        folders.append(Path(os.environ["MDI_SCREENSHOTS"]))
        folders[-1].mkdir(parents=True, exist_ok=True)
    return folders


def table_rows(page, selector: str) -> list[list[str]]:  # noqa: ANN001
    return page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )


def test_an_analyst_searches_charts_maps_and_downloads(
    explorer: str, database_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    engine = sa.create_engine(database_url)
    latest = observations(engine, SERIES, as_of=RELEASES[-1])
    # An earlier vintage whose values differ from the latest: what switching vintage must show.
    earlier = next(
        (r for r in RELEASES if not observations(engine, SERIES, as_of=r).equals(latest)), RELEASES[0]
    )
    folders = shots(tmp_path)

    def screenshot(page, name: str, part: str | None = None) -> None:  # noqa: ANN001
        for folder in folders:
            path = str(folder / f"explorer-{name}.png")
            if part:
                page.locator(part).screenshot(path=path)
            else:
                page.screenshot(path=path, full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900}, accept_downloads=True)
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(explorer)
        expect(page.locator("body[data-ready=true]")).to_have_count(1, timeout=30_000)
        # Nothing from outside the process: every request went to the page's own origin.
        assert page.evaluate(
            "performance.getEntriesByType('resource').every(e => e.name.startsWith(location.origin))"
        )
        assert page.locator("#vintage option").count() == len(RELEASES)

        # Search, then open the series.
        page.fill("input[name=q]", "personal income")
        page.fill("input[name=geography]", "Alabama")
        page.click("#search button")
        link = page.locator(f".series-link[data-series='{SERIES}']")
        expect(link).to_have_count(1)
        screenshot(page, "search", "#search-panel")
        link.click()
        expect(page.locator("#chart g[aria-label=line]")).to_have_count(1)
        shown = table_rows(page, "#values")
        assert [row[0] for row in shown] == latest.get_column("time_period").to_list()
        assert page.locator("#values-title").inner_text().endswith(f"published them on {RELEASES[-1]}")
        # One line per vintage of the series: a legend entry for each release that changed it.
        vintages = observations(engine, SERIES, output="all").get_column("published_in").unique()
        assert page.locator("#chart g[aria-label=line] path").count() == vintages.len()
        screenshot(page, "series", "#series-panel")

        # The map of the same line for the latest year, every state as of the vintage.
        expect(page.locator("#map g[aria-label=geo]").first).to_be_visible()
        year = page.locator("#period").input_value()
        states = regional_map(engine, "SAINC1", 1, year, as_of=RELEASES[-1])
        assert page.locator("#map").get_attribute("data-places") == str(states.height)
        assert int(page.locator("#map").get_attribute("data-drawn")) >= 50  # states and DC drawn
        # The unit as BEA names it; its power of ten only where the unit does not already say it.
        place = states.row(0, named=True)
        unit = place["unit"]
        assert unit.lower().startswith({3: "thousands", 6: "millions"}[place["unit_mult"]])
        assert page.locator("#map-title").inner_text().endswith(f"({unit})")
        assert f" · {unit} · " in page.locator("#series-meta").inner_text()
        screenshot(page, "map", "#map-panel")

        # An earlier vintage: the table, the chart's highlight and the map follow it.
        page.select_option("#vintage", earlier.isoformat())
        expect(page.locator("#values-title")).to_contain_text(f"published them on {earlier}")
        expect(page.locator("#map-title")).to_contain_text(f"as of {earlier}")
        then = observations(engine, SERIES, as_of=earlier)
        values = [row[1] for row in table_rows(page, "#values")]
        assert values == [f"{v:,.3f}".rstrip("0").rstrip(".") for v in then.get_column("value")]
        assert page.url.endswith(f"vintage={earlier}")
        screenshot(page, "vintage")

        # The download is exactly the API's answer for what is on screen.
        with page.expect_download() as download:
            page.click("#download")
        saved = pl.read_csv(download.value.path(), schema=COLUMNS)
        assert saved.equals(then)
        api = requests.get(
            f"{explorer}/api/observations", params={"series": SERIES, "as_of": earlier}, timeout=10
        )
        assert (
            pl.DataFrame(api.json())
            .select("time_period", "value")
            .equals(saved.select("time_period", "value"))
        )
        with page.expect_download() as download:
            page.click("#map-download")
        mapped = pl.read_csv(download.value.path(), schema=MAP_COLUMNS)
        assert mapped.equals(
            regional_map(engine, "SAINC1", 1, page.locator("#period").input_value(), as_of=earlier)
        )

        # First release against the latest.
        page.click("#mode-first-latest")
        expect(page.locator("#chart[data-mode=first-latest] g[aria-label=line]")).to_have_count(1)
        assert page.locator("#chart g[aria-label=line] path").count() == 2

        # A line with annual and quarterly values is charted one frequency at a time, the finest
        # first, one line per vintage of those values.
        page.click("#mode-vintages")
        page.fill("input[name=q]", "gross domestic product")
        page.fill("input[name=geography]", "")
        page.click("#search button")
        page.locator(".series-link[data-series='NIPA/T10105/1']").click()
        expect(page.locator("#frequency-choice")).to_be_visible()
        assert page.locator("#frequency").input_value() == "Q"
        gdp = observations(engine, "NIPA/T10105/1", output="all")
        for frequency in ("Q", "A"):
            page.select_option("#frequency", frequency)
            vintages = gdp.filter(pl.col("frequency") == frequency).get_column("published_in").n_unique()
            expect(page.locator("#chart g[aria-label=line] path")).to_have_count(vintages)
        screenshot(page, "frequencies", "#series-panel")
        expect(page.locator("#map-panel")).to_be_hidden()  # no place to map

        # What each release changed, table by table.
        for release in RELEASES:
            page.select_option("#release", release.isoformat())
            expected = release_summary(engine, release)
            expect(page.locator(f"#summary[data-release='{release}']")).to_have_count(1)
            assert [r[1:] for r in table_rows(page, "#summary")] == [
                [t, str(a), str(b), str(c)] for _, t, a, b, c in expected.iter_rows()
            ]
        expect(page.locator("#changes-title")).to_contain_text(RELEASES[-1].isoformat())
        screenshot(page, "release", "#releases-panel")

        # A bad request shows its one-line reason on the page.
        bad = browser.new_page()
        bad.goto(f"{explorer}/#series=Regional/SAINC1/999|01000")
        expect(bad.locator("#error")).to_contain_text("unknown series Regional/SAINC1/999|01000")
        browser.close()
    assert not failed, failed
    assert (tmp_path / "explorer-map.png").stat().st_size > 20_000  # a drawn map, not a blank
    engine.dispose()
