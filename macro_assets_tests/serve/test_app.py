"""The HTTP read API over real HTTP (uvicorn on 127.0.0.1), on the hand-made history of
``macro_assets_tests/query/test_vintages.py``: the same answers as the Python API, in JSON, CSV
and Parquet; every refusal a 4xx with one line; a read-only connection."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import requests
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

from macro_assets.query import observations, release_diff, release_summary, revisions
from macro_assets.serve.app import NOT_BUILT, STATIC, _json_parts, _json_rows, create_app, read_only_engine
from macro_assets_tests.conftest import free_port
from macro_assets_tests.query.test_vintages import GDP, HISTORY, R2, R3
from macro_assets_tests.warehouse.test_load import load


@pytest.fixture
def api(database_url: str) -> Iterator[tuple[str, sa.Engine]]:
    """The API on a free port over a read-only engine; its base URL and that engine."""
    writer = sa.create_engine(database_url)
    for release, values in HISTORY.items():
        load(writer, release, values)
    writer.dispose()
    engine = read_only_engine(database_url)
    with serving(create_app(engine)) as base:
        yield base, engine
    engine.dispose()


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` on a free port of 127.0.0.1 while the block runs; its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the API did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def from_json(rows: list[dict], schema: pl.Schema) -> pl.DataFrame:
    """JSON's rows in the frame's types (dates come as YYYY-MM-DD text)."""
    text = {name: pl.String if dtype == pl.Date else dtype for name, dtype in schema.items()}
    frame = pl.DataFrame(rows, schema=text)
    return frame.with_columns(pl.col(n).str.to_date() for n, t in schema.items() if t == pl.Date)


def test_answers_equal_the_python_api_in_every_format(api: tuple[str, sa.Engine]) -> None:
    base, engine = api
    params = {"series": GDP, "output": "all", "realtime_start": "2026-09-01", "realtime_end": "2026-10-31"}
    expected = observations(engine, GDP, output="all", realtime_start="2026-09-01", realtime_end="2026-10-31")
    as_json = requests.get(f"{base}/api/observations", params=params, timeout=10)
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert from_json(as_json.json(), expected.schema).equals(expected)
    as_csv = requests.get(f"{base}/api/observations", params={**params, "format": "csv"}, timeout=10)
    assert "attachment" in as_csv.headers["content-disposition"]
    assert pl.read_csv(io.StringIO(as_csv.text), schema=expected.schema).equals(expected)
    as_parquet = requests.get(f"{base}/api/observations", params={**params, "format": "parquet"}, timeout=10)
    assert pl.read_parquet(io.BytesIO(as_parquet.content)).equals(expected)

    got = requests.get(f"{base}/api/revisions", params={"series": GDP, "format": "parquet"}, timeout=10)
    assert pl.read_parquet(io.BytesIO(got.content)).equals(revisions(engine, GDP))
    diff = requests.get(f"{base}/api/releases/{R3}/diff", params={"format": "parquet"}, timeout=10)
    assert pl.read_parquet(io.BytesIO(diff.content)).equals(release_diff(engine, R3))
    one = requests.get(f"{base}/api/releases/{R2}/diff", params={"limit": 1}, timeout=10).json()
    assert [(r["time_period"], r["change_kind"]) for r in one] == [("2024", "revised")]
    found = requests.get(f"{base}/api/series", params={"q": "gross domestic"}, timeout=10).json()
    assert [r["series"] for r in found] == [GDP]
    loaded = requests.get(f"{base}/api/releases", timeout=10).json()
    assert [r["release_date"] for r in loaded] == sorted((d.isoformat() for d in HISTORY), reverse=True)
    summary = requests.get(f"{base}/api/releases/{R3}/summary", timeout=10).json()
    assert pl.DataFrame(summary).equals(release_summary(engine, R3))
    top = requests.get(f"{base}/api/releases/{R3}/diff", params={"per_table": 1}, timeout=10).json()
    assert [(r["time_period"], r["rank"]) for r in top] == [("2023", 1)]


def test_the_page_is_served_where_it_was_built(api: tuple[str, sa.Engine], tmp_path: Path) -> None:
    base, engine = api
    page = requests.get(base + "/", timeout=10)
    if (STATIC / "index.html").is_file():
        assert page.status_code == 200 and '<script type="module" src="/assets/explorer.js">' in page.text
        assert requests.get(base + "/assets/explorer.js", timeout=10).status_code == 200
    else:
        assert page.status_code == 503
    # Without a build, the page says what to run; the API is served all the same.
    with serving(create_app(engine, static=tmp_path)) as unbuilt:
        page = requests.get(unbuilt + "/", timeout=10)
        assert (page.status_code, page.text) == (503, NOT_BUILT)
        assert requests.get(unbuilt + "/api/releases", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "path, params, status, detail",
    [
        (
            "/api/observations",
            {"series": GDP, "as_of": "2026-13-45"},
            400,
            "as_of '2026-13-45': expected a date",
        ),
        ("/api/observations", {"series": "NIPA/T10105/99"}, 404, "unknown series NIPA/T10105/99"),
        ("/api/observations", {"series": "NIPA/T10105"}, 400, "series 'NIPA/T10105': expected dataset/table"),
        ("/api/observations", {"series": GDP, "output": "weekly"}, 400, "output 'weekly': expected one of"),
        ("/api/observations", {}, 422, "series: Field required"),
        ("/api/observations", {"series": GDP, "format": "xlsx"}, 422, "format: Input should be"),
        ("/api/releases/2026-08-28/diff", {}, 404, "release 2026-08-28 is not loaded"),
        (
            "/api/releases/2026-10-29/diff",
            {"limit": 1_000_000},
            422,
            "limit: Input should be less than or equal to 100000",
        ),
        ("/api/series", {"q": "income", "limit": "lots"}, 422, "limit: Input should be a valid integer"),
        ("/api/series", {"q": "  "}, 400, "search: give at least one word"),
        (
            "/api/map",
            {"table": "SAINC1", "line": 1, "period": "2024"},
            404,
            "Regional/SAINC1 line 1 has no value",
        ),
        ("/api/map", {"table": "SAINC1", "line": "one", "period": "2024"}, 422, "line: Input should be"),
        ("/api/releases/2026-08-28/summary", {}, 404, "release 2026-08-28 is not loaded"),
        ("/api/releases/2026-10-29/diff", {"per_table": 0}, 422, "per_table: Input should be greater"),
    ],
)
def test_a_bad_request_gets_a_4xx_with_one_line(
    api: tuple[str, sa.Engine], path: str, params: dict, status: int, detail: str
) -> None:
    base, _ = api
    got = requests.get(base + path, params=params, timeout=10)
    assert got.status_code == status
    assert got.json()["detail"].startswith(detail)
    assert "\n" not in got.json()["detail"]


def test_the_api_works_as_the_reader_role_and_cannot_write(api: tuple[str, sa.Engine]) -> None:
    _, engine = api
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT current_user")).scalar_one() == "bea_reader"
        with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
            conn.execute(sa.text("DELETE FROM bea.observations"))
    # A transaction made read-write still may not: the role has SELECT and nothing else.
    with engine.connect() as conn:
        conn.execute(sa.text("SET TRANSACTION READ WRITE"))
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied for table observations"):
            conn.execute(sa.text("DELETE FROM bea.observations"))


@pytest.mark.parametrize(
    "frame",
    [
        pl.DataFrame(
            {
                "text": ["line\nbreak", None, 'say "x"', "ünï,comma"],
                "value": [1.5, None, 2.0, -0.1],
                "day": [date(2026, 1, 1), None, date(2026, 2, 1), date(2026, 3, 1)],
                "tags": [["a"], [], None, ["b", "c"]],
            }
        ),
        pl.DataFrame(schema={"text": pl.String(), "value": pl.Float64()}),
    ],
)
def test_json_answers_are_polars_json_arrays_byte_for_byte(frame: pl.DataFrame) -> None:
    # The large answers' encoding (row objects through Arrow), on texts that need escaping,
    # nulls, dates, lists and no rows at all.
    assert b"".join(_json_parts(frame)) == frame.write_json().encode()
    assert _json_rows(frame) == frame.write_json().encode()


def test_a_large_json_answer_streams_the_same_bytes_in_parts() -> None:
    frame = pl.DataFrame({"n": range(45_001), "text": [f"row\n{i}" for i in range(45_001)]})
    parts = [bytes(part) for part in _json_parts(frame)]
    rows = [part for part in parts if part not in (b"[", b",", b"]")]
    assert len(rows) == 3  # three parts of at most 20,000 rows, between "[", commas and "]"
    assert b"".join(parts) == frame.write_json().encode()
