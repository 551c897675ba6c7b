"""The sandbox enforces BEA's limits with a lockout, and injects the faults BEA produces."""

from __future__ import annotations

import pytest
import requests

from bea_sandbox.faults import Fault, FaultPlan, parse_fault
from bea_sandbox.limits import Limits
from bea_sandbox.server import Sandbox, SandboxSettings

KEY = "11111111-2222-4333-8444-555555555555"


def call(s: Sandbox, key: str = KEY, table: str = "T10106", **extra: str) -> requests.Response:
    params = {
        "UserID": key,
        "method": "GetData",
        "DatasetName": "NIPA",
        "TableName": table,
        "Frequency": "A",
        "Year": "2020",
        "ResultFormat": "JSON",
        **extra,
    }
    return requests.get(s.api_url, params=params, timeout=10)


def test_going_over_the_request_limit_locks_the_key_out() -> None:
    limits = Limits(max_requests=5, window_s=60, lockout_s=3600)
    with Sandbox(settings=SandboxSettings(limits=limits)) as s:
        assert [call(s).status_code for _ in range(5)] == [200] * 5
        refused = call(s)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "3600"
        assert refused.headers["Content-Type"].startswith("application/xml")
        assert refused.text.startswith("<?xml")
        assert call(s, key="99999999-2222-4333-8444-555555555555").status_code == 200  # per key


def test_lockout_counts_down_and_ends() -> None:
    limits = Limits(max_requests=1, window_s=0.2, lockout_s=1.0)
    with Sandbox(settings=SandboxSettings(limits=limits)) as s:
        assert call(s).status_code == 200
        assert call(s).headers["Retry-After"] == "1"
        import time

        time.sleep(1.1)
        assert call(s).status_code == 200


def test_too_many_errors_lock_out_too() -> None:
    limits = Limits(max_errors=3, window_s=60)
    with Sandbox(settings=SandboxSettings(limits=limits)) as s:
        statuses = [call(s, table="T99999").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_bytes_limit() -> None:
    limits = Limits(max_bytes=10_000, window_s=60)
    with Sandbox(settings=SandboxSettings(limits=limits)) as s:
        first = call(s, Year="ALL")
        assert first.status_code == 200 and len(first.content) > 10_000
        assert call(s).status_code == 429


@pytest.mark.parametrize(
    "kind, check",
    [
        ("5xx", lambda r: r.status_code == 503 and r.text.startswith("<html>")),
        ("empty", lambda r: r.status_code == 200 and r.content == b""),
        (
            "html",
            lambda r: r.status_code == 200 and b"<html>" in r.content and r.content.startswith(b'{"BEAAPI"'),
        ),
        (
            "truncated",
            lambda r: (
                r.status_code == 200
                and r.content.startswith(b'{"BEAAPI"')
                and not r.content.rstrip().endswith(b"}")
            ),
        ),
        ("api_error", lambda r: r.json()["BEAAPI"]["Results"]["Error"]["APIErrorCode"] == "201"),
        ("extra_field", lambda r: all(row["EXTRA_FIELD"] for row in r.json()["BEAAPI"]["Results"]["Data"])),
        (
            "missing_field",
            lambda r: all("UNIT_MULT" not in row for row in r.json()["BEAAPI"]["Results"]["Data"]),
        ),
    ],
)
def test_faults_fire_the_given_number_of_times(kind: str, check) -> None:  # noqa: ANN001
    plan = FaultPlan([Fault(kind, "T10106", times=1)])
    with Sandbox(settings=SandboxSettings(faults=plan)) as s:
        assert check(call(s))
        healthy = call(s)
    assert healthy.status_code == 200 and "EXTRA_FIELD" not in healthy.text
    assert plan.fired == [(kind, "T10106")]


def test_dropped_connection_and_slow_answer() -> None:
    plan = FaultPlan([Fault("drop", times=1), Fault("slow", times=1, delay_s=1.0)])
    with Sandbox(settings=SandboxSettings(faults=plan)) as s:
        with pytest.raises(requests.ConnectionError):
            call(s)
        with pytest.raises(requests.Timeout):
            requests.get(
                s.api_url,
                params={
                    "UserID": KEY,
                    "method": "GetData",
                    "DatasetName": "NIPA",
                    "TableName": "T10106",
                    "Frequency": "A",
                    "Year": "2020",
                },
                timeout=0.3,
            )


def test_faults_target_their_table_only() -> None:
    plan = FaultPlan([Fault("5xx", "T10101")])
    with Sandbox(settings=SandboxSettings(faults=plan)) as s:
        assert call(s, table="T10106").status_code == 200
        assert call(s, table="T10101").status_code == 503
        assert call(s, table="T10101").status_code == 503  # no count: every time


def test_fault_specs() -> None:
    assert parse_fault("5xx:T10101:2") == Fault("5xx", "T10101", 2)
    assert parse_fault("empty") == Fault("empty")
    assert parse_fault("html:*:3") == Fault("html", None, 3)
    with pytest.raises(ValueError, match="unknown fault"):
        parse_fault("meteor")
