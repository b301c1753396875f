"""Counts of the Mongo commands a process sends, by command and collection (a profiling aid).

    KABINET_MONGO_COUNTS=/tmp/counts make run        # or any service process

With the variable set, every client made by `kabinet.mongo.connect` reports to one
listener and the process rewrites `<dir>/<app>-<pid>.json` every two seconds: how many
times each `command collection` pair was sent, and their total round-trip time. Dividing by
the number of requests or events driven gives the round trips each one costs — the unit of
work of a MongoDB-protocol server.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from pathlib import Path

from pymongo import monitoring

ENV = "KABINET_MONGO_COUNTS"
_PERIOD = 2.0


class CommandCounts(monitoring.CommandListener):
    """Thread-safe tallies of succeeded and failed commands."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[int, int], str] = {}  # (connection id hash, request id) → key
        self.calls: Counter[str] = Counter()
        self.micros: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        """Note what the command is about: the reply names only the command."""
        target = event.command.get(event.command_name)
        where = f"{event.database_name}.{target}" if isinstance(target, str) else event.database_name
        with self._lock:
            self._pending[(hash(event.connection_id), event.request_id)] = f"{event.command_name} {where}"

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Count one command."""
        self._tally(event, "")

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Count a failed command too: it cost the server a round trip."""
        self._tally(event, " (failed)")

    def _tally(
        self, event: monitoring.CommandSucceededEvent | monitoring.CommandFailedEvent, suffix: str
    ) -> None:
        micros = event.duration_micros
        with self._lock:
            key = (
                self._pending.pop((hash(event.connection_id), event.request_id), event.command_name) + suffix
            )
            self.calls[key] += 1
            self.micros[key] += micros

    def snapshot(self) -> dict[str, dict[str, int]]:
        """`{"<command> <db>": {"calls": n, "micros": t}}`, busiest first."""
        with self._lock:
            return {k: {"calls": n, "micros": self.micros[k]} for k, n in self.calls.most_common()}


_LISTENER: CommandCounts | None = None
_GUARD = threading.Lock()


def listeners(app_name: str) -> list[monitoring.CommandListener]:
    """The listener to give a new client: one per process when `KABINET_MONGO_COUNTS` is set."""
    global _LISTENER
    target = os.environ.get(ENV)
    if not target:
        return []
    with _GUARD:
        if _LISTENER is None:
            _LISTENER = CommandCounts()
            path = Path(target) / f"{app_name}-{os.getpid()}.json"
            threading.Thread(target=_dump_forever, args=(_LISTENER, path), daemon=True).start()
        return [_LISTENER]


def _dump_forever(counts: CommandCounts, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        time.sleep(_PERIOD)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(counts.snapshot(), indent=1))
        tmp.replace(path)
