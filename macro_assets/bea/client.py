"""A small client for BEA's Data API over ``requests``.

Retries of transient faults use tenacity (bounded in tries and total time, exponential
backoff with jitter) rather than a hand-written loop. Every message that leaves this module
has the API key removed: ``requests`` puts the full URL, key included, in its exceptions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

from macro_assets.bea import envelope
from macro_assets.bea.errors import BeaError, BeaSchemaError, BeaThrottledError, BeaUnavailableError

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


@dataclass
class BeaClient:
    api_url: str
    api_key: str = field(repr=False)
    timeout_s: float = 60.0
    max_answer_bytes: int = 200 * 1024 * 1024
    max_tries: int = 4
    max_retry_s: float = 120.0
    backoff_initial_s: float = 1.0
    session: requests.Session = field(default_factory=requests.Session, repr=False)
    calls: int = 0
    retries: int = 0

    def __post_init__(self) -> None:
        if self.api_key:
            _KEY_FILTER.keys.add(self.api_key)

    @property
    def host(self) -> str:
        return urlsplit(self.api_url).netloc

    def _scrub(self, text: str) -> str:
        return text.replace(self.api_key, envelope.REDACTED) if self.api_key else text

    def _fetch(self, params: dict[str, str], context: str) -> tuple[bytes, int]:
        query = {"UserID": self.api_key, **params, "ResultFormat": "JSON"}
        self.calls += 1
        try:
            with self.session.get(self.api_url, params=query, timeout=self.timeout_s, stream=True) as resp:
                body = bytearray()
                for chunk in resp.iter_content(chunk_size=1 << 16):
                    body += chunk
                    if len(body) > self.max_answer_bytes:
                        raise BeaSchemaError(
                            f"BEA answer for {context} exceeds {self.max_answer_bytes} bytes"
                        )
                status = resp.status_code
                retry_after = resp.headers.get("Retry-After")
        except requests.RequestException as exc:
            # `from None`: the chained exception's text carries the URL with the key.
            raise BeaUnavailableError(
                f"BEA API at {self.host} unreachable for {context}: {type(exc).__name__}"
            ) from None
        if status == 429:
            raise BeaThrottledError(
                f"BEA refused {context} with HTTP 429 (rate limit); key locked out, "
                f"Retry-After {retry_after or '?'} s"
            )
        if status >= 500:
            raise BeaUnavailableError(f"BEA API at {self.host} answered HTTP {status} for {context}")
        if status != 200:
            raise BeaSchemaError(f"BEA API at {self.host} answered HTTP {status} for {context}")
        return envelope.redact(bytes(body), self.api_key), status

    def _transient(self, exc: BaseException) -> bool:
        # Empty bodies, HTML pages and truncated JSON come from overloaded BEA servers.
        return isinstance(exc, BeaUnavailableError) or (
            isinstance(exc, BeaSchemaError) and "exceeds" not in str(exc) and "HTTP 4" not in str(exc)
        )

    def request(self, params: dict[str, str], context: str) -> tuple[bytes, dict[str, Any], int]:
        """One call, retried while transient; returns the redacted bytes, the parsed answer, the status."""

        def attempt() -> tuple[bytes, dict[str, Any], int]:
            raw, status = self._fetch(params, context)
            doc = envelope.decode(raw)
            envelope.raise_for_errors(doc, context)
            return raw, doc, status

        def before_sleep(state: tenacity.RetryCallState) -> None:
            self.retries += 1
            exc = state.outcome.exception() if state.outcome else None
            log.warning("retrying %s after: %s", context, self._scrub(str(exc)))

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(self._transient),
            stop=tenacity.stop_after_attempt(self.max_tries) | tenacity.stop_after_delay(self.max_retry_s),
            wait=tenacity.wait_exponential_jitter(initial=self.backoff_initial_s, max=30),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except BeaError as exc:
            raise type(exc)(self._scrub(str(exc)), exc.code) from None

    def get_data(self, dataset: str, table_name: str, **params: str) -> envelope.Answer:
        query = {"method": "GetData", "DatasetName": dataset, "TableName": table_name, **params}
        context = f"{dataset}/{table_name}"
        raw, doc, status = self.request(query, context)
        rows = envelope.data_rows(doc, context)
        return envelope.Answer(
            dataset=dataset,
            table_name=table_name,
            params={k: v for k, v in query.items() if k.lower() != "userid"},
            raw=raw,
            http_status=status,
            last_revised=envelope.last_revised(doc, table_name),
            utc_production_time=envelope.production_time(doc),
            row_count=len(rows),
        )

    def table_names(self, dataset: str) -> set[str]:
        query = {"method": "GetParameterValues", "DatasetName": dataset, "ParameterName": "TableName"}
        _, doc, _ = self.request(query, f"{dataset} table list")
        values = envelope.results_of(doc).get("ParamValue", [])
        values = [values] if isinstance(values, dict) else values
        return {str(v.get("TableName", v.get("Key", ""))).upper() for v in values if isinstance(v, dict)}
