"""A client for BEA's Data API over ``requests``: throttled, retried, and never leaking the key.

- Every request first passes the per-key sliding-window limiter (``throttle.py``), which keeps
  requests, bytes and errors below BEA's per-minute limits; concurrent threads share it.
- Transient faults (5xx, timeouts, resets, empty bodies, HTML pages, truncated JSON) are
  retried with tenacity: exponential backoff with jitter, bounded in tries and total time.
- Permanent faults (bad key, bad table or parameter) fail at once with BEA's code and words.
- A 429 is honoured and remembered for the key in the shared budget: a Retry-After within
  ``max_lockout_wait_s`` is waited out; a longer one fails at once saying until when the key is
  locked out, and so does every later request of any process, without reaching BEA.
- ``requests`` puts the full URL, key included, in its exceptions: they are replaced by
  messages without it, and urllib3's debug lines are scrubbed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaError, BeaSchemaError, BeaThrottledError, BeaUnavailableError
from macro_assets.bea.throttle import KeyLockedOut, RateLimits, SlidingWindowLimiter, limiter_for

log = logging.getLogger(__name__)


class _RedactKeys(logging.Filter):
    """urllib3 logs request lines (the key is in the query) at DEBUG: scrub every key we use."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()

    def _scrub(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        for key in self.keys:
            value = value.replace(key, envelope.REDACTED)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._scrub(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._scrub(v) for k, v in record.args.items()}
        return True


_KEY_FILTER = _RedactKeys()
logging.getLogger("urllib3.connectionpool").addFilter(_KEY_FILTER)


class _LockedOutBriefly(BeaThrottledError):
    """A 429 whose Retry-After is short enough to wait out."""

    def __init__(self, message: str, retry_after_s: float):
        super().__init__(message, "429")
        self.retry_after_s = retry_after_s


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass
class BeaClient:
    api_url: str
    api_key: str = field(repr=False)
    timeout_s: float = 60.0
    max_answer_bytes: int = 200 * 1024 * 1024
    max_tries: int = 4
    max_retry_s: float = 120.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    max_lockout_wait_s: float = 300.0
    limits: RateLimits = field(default_factory=RateLimits)
    # Where the key's window is kept (``budget.py``); None: this process's memory.
    budget: Any = field(default=None, repr=False)
    calls: int = 0
    retries: int = 0
    throttled_s: float = 0.0
    http_429: int = 0

    def __post_init__(self) -> None:
        if self.api_key:
            _KEY_FILTER.keys.add(self.api_key)
        self.limiter: SlidingWindowLimiter = limiter_for(self.api_key, self.host, self.limits, self.budget)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    @property
    def host(self) -> str:
        return urlsplit(self.api_url).netloc

    def _session(self) -> requests.Session:
        # requests.Session is not documented as thread-safe: one per thread.
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def _count(self, **deltas: float) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)

    def _scrub(self, text: str) -> str:
        return text.replace(self.api_key, envelope.REDACTED) if self.api_key else text

    def _fetch(self, params: dict[str, str], context: str) -> tuple[bytes, int, str | None]:
        """One HTTP exchange: (body, status, Retry-After)."""
        query = {"UserID": self.api_key, **params, "ResultFormat": "JSON"}
        try:
            with self._session().get(self.api_url, params=query, timeout=self.timeout_s, stream=True) as resp:
                body = bytearray()
                for chunk in resp.iter_content(chunk_size=1 << 16):
                    body += chunk
                    if len(body) > self.max_answer_bytes:
                        raise BeaSchemaError(
                            f"BEA answer for {context} exceeds {self.max_answer_bytes} bytes"
                        )
                return bytes(body), resp.status_code, resp.headers.get("Retry-After")
        except requests.RequestException as exc:
            # `from None`: the chained exception's text carries the URL with the key.
            raise BeaUnavailableError(
                f"BEA API at {self.host} unreachable for {context}: {type(exc).__name__}"
            ) from None

    def _attempt(self, params: dict[str, str], context: str) -> tuple[bytes, dict[str, Any], int]:
        """Fetch and judge one answer, booking its bytes and verdict with the limiter exactly once."""
        try:
            booking, waited = self.limiter.acquire(self.max_lockout_wait_s)
        except KeyLockedOut as exc:
            raise BeaThrottledError(f"{context}: {exc}", "429") from None
        self._count(calls=1, throttled_s=waited)
        nbytes, ok = 0, False
        try:
            body, status, retry_after = self._fetch(params, context)
            nbytes = len(body)
            if status == 429:
                self._count(http_429=1)
                self._raise_429(context, _retry_after_seconds(retry_after))
            if status >= 500:
                raise BeaUnavailableError(f"BEA API at {self.host} answered HTTP {status} for {context}")
            if status != 200:
                raise BeaSchemaError(f"BEA API at {self.host} answered HTTP {status} for {context}")
            try:
                doc = envelope.decode(body, context)
            except BeaSchemaError as exc:
                # Empty bodies, HTML pages and truncated JSON come from overloaded BEA servers.
                exc.transient = True  # type: ignore[attr-defined]
                raise
            envelope.raise_for_errors(doc, context)
            ok = True
            return envelope.redact(body, self.api_key), doc, status
        finally:
            self.limiter.finish(booking, nbytes, error=not ok)

    def _raise_429(self, context: str, retry_after: float | None) -> None:
        wait = 3600.0 if retry_after is None else retry_after
        self.limiter.record_lockout(wait, f"HTTP 429 for {context}")
        until = (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%Y-%m-%d %H:%M:%S UTC")
        message = (
            f"BEA refused {context} with HTTP 429: the API key is locked out until about {until} "
            f"(Retry-After {wait:.0f} s)"
        )
        if wait <= self.max_lockout_wait_s:
            raise _LockedOutBriefly(message, wait)
        limit = f"; longer than the {self.max_lockout_wait_s:.0f} s this run may wait"
        raise BeaThrottledError(message + limit, "429")

    def _transient(self, exc: BaseException) -> bool:
        if isinstance(exc, _LockedOutBriefly | BeaUnavailableError):
            return True
        return isinstance(exc, BeaSchemaError) and getattr(exc, "transient", False)

    def request(self, params: dict[str, str], context: str) -> tuple[bytes, dict[str, Any], int]:
        """One call, retried while transient; returns the redacted bytes, the parsed answer, the status."""
        backoff = tenacity.wait_exponential_jitter(initial=self.backoff_initial_s, max=self.backoff_max_s)

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            return exc.retry_after_s if isinstance(exc, _LockedOutBriefly) else backoff(state)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            self._count(retries=1)
            exc = state.outcome.exception() if state.outcome else None
            log.warning("retrying %s after: %s", context, self._scrub(str(exc)))

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(self._transient),
            stop=tenacity.stop_after_attempt(self.max_tries)
            | tenacity.stop_after_delay(self.max_retry_s + self.max_lockout_wait_s),
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, params, context)
        except BeaError as exc:
            final = BeaThrottledError if isinstance(exc, _LockedOutBriefly) else type(exc)
            raise final(self._scrub(str(exc)), exc.code) from None

    def get_data(self, dataset: str, name: str, **params: str) -> envelope.Answer:
        """GetData with ``params`` as BEA names them (TableName or TableID included where the
        dataset takes one); ``name`` is the catalog's name of the table or request."""
        query = {"method": "GetData", "DatasetName": dataset, **params}
        context = f"{dataset}/{name}" + (f" line {params['LineCode']}" if "LineCode" in params else "")
        raw, doc, status = self.request(query, context)
        rows = envelope.data_rows(doc, context)
        envelope.check_fields(rows, dataset, context)
        return envelope.Answer(
            dataset=dataset,
            table_name=name,
            params={k: v for k, v in query.items() if k.lower() != "userid"},
            raw=raw,
            http_status=status,
            last_revised=envelope.vintage(doc, dataset, name),
            utc_production_time=envelope.production_time(doc),
            row_count=len(rows),
            title=envelope.title(doc, name),
        )

    def _param_values(self, query: dict[str, str], context: str) -> list[dict[str, Any]]:
        _, doc, _ = self.request(query, context)
        values = envelope.results_of(doc).get("ParamValue", [])
        return [values] if isinstance(values, dict) else [v for v in values if isinstance(v, dict)]

    def lockout(self) -> KeyLockedOut | None:
        """The key's lockout as recorded by any process sharing its budget, if still in force."""
        return self.limiter.lockout()

    def parameter_list(self, dataset: str) -> list[dict[str, Any]]:
        """GetParameterList: every GetData parameter of ``dataset``, as BEA describes it."""
        query = {"method": "GetParameterList", "DatasetName": dataset}
        _, doc, _ = self.request(query, f"{dataset} parameter list")
        found = envelope.results_of(doc).get("Parameter", [])
        return [found] if isinstance(found, dict) else [p for p in found if isinstance(p, dict)]

    def parameter_values(self, dataset: str, parameter: str) -> list[dict[str, Any]]:
        """GetParameterValues: the values ``parameter`` takes, each a {Key, Desc} (NIPA's
        TableName values are {TableName, Description})."""
        query = {"method": "GetParameterValues", "DatasetName": dataset, "ParameterName": parameter}
        return self._param_values(query, f"{dataset} {parameter} values")

    def table_names(self, dataset: str, parameter: str = "TableName") -> set[str]:
        return {value_key(v).upper() for v in self.parameter_values(dataset, parameter)} - {""}

    def line_values(self, dataset: str, table_name: str) -> list[dict[str, Any]]:
        """GetParameterValuesFiltered: the lines of a Regional table, each a {Key, Desc}."""
        query = {
            "method": "GetParameterValuesFiltered",
            "DatasetName": dataset,
            "TargetParameter": "LineCode",
            "TableName": table_name,
        }
        return self._param_values(query, f"{dataset}/{table_name} line codes")

    def line_codes(self, dataset: str, table_name: str) -> list[str]:
        values = self.line_values(dataset, table_name)
        return sorted({value_key(v) for v in values} - {""}, key=_numeric_first)


def value_key(value: dict[str, Any]) -> str:
    """The value itself in one of GetParameterValues' answers: ``Key`` for most datasets, the
    first field that is not a description for the rest (NIPA: ``TableName``, ``FrequencyID``)."""
    if "Key" in value:
        return str(value["Key"]).strip()
    return next((str(v).strip() for k, v in value.items() if k not in ("Desc", "Description")), "")


def _numeric_first(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (1 << 30, code)
