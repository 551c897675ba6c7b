"""BEA's Data API as a resource: the real API when ``BEA_API_KEY`` is set, else the sandbox."""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import dagster as dg
import requests
from pydantic import Field

from macro_assets.bea import budget
from macro_assets.bea.calendar import parse_release_dates
from macro_assets.bea.client import BeaClient
from macro_assets.bea.errors import BeaAuthError, BeaThrottledError, BeaUnavailableError
from macro_assets.bea.throttle import RateLimits

BEA_API_URL = "https://apps.bea.gov/api/data"
BEA_RELEASE_CALENDAR_URL = "https://apps.bea.gov/API/signup/release_dates.json"
# What the pipeline presents to its own sandbox when no real key is configured.
SANDBOX_KEY = "00000000-0000-4000-8000-00000000sbox"

ENV_VARS = {
    "api_key": "BEA_API_KEY",
    "api_url": "BEA_API_URL",
    "calendar_url": "BEA_RELEASE_CALENDAR_URL",
    "sandbox_now": "BEA_SANDBOX_NOW",
    "budget_url": "BEA_BUDGET_URL",
}


def sandbox_chosen() -> bool:
    """The sandbox only when the user chose it: ``BEA_SANDBOX=1``, or the demo's setting (no key,
    no BEA_API_URL, the embedded PostgreSQL)."""
    chosen = os.environ.get("BEA_SANDBOX")
    if chosen is not None:
        return chosen.strip().lower() in ("1", "true", "yes")
    return not any(os.environ.get(name) for name in ("BEA_API_URL", "DATABASE_URL"))


_sandboxes: dict[str | None, object] = {}
_lock = threading.Lock()


def _embedded_sandbox(now: str | None) -> tuple[str, str]:
    """Start (once per process) the offline sandbox on a free loopback port."""
    try:
        from bea_sandbox.server import Sandbox, SandboxSettings
    except ImportError:
        # The production image leaves the sandbox out (Dockerfile).
        raise RuntimeError(
            "the BEA sandbox is not installed here (it is for the demo and the tests): set BEA_API_KEY"
        ) from None

    with _lock:
        if now not in _sandboxes:
            settings = SandboxSettings()
            if now:
                fixed = datetime.fromisoformat(now)
                settings.clock = lambda: fixed
            _sandboxes[now] = Sandbox(settings=settings)
        sandbox = _sandboxes[now]
    return sandbox.api_url, sandbox.calendar_url  # type: ignore[attr-defined]


class BeaApiResource(dg.ConfigurableResource):
    """Set ``BEA_API_KEY`` to talk to BEA. Without it the pipeline runs offline against the
    sandbox it starts on 127.0.0.1 (``BEA_SANDBOX_NOW`` pins the sandbox's clock), but only
    where the user chose it (``sandbox_chosen``): with the embedded PostgreSQL and no
    ``BEA_API_URL``, or with ``BEA_SANDBOX=1``."""

    # Each of these falls back to its environment variable when unset: Dagster replaces a
    # resource's whole config when a run's config sets any field, so a run that overrides
    # ``timeout_s`` alone would otherwise lose the key and the URL and talk to the sandbox.
    api_key: str | None = Field(default=None, repr=False, description="BEA API key (BEA_API_KEY)")
    api_url: str | None = Field(default=None, description=f"BEA_API_URL; unset: {BEA_API_URL}")
    calendar_url: str | None = Field(
        default=None, description=f"BEA_RELEASE_CALENDAR_URL; unset: {BEA_RELEASE_CALENDAR_URL}"
    )
    sandbox_now: str | None = Field(default=None, description="BEA_SANDBOX_NOW: the sandbox's clock")
    sandbox_allowed: bool | None = Field(
        default=None,
        description="whether a missing api_key means the sandbox (made-up numbers) or an error; "
        "unset: BEA_SANDBOX, else only with the embedded PostgreSQL and no BEA_API_URL",
    )
    timeout_s: float = Field(default=60.0, description="timeout of every HTTP request")
    max_tries: int = Field(default=4, description="tries of a request with transient faults")
    backoff_initial_s: float = 1.0
    max_lockout_wait_s: float = Field(default=300.0, description="longest 429 Retry-After to wait out")
    fetch_concurrency: int = Field(default=4, description="requests in flight at once")
    # BEA's per-key limits, and the window they apply over (shorten it in benchmarks).
    max_requests_per_window: int = 100
    max_bytes_per_window: int = 100 * 1000 * 1024
    max_errors_per_window: int = 30
    window_s: float = 60.0
    budget_url: str | None = Field(
        default=None,
        description="where every process using the key shares BEA's limits (BEA_BUDGET_URL): a file "
        "path or postgresql://…; unset: $DAGSTER_HOME/bea_budget.json",
    )

    def _setting(self, field: str) -> str | None:
        value = getattr(self, field)
        return value if value else (os.environ.get(ENV_VARS[field]) or None)

    @property
    def key(self) -> str | None:
        return self._setting("api_key")

    @property
    def endpoint(self) -> str:
        return self._setting("api_url") or BEA_API_URL

    @property
    def calendar_endpoint(self) -> str:
        return self._setting("calendar_url") or BEA_RELEASE_CALENDAR_URL

    @property
    def pinned_now(self) -> str | None:
        return self._setting("sandbox_now")

    @property
    def may_use_sandbox(self) -> bool:
        return self.sandbox_allowed if self.sandbox_allowed is not None else sandbox_chosen()

    def rate_limits(self) -> RateLimits:
        return RateLimits(
            self.max_requests_per_window, self.max_bytes_per_window, self.max_errors_per_window, self.window_s
        )

    @property
    def offline(self) -> bool:
        return not self.key

    def _endpoints(self) -> tuple[str, str, str]:
        if self.offline and not self.may_use_sandbox:
            # The sandbox's numbers are made up: they must never reach a real warehouse unasked.
            raise BeaAuthError(
                "BEA_API_KEY is not set: set it to fetch from BEA (the sandbox is used only with the "
                "embedded PostgreSQL and no BEA_API_URL, or with BEA_SANDBOX=1)"
            )
        if self.offline:
            api_url, calendar_url = _embedded_sandbox(self.pinned_now)
            return SANDBOX_KEY, api_url, calendar_url
        return str(self.key), self.endpoint, self.calendar_endpoint

    def budget_location(self) -> str | None:
        """The shared store's URL; None for the embedded sandbox, which lives in this process."""
        if self.offline:
            return None
        if self._setting("budget_url"):
            return self._setting("budget_url")
        home = os.environ.get("DAGSTER_HOME") or os.path.join(os.path.expanduser("~"), ".dagster")
        return os.path.join(home, "bea_budget.json")

    def budget_store(self) -> budget.MemoryStore | budget.FileStore | budget.PostgresStore:
        location = self.budget_location()
        if location is None:
            return budget.process_store()
        if location.startswith(("postgresql", "postgres:")):
            from macro_assets.resources.warehouse import normalise_url

            location = normalise_url(location)
        return budget.shared_store(location)

    def raise_if_locked_out(self) -> None:
        """Fail at once, sending nothing, while BEA holds the key locked out (as any process saw)."""
        reason = self.lockout_reason()
        if reason is not None:
            raise BeaThrottledError(reason, "429")

    def lockout_reason(self) -> str | None:
        with self.client() as client:
            lockout = client.lockout()
        return str(lockout) if lockout else None

    @contextmanager
    def client(self) -> Iterator[BeaClient]:
        key, api_url, _ = self._endpoints()
        client = BeaClient(
            api_url=api_url,
            api_key=key,
            timeout_s=self.timeout_s,
            max_tries=self.max_tries,
            backoff_initial_s=self.backoff_initial_s,
            max_lockout_wait_s=self.max_lockout_wait_s,
            limits=self.rate_limits(),
            budget=self.budget_store(),
        )
        try:
            yield client
        finally:
            client.close()

    def release_calendar(self) -> dict[str, list[datetime]]:
        _, _, url = self._endpoints()
        try:
            resp = requests.get(url, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise BeaUnavailableError(
                f"BEA release calendar {url} unreachable: {type(exc).__name__}"
            ) from None
        if resp.status_code != 200:
            raise BeaUnavailableError(f"BEA release calendar {url} answered HTTP {resp.status_code}")
        return parse_release_dates(resp.content)

    def now(self) -> datetime:
        """BEA's clock: the embedded sandbox's when pinned (``BEA_SANDBOX_NOW``), else the real one."""
        if self.offline and self.pinned_now:
            return datetime.fromisoformat(self.pinned_now)
        return datetime.now(UTC)

    def source(self) -> str:
        """What the answers are, as stored beside them: "sandbox" (made up) or "bea"."""
        self._endpoints()
        return "sandbox" if self.offline else "bea"

    def describe(self) -> str:
        if self.offline and not self.may_use_sandbox:
            return "no BEA API (BEA_API_KEY is not set)"
        if self.offline:
            api_url, _ = _embedded_sandbox(self.pinned_now)
            return f"BEA sandbox at {api_url} (no BEA_API_KEY set)"
        return f"BEA API at {self.endpoint}"
