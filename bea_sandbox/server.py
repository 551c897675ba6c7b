"""The sandbox's HTTP server: /api/data and /API/signup/release_dates.json on 127.0.0.1."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from bea_sandbox import answers, schedule
from bea_sandbox.clock import SteppedClock
from bea_sandbox.faults import Fault, FaultPlan
from bea_sandbox.limits import KeyLimiter, Limits
from bea_sandbox.replay import Recordings

CHARSET = "ISO-8859-1"
_KEY_SHAPE = re.compile(r"^[0-9A-Za-z-]{36}$")


@dataclass
class SandboxSettings:
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    replay_dir: Path | None = None
    # None accepts any key shaped like BEA's (36 characters); a set accepts only those.
    known_keys: set[str] | None = None
    limits: Limits = field(default_factory=Limits)
    faults: FaultPlan = field(default_factory=FaultPlan)


_XML_429 = (
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n<BEAAPI><Results><Error APIErrorCode="429" '
    'APIErrorDescription="Too many requests: the UserID is locked out."/></Results></BEAAPI>'
).encode(CHARSET)
_IIS_503 = (
    b"<html><head><title>Service Unavailable</title></head><body><h2>Service Unavailable</h2></body></html>"
)


@dataclass(frozen=True)
class Served:
    """One request to /api/data as the sandbox saw it (for tests and benchmarks to count)."""

    at: float
    key: str
    method: str
    table: str
    line_code: str
    status: int


class _Handler(BaseHTTPRequestHandler):
    server_version = "Microsoft-IIS/10.0"
    protocol_version = "HTTP/1.1"
    settings: SandboxSettings
    limiter: KeyLimiter
    served: list[Served]
    recordings: Recordings | None

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        # The default handler logs the request line, which carries the API key.
        pass

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> int:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        return len(body)

    def _encode(self, doc: object) -> bytes:
        # BEA's answers are compact: no space after a comma or a colon (the samples are).
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(CHARSET, errors="replace")

    def do_POST(self) -> None:  # noqa: N802
        """``POST /sandbox/publish``: a test publishes the next release (stepped clock only)."""
        clock = self.settings.clock
        if urlsplit(self.path).path != "/sandbox/publish" or not isinstance(clock, SteppedClock):
            self._send(
                404, b"<html><body><h1>404 - File or directory not found.</h1></body></html>", "text/html"
            )
            return
        released = clock.publish_next()
        body = json.dumps({"published": released.isoformat(), "now": clock().isoformat()}).encode()
        self._send(200, body, "application/json")

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        now = self.settings.clock()
        if url.path.lower() == "/api/signup/release_dates.json":
            return self._release_dates(now)
        if url.path.lower() not in ("/api/data", "/api/data/"):
            self._send(
                404, b"<html><body><h1>404 - File or directory not found.</h1></body></html>", "text/html"
            )
            return None
        echo = parse_qsl(url.query, keep_blank_values=True)
        params = {k.lower(): v for k, v in echo}
        key = params.get("userid", "")
        retry_after = self.limiter.admit(key)
        self.served.append(
            Served(
                time.time(),
                key,
                params.get("method", "").lower(),
                params.get("tablename", ""),
                params.get("linecode", ""),
                429 if retry_after is not None else 200,
            )
        )
        if retry_after is not None:
            self._send(429, _XML_429, f"application/xml;charset={CHARSET}", {"Retry-After": str(retry_after)})
            return None
        fault = None
        if params.get("method", "").lower() == "getdata":
            fault = self.settings.faults.take(params.get("tablename", ""))
        reply, error = self._serve(params, echo, now, fault)
        # Counted before the bytes go out: a client that reads the answer and asks again at once
        # must meet the updated tally, as it does at BEA.
        self.limiter.record(key, len(reply[1]) if reply else 0, error)
        if reply is None:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._send(*reply)
        return None

    def _serve(
        self, params: dict[str, str], echo: list[tuple[str, str]], now: datetime, fault: Fault | None
    ) -> tuple[tuple[int, bytes, str] | None, bool]:
        """The reply to send (status, body, content type), None to drop the connection; and
        whether it counts as an error against the key."""
        kind = fault.kind if fault else None
        if kind == "slow":
            time.sleep(fault.delay_s)  # type: ignore[union-attr]
        if kind == "drop":
            return None, True
        if kind == "5xx":
            return (503, _IIS_503, "text/html"), True
        if kind == "empty":
            return (200, b"", f"application/json;charset={CHARSET}"), True
        try:
            if kind == "api_error":
                raise answers.ApiError("201", "Error retrieving NIPA/Fixed Assets data.", "Injected fault")
            doc, error = self._answer(params, echo, now), False
        except answers.ApiError as err:
            doc, error = answers.error_answer(echo, err), True
        if not error and kind in ("extra_field", "missing_field"):
            for row in doc["BEAAPI"]["Results"]["Data"]:
                if kind == "extra_field":
                    row["EXTRA_FIELD"] = "schema drift"
                else:
                    row.pop("UNIT_MULT", None)
        body = self._encode(doc)
        if kind == "html":
            body = body[:120] + b"\r\n<html><body><h1>Server Error in '/api' Application.</h1></body></html>"
        elif kind == "truncated":
            body = body[: len(body) // 2]
        return (200, body, f"application/json;charset={CHARSET}"), error or kind in ("html", "truncated")

    def _release_dates(self, now: datetime) -> None:
        if self.settings.replay_dir is not None:
            path = self.settings.replay_dir / "release_dates.json"
            self._send(200, path.read_bytes(), "application/json")
            return
        doc = answers_release_dates(now)
        self._send(200, json.dumps(doc).encode(), "application/json")

    def _answer(self, params: dict[str, str], echo: list[tuple[str, str]], now: datetime) -> dict:
        key = params.get("userid", "")
        if not _KEY_SHAPE.match(key):
            raise answers.ApiError("1", "Invalid API UserId.", top_level=True)
        if self.settings.known_keys is not None and key not in self.settings.known_keys:
            raise answers.ApiError(
                "3", "The BEA API UserID provided in the request does not exist.", top_level=True
            )
        method = params.get("method", "").lower()
        if method == "getdatasetlist":
            return answers.get_dataset_list(echo)
        # Recorded answers (--replay) or the modelled ones: the same four methods.
        source = self.recordings if self.recordings is not None else answers
        if method == "getparameterlist":
            return source.get_parameter_list(params, echo)
        if method == "getparametervalues":
            return source.get_parameter_values(params, echo)
        if method == "getparametervaluesfiltered":
            return source.get_parameter_values_filtered(params, echo)
        if method == "getdata":
            return source.get_data(params, echo, now)
        raise answers.ApiError("2", "Unknown method requested.")


def answers_release_dates(now: datetime) -> dict[str, object]:
    # BEA rewrites the file now and then; the sandbox says it did so at the start of this month.
    return schedule.release_dates_document(now.replace(day=1, hour=6, minute=0, second=0, microsecond=0))


class Sandbox:
    """A running sandbox on 127.0.0.1; use as a context manager or call ``close()``."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", settings: SandboxSettings | None = None):
        self.settings = settings or SandboxSettings()
        self.limiter = KeyLimiter(self.settings.limits)
        # Every request to /api/data, in order (list.append is atomic across handler threads).
        self.served: list[Served] = []
        recordings = Recordings(self.settings.replay_dir) if self.settings.replay_dir is not None else None
        shared = {
            "settings": self.settings,
            "limiter": self.limiter,
            "served": self.served,
            "recordings": recordings,
        }
        handler = type("Handler", (_Handler,), shared)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="bea-sandbox", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/data"

    @property
    def calendar_url(self) -> str:
        return f"{self.base_url}/API/signup/release_dates.json"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
