"""Benchmark: how close does the client get to BEA's request limit, without drawing a 429?

Starts the BEA sandbox on 127.0.0.1 with BEA's limits on a shortened window, fetches 300
table answers through one client with concurrent workers, and prints the achieved share of
the allowed request rate and the 429s drawn. Then the back-to-back case: three captures of
``--requests / 3`` answers each, one after another, each in a process of its own, one key, its
limits shared through one budget file: their achieved share of the request limit together, and
the 429s drawn (a process-local limiter draws one at the second capture). Not a test: nothing
here asserts a time.

    .venv/bin/python bench/fetch_rate.py [--window 3] [--requests 300] [--workers 8]
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bea_sandbox.limits import Limits
from bea_sandbox.regional import REGIONAL_TABLES
from bea_sandbox.server import Sandbox, SandboxSettings
from bea_sandbox.tables import TABLES
from macro_assets.bea.budget import FileStore
from macro_assets.bea.client import BeaClient
from macro_assets.bea.harvest import run_concurrently
from macro_assets.bea.throttle import RateLimits

KEY = "BE4C0000-0000-4000-8000-000000000300"


def units(n: int) -> list[tuple[str, str, dict[str, str]]]:
    """``n`` GetData requests over every table and line the sandbox serves (one recent year each)."""
    pool = [
        (t.dataset, t.name, {"TableName": t.name, "Frequency": t.frequencies[0], "Year": "2024"})
        for t in TABLES.values()
    ]
    pool += [
        (
            "Regional",
            t.name,
            {"TableName": t.name, "LineCode": str(line.code), "GeoFips": "STATE", "Year": "2022"},
        )
        for t in REGIONAL_TABLES.values()
        for line in t.lines
    ]
    return list(itertools.islice(itertools.cycle(pool), n))


def capture(api_url: str, key: str, budget: str, window: float, requests: int, workers: int) -> None:
    """One capture in this process (the back-to-back case's child): prints its request count."""
    client = BeaClient(
        api_url, key, limits=RateLimits(window_s=window), max_lockout_wait_s=0, budget=FileStore(budget)
    )
    run_concurrently(units(requests), lambda u: client.get_data(u[0], u[1], **u[2]).row_count, workers)
    client.close()
    print(json.dumps({"requests": client.calls, "throttle_wait_s": round(client.throttled_s, 3)}))


def back_to_back(sandbox: Sandbox, key: str, window: float, requests: int, workers: int) -> dict[str, object]:
    served_before = len(sandbox.served)
    with tempfile.TemporaryDirectory() as tmp:
        budget = f"{tmp}/bea_budget.json"
        children = []
        for _ in range(3):
            argv = [sys.executable, __file__, "--capture", sandbox.api_url, key, budget]
            argv += ["--window", str(window), "--requests", str(requests), "--workers", str(workers)]
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"a back-to-back capture failed: {done.stderr.strip().splitlines()[-1]}")
            children.append(json.loads(done.stdout.strip().splitlines()[-1]))
    served = sandbox.served[served_before:]
    span = served[-1].at - served[0].at
    allowed_rate = sandbox.settings.limits.max_requests / window
    return {
        "captures": 3,
        "requests": len(served),
        "span_s": round(span, 3),
        "achieved_rate_per_s": round(len(served) / span, 2),
        "fetch_rate_fraction": round(len(served) / span / allowed_rate, 3),
        "http_429": sum(1 for s in served if s.status == 429),
        "throttle_wait_s": [c["throttle_wait_s"] for c in children],
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--capture":
        api_url, key, budget = sys.argv[2:5]
        child = argparse.ArgumentParser()
        child.add_argument("--window", type=float)
        child.add_argument("--requests", type=int)
        child.add_argument("--workers", type=int)
        opts = child.parse_args(sys.argv[5:])
        capture(api_url, key, budget, opts.window, opts.requests, opts.workers)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=3.0, help="rate-limit window in seconds (BEA: 60)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("bench/fetch_rate.json"))
    args = parser.parse_args()

    limits = Limits(window_s=args.window, lockout_s=3600)
    with Sandbox(settings=SandboxSettings(limits=limits)) as sandbox:
        client = BeaClient(
            sandbox.api_url, KEY, limits=RateLimits(window_s=args.window), max_lockout_wait_s=0
        )
        work = units(args.requests)
        started = time.monotonic()
        run_concurrently(work, lambda u: client.get_data(u[0], u[1], **u[2]).row_count, args.workers)
        elapsed = time.monotonic() - started
        client.close()
        refused = sandbox.limiter.refused
        # A key of its own: the first measurement's requests must not count against it.
        shared = back_to_back(sandbox, KEY[:-3] + "301", args.window, args.requests // 3, args.workers)
    allowed_rate = limits.max_requests / args.window
    result = {
        "requests": client.calls,
        "window_s": args.window,
        "workers": args.workers,
        "elapsed_s": round(elapsed, 3),
        "achieved_rate_per_s": round(client.calls / elapsed, 2),
        "allowed_rate_per_s": round(allowed_rate, 2),
        "fetch_rate_fraction": round(client.calls / elapsed / allowed_rate, 3),
        "http_429": refused,
        "throttle_wait_s": round(client.throttled_s, 2),
        "back_to_back": shared,
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
