"""Faults the sandbox can inject, by flag or per table, to drill the client's handling."""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = (
    "5xx",  # HTTP 503 with IIS's HTML page
    "slow",  # answer after a delay (the client's timeout should fire)
    "drop",  # close the connection without answering
    "empty",  # HTTP 200 with an empty body (BEA's server-side timeout)
    "html",  # HTTP 200 with a JSON prefix and an HTML error page after it
    "truncated",  # HTTP 200 with JSON cut in the middle
    "api_error",  # an error inside HTTP 200
    "extra_field",  # schema drift: every Data row gains a field
    "missing_field",  # schema drift: every Data row loses UNIT_MULT
)


@dataclass
class Fault:
    kind: str
    table: str | None = None  # None: every GetData request
    times: int | None = None  # None: every time; N: the first N matching requests
    delay_s: float = 5.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(KINDS)}")


def parse_fault(spec: str) -> Fault:
    """``KIND[:TABLE[:TIMES]]``, e.g. ``5xx:T10101:2``; TABLE may be ``*``."""
    parts = spec.split(":")
    kind = parts[0]
    table = parts[1] if len(parts) > 1 and parts[1] not in ("", "*") else None
    times = int(parts[2]) if len(parts) > 2 and parts[2] else None
    return Fault(kind, table.upper() if table else None, times)


class FaultPlan:
    """The faults in force; each one with ``times`` is used up as it fires."""

    def __init__(self, faults: list[Fault] | None = None):
        self._faults = list(faults or [])
        self._lock = threading.Lock()
        self.fired: list[tuple[str, str]] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, table: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.table not in (None, table.upper()):
                    continue
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                self.fired.append((fault.kind, table))
                return fault
        return None
