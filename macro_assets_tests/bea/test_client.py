"""The client over real HTTP: against the sandbox, and against a server that misbehaves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bea_sandbox.server import Sandbox
from macro_assets.bea.client import BeaClient
from macro_assets.bea.errors import BeaAuthError, BeaBadRequestError, BeaUnavailableError
from macro_assets_tests.conftest import TEST_KEY


def test_get_data_redacts_and_reads_the_vintage(sandbox: Sandbox) -> None:
    client = BeaClient(sandbox.api_url, TEST_KEY)
    answer = client.get_data("NIPA", "T10101", TableName="T10101", Frequency="Q", Year="ALL")
    assert TEST_KEY.encode() not in answer.raw and b"REDACTED" in answer.raw
    assert answer.last_revised == date(2026, 10, 29)
    assert answer.row_count > 100 and "UserID" not in answer.params
    assert client.calls == 1


def test_invalid_key_fails_at_once_with_beas_words(sandbox: Sandbox) -> None:
    client = BeaClient(sandbox.api_url, "short-key")
    with pytest.raises(BeaAuthError, match="BEA error 1 .*Invalid API UserId"):
        client.get_data("NIPA", "T10101", TableName="T10101", Frequency="Q", Year="ALL")
    assert client.calls == 1  # permanent: not retried


def test_unknown_table_names_the_table(sandbox: Sandbox) -> None:
    with pytest.raises(BeaBadRequestError, match="T99999"):
        BeaClient(sandbox.api_url, TEST_KEY).get_data(
            "NIPA", "T99999", TableName="T99999", Frequency="A", Year="ALL"
        )


def test_table_list(sandbox: Sandbox) -> None:
    assert {"T10101", "T20804"} <= BeaClient(sandbox.api_url, TEST_KEY).table_names("NIPA")


def test_unreachable_server_message_has_no_key() -> None:
    client = BeaClient("http://127.0.0.1:9/api/data", TEST_KEY, max_tries=2, backoff_initial_s=0.01)
    with pytest.raises(BeaUnavailableError) as info:
        client.get_data("NIPA", "T10101", TableName="T10101", Frequency="Q", Year="ALL")
    assert TEST_KEY not in str(info.value) and info.value.__cause__ is None
    assert client.calls == 2 and client.retries == 1


class _Flaky(BaseHTTPRequestHandler):
    """Answers 503 first, then forwards to the sandbox's answer recorded in ``body``."""

    hits = 0
    body = b""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits += 1
        status, body = (503, b"busy") if type(self).hits == 1 else (200, type(self).body)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def flaky(sandbox: Sandbox) -> Iterator[str]:
    import requests

    _Flaky.hits = 0
    _Flaky.body = requests.get(
        sandbox.api_url,
        params={
            "UserID": TEST_KEY,
            "method": "GetData",
            "DatasetName": "NIPA",
            "TableName": "T10106",
            "Frequency": "A",
            "Year": "ALL",
            "ResultFormat": "JSON",
        },
        timeout=10,
    ).content
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/data"
    server.shutdown()
    server.server_close()


def test_server_fault_is_retried_then_succeeds(flaky: str) -> None:
    client = BeaClient(flaky, TEST_KEY, backoff_initial_s=0.01)
    answer = client.get_data("NIPA", "T10106", TableName="T10106", Frequency="A", Year="ALL")
    assert answer.row_count > 0 and client.retries == 1 and client.calls == 2
    assert TEST_KEY.encode() not in answer.raw
