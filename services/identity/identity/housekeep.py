"""`python -m identity.housekeep [--every SECONDS]`: delete expired throttles and sessions.

Throttle documents (sign-in back-off, recovery and registration quotas) are only useful
while their window runs or their lock holds, sessions and refresh tokens until they expire;
TTL indexes are not an option (FerretDB), so this removes the rest: one pass, or one every
`--every` seconds until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from identity.config import Settings, Throttling
from identity.sessions import SessionStore
from identity.throttle import Throttle
from kabinet.logs import configure_logging
from kabinet.runtime import Runtime


def longest_window(policy: Throttling) -> timedelta:
    """A window older than every configured one has ended for every kind of key."""
    p = policy
    windows = (p.window_seconds, p.registrations_ip_window_seconds, p.registrations_contact_window_seconds)
    return timedelta(seconds=max(windows))


def housekeep(runtime: Runtime, settings: Settings, *, now: datetime | None = None) -> dict[str, int]:
    """One pass: what was deleted, by collection."""
    throttle = Throttle(runtime.db["throttle"], settings.throttling)  # by age only: ids are not read
    sessions = SessionStore(runtime.db, refresh_ttl=timedelta(seconds=settings.refresh_ttl))
    return {
        "throttle": throttle.purge_expired(older_than=longest_window(settings.throttling), now=now),
        **sessions.purge_expired(now=now),
    }


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Parse the command line and run one pass, or one every `--every` seconds."""
    parser = argparse.ArgumentParser(prog="python -m identity.housekeep")
    parser.add_argument("--every", type=float, default=0.0, help="repeat every N seconds (0: once)")
    args = parser.parse_args(argv)
    settings = Settings.from_env(env)
    configure_logging("identity-housekeep", settings.infra.log_level, settings.infra.log_json)
    runtime = Runtime.open(settings.infra)
    stop = threading.Event()
    if args.every > 0 and threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    try:
        while True:
            print(json.dumps({"deleted": housekeep(runtime, settings)}), flush=True)
            if args.every <= 0 or stop.wait(args.every):
                return 0
    finally:
        runtime.close()


if __name__ == "__main__":
    sys.exit(main())
