"""``bea-sandbox --port P``: serve the BEA sandbox until interrupted."""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import datetime
from pathlib import Path

from bea_sandbox import county_scale
from bea_sandbox.clock import SteppedClock
from bea_sandbox.faults import KINDS, FaultPlan, parse_fault
from bea_sandbox.limits import Limits
from bea_sandbox.server import Sandbox, SandboxSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bea-sandbox", description="A BEA Data API sandbox on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        help="pretend it is this moment (ISO 8601 with offset); default: the real clock",
    )
    parser.add_argument(
        "--vintages",
        type=int,
        metavar="N",
        help="start just after the N-th release of the schedule (a history of N vintages); "
        "POST /sandbox/publish publishes the next one",
    )
    parser.add_argument(
        "--replay",
        type=Path,
        help="serve recorded BEA answers: every *.json under DIR, matched by its echoed request "
        "(DIR/release_dates.json: the calendar)",
    )
    parser.add_argument(
        "--key",
        action="append",
        dest="keys",
        help="accept only this API key (repeatable); default: any 36-character key",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[:TABLE[:TIMES]]",
        help=f"inject a fault (repeatable); kinds: {', '.join(KINDS)}",
    )
    parser.add_argument(
        "--county-scale",
        action="store_true",
        help="serve every county table at BEA's scale (~50 million observations a vintage)",
    )
    parser.add_argument("--slow-seconds", type=float, default=5.0, help="delay of the 'slow' fault")
    parser.add_argument("--window-seconds", type=float, default=60.0, help="length of the rate-limit window")
    parser.add_argument("--max-requests", type=int, default=100)
    parser.add_argument("--max-bytes", type=int, default=100 * 1000 * 1024)
    parser.add_argument("--max-errors", type=int, default=30)
    parser.add_argument("--lockout-seconds", type=float, default=3600.0)
    args = parser.parse_args(argv)
    try:
        faults = [parse_fault(spec) for spec in args.fault]
    except ValueError as exc:
        parser.error(str(exc))
    for fault in faults:
        fault.delay_s = args.slow_seconds
    limits = Limits(
        args.max_requests, args.max_bytes, args.max_errors, args.window_seconds, args.lockout_seconds
    )
    settings = SandboxSettings(
        replay_dir=args.replay,
        known_keys=set(args.keys) if args.keys else None,
        limits=limits,
        faults=FaultPlan(faults),
    )
    if args.vintages is not None:
        try:
            settings.clock = SteppedClock.after_releases(args.vintages)
        except ValueError as exc:
            parser.error(str(exc))
    elif args.now is not None:
        if args.now.tzinfo is None:
            parser.error("--now needs a UTC offset, e.g. 2026-11-25T09:00:00-05:00")
        settings.clock = lambda: args.now
    if args.county_scale:
        county_scale.enable()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Sandbox(port=args.port, settings=settings) as sandbox:
        print(
            f"BEA sandbox serving {sandbox.api_url} (calendar: {sandbox.calendar_url}); "
            f"BEA's clock: {settings.clock().isoformat()}",
            flush=True,
        )
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
