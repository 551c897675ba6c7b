"""The client against a sandbox that fails as BEA fails, over real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from bea_sandbox.faults import Fault, FaultPlan
from bea_sandbox.limits import Limits
from bea_sandbox.server import Sandbox, SandboxSettings
from macro_assets.bea.client import BeaClient
from macro_assets.bea.errors import (
    BeaBadRequestError,
    BeaSchemaError,
    BeaThrottledError,
    BeaUnavailableError,
)
from macro_assets.bea.throttle import RateLimits


@pytest.fixture
def faults() -> FaultPlan:
    return FaultPlan()


@pytest.fixture
def faulty(faults: FaultPlan) -> Iterator[Sandbox]:
    with Sandbox(settings=SandboxSettings(faults=faults)) as s:
        yield s


def client(sandbox: Sandbox, api_key: str, **kw: object) -> BeaClient:
    return BeaClient(sandbox.api_url, api_key, backoff_initial_s=0.01, backoff_max_s=0.05, **kw)  # type: ignore[arg-type]


def fetch(c: BeaClient, table: str = "T10106"):  # noqa: ANN201
    return c.get_data("NIPA", table, TableName=table, Frequency="A", Year="ALL")


@pytest.mark.parametrize("kind", ["5xx", "drop", "empty", "html", "truncated"])
def test_transient_faults_are_retried_to_the_right_data(
    faulty: Sandbox, faults: FaultPlan, api_key: str, kind: str
) -> None:
    expected = fetch(client(faulty, api_key))
    faults.add(Fault(kind, "T10106", times=2))
    c = client(faulty, api_key)
    answer = fetch(c)
    assert (c.calls, c.retries) == (3, 2)
    assert answer.row_count == expected.row_count and answer.last_revised == expected.last_revised


def test_a_slow_answer_times_out_and_is_retried(faulty: Sandbox, faults: FaultPlan, api_key: str) -> None:
    faults.add(Fault("slow", "T10106", times=1, delay_s=1.0))
    c = client(faulty, api_key, timeout_s=0.3)
    assert fetch(c).row_count > 0 and c.retries == 1


def test_persistent_faults_give_up_within_bounds(faulty: Sandbox, faults: FaultPlan, api_key: str) -> None:
    faults.add(Fault("5xx", "T10106"))
    c = client(faulty, api_key, max_tries=3)
    with pytest.raises(BeaUnavailableError, match="answered HTTP 503 for NIPA/T10106"):
        fetch(c)
    assert c.calls == 3


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("truncated", r"was cut short: JSON ends after \d+ bytes \("),
        ("html", r"was HTML or XML instead of JSON \(from byte \d+ of \d+\)"),
        ("empty", r"was an empty body \(0 bytes\)"),
    ],
)
def test_a_persistent_broken_answer_names_the_table_and_what_bea_sent(
    faulty: Sandbox, faults: FaultPlan, api_key: str, kind: str, said: str
) -> None:
    faults.add(Fault(kind, "T10106"))
    with pytest.raises(BeaSchemaError, match=rf"^BEA answer for NIPA/T10106 {said}") as raised:
        fetch(client(faulty, api_key, max_tries=2))
    assert "\n" not in str(raised.value) and api_key not in str(raised.value)


def test_an_error_inside_http_200_fails_at_once(faulty: Sandbox, faults: FaultPlan, api_key: str) -> None:
    faults.add(Fault("api_error", "T10106"))
    c = client(faulty, api_key)
    with pytest.raises(BeaBadRequestError, match="BEA error 201 for NIPA/T10106: .*Injected fault"):
        fetch(c)
    assert c.calls == 1


def test_schema_drift(faulty: Sandbox, faults: FaultPlan, api_key: str) -> None:
    faults.add(Fault("extra_field", "T10106", times=1))
    answer = fetch(client(faulty, api_key))
    assert b'"EXTRA_FIELD":"schema drift"' in answer.raw  # kept as BEA sent it
    faults.add(Fault("missing_field", "T10106", times=1))
    with pytest.raises(BeaSchemaError, match="NIPA/T10106 lacks required field UNIT_MULT"):
        fetch(client(faulty, api_key))


def test_a_short_lockout_is_waited_out(api_key: str) -> None:
    limits = Limits(max_requests=2, window_s=0.5, lockout_s=1.0)
    with Sandbox(settings=SandboxSettings(limits=limits)) as s:
        # The client believes the limit is higher than the sandbox's, so it draws a 429.
        c = client(s, api_key, limits=RateLimits(max_requests=50, window_s=0.5))
        started = time.monotonic()
        for _ in range(3):
            fetch(c)
        assert c.http_429 == 1 and time.monotonic() - started >= 1.0


def test_a_long_lockout_fails_at_once_saying_until_when(api_key: str) -> None:
    limits = Limits(max_requests=1, window_s=60, lockout_s=3600)
    with Sandbox(settings=SandboxSettings(limits=limits)) as s:
        c = client(s, api_key, limits=RateLimits(max_requests=50, window_s=60))
        fetch(c)
        started = time.monotonic()
        with pytest.raises(
            BeaThrottledError, match=r"locked out until about .* UTC \(Retry-After 3600 s\)"
        ) as info:
            fetch(c)
        assert time.monotonic() - started < 1.0 and c.calls == 2
        assert api_key not in str(info.value)


def test_concurrent_clients_sharing_a_key_draw_no_429(api_key: str) -> None:
    """Two runs' worth of threads on one key, against BEA's limits on a 1-second window."""
    limits = Limits(max_requests=20, window_s=1.0, lockout_s=3600)
    ours = RateLimits(max_requests=20, window_s=1.0)
    with Sandbox(settings=SandboxSettings(limits=limits)) as s:
        clients = [client(s, api_key, limits=ours) for _ in range(2)]
        errors: list[BaseException] = []

        def work(c: BeaClient) -> None:
            try:
                for _ in range(15):
                    c.get_data("NIPA", "T10106", TableName="T10106", Frequency="A", Year="2020")
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(c,)) for c in clients for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not errors and s.limiter.refused == 0
        assert sum(c.calls for c in clients) == 60 and sum(c.throttled_s for c in clients) > 0
