"""Outcome events of the notifier (NotificationSent / NotificationFailed), appended once per notice."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from kabinet.eventstore import ConcurrencyConflict, EventStore, next_event


class Outcomes:
    """Appends each notice's outcome at version 1 of its own stream: a repeat is a no-op."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def record(
        self, event_type: str, payload: Mapping[str, Any], *, causation: str | None, version: int = 1
    ) -> None:
        """Append `NotificationSent` or `NotificationFailed` (version 1), or the receipt's
        `NotificationDelivered` (version 2), unless it is already stored."""
        stream = f"notification-{payload['notification_id']}"
        env = next_event(
            event_type,
            payload,
            producer="notifier",
            stream_id=stream,
            stream_version=version,
            causation=causation,
        )
        with contextlib.suppress(ConcurrencyConflict):  # recorded before a crash or redelivery
            self._store.append(env)
