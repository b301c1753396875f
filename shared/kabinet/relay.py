"""Outbox relay: publishes unpublished appends in order, then marks them sent.

A crash after Kafka acknowledged but before the mark re-sends the batch: a duplicate,
which consumers absorb; never a loss. One relay per service holds a lease in Mongo so
two relays never interleave a stream's events.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from kabinet.contracts.codec import encode_stored
from kabinet.doorbell import Door
from kabinet.eventstore import EventStore, to_envelope
from kabinet.mongo import Doc

log = logging.getLogger(__name__)


class Producer(Protocol):
    """The part of `KafkaProducer` the relay uses."""

    def send(self, topic: str, *, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> Any: ...

    def flush(self, timeout: float | None = None) -> None: ...


class Lease:
    """A single-document lease: whoever holds it is the only relay running."""

    def __init__(self, db: Database[Doc], name: str, ttl: timedelta = timedelta(seconds=15)) -> None:
        self._coll = db["leases"]
        self._name = name
        self._ttl = ttl
        self.owner = str(uuid.uuid4())
        self._renewed_at: float | None = None  # monotonic time of our last successful renewal

    def acquire(self) -> bool:
        """Take or renew the lease; False while another live owner holds it.

        Renewed at most every third of its TTL: in between it is surely still ours, and the
        relay's 50 ms loop does not cost the server a write each turn.
        """
        if (
            self._renewed_at is not None
            and time.monotonic() - self._renewed_at < self._ttl.total_seconds() / 3
        ):
            return True
        started, now = time.monotonic(), datetime.now(UTC)
        try:
            self._coll.find_one_and_update(
                {"_id": self._name, "$or": [{"owner": self.owner}, {"until": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "until": now + self._ttl}},
                upsert=True,
            )
        except DuplicateKeyError:
            self._renewed_at = None
            return False
        self._renewed_at = started
        return True

    def release(self) -> None:
        """Give the lease up."""
        self._renewed_at = None
        self._coll.delete_one({"_id": self._name, "owner": self.owner})


class OutboxRelay:
    """Moves appends from the event store to Kafka."""

    def __init__(self, store: EventStore, producer: Producer, *, batch_size: int = 500) -> None:
        self._store = store
        self._producer = producer
        self._batch = batch_size

    def publish_pending(self, timeout: float = 30.0) -> int:
        """Publish one batch with `acks=all`, mark it sent; the number published."""
        docs = self._store.unpublished(self._batch)
        if not docs:
            return 0
        futures = []
        for doc in docs:
            wire = encode_stored(to_envelope(doc))
            futures.append(
                self._producer.send(doc["topic"], key=wire.key, value=wire.value, headers=wire.headers)
            )
        self._producer.flush(timeout)
        for f in futures:
            f.get(timeout=timeout)  # raises if any send failed: nothing is marked
        self._store.mark_published([d["_id"] for d in docs])
        return len(docs)

    def run(
        self,
        stop: threading.Event,
        lease: Lease,
        idle_sleep: float = 0.05,
        idle_max: float = 0.1,
        door: Door | None = None,
        door_idle: float = 0.5,
    ) -> None:
        """Publish until `stop` is set, while holding the lease.

        With a doorbell (`door`), the relay waits between batches for an append's ring, and
        polls the store anyway every `door_idle` s (a lost ring costs latency, not an event).
        Without one, an empty store is polled every `idle_sleep` s; after a second with nothing
        to publish the pause doubles up to `idle_max` (an idle service costs the server half the
        reads), and the first batch found brings it back down. `idle_max` is also the most the
        first event after a quiet spell waits for, on every hop of a chain of services.
        """
        pause, empty_for = idle_sleep, 0.0
        while not stop.is_set():
            if not lease.acquire():
                stop.wait(1.0)
                continue
            published = self.publish_pending()
            if published >= self._batch:
                continue  # more are waiting
            if door is not None:
                door.wait(door_idle)  # rings during the batch wake it at once
                continue
            if published > 0:
                pause, empty_for = idle_sleep, 0.0
                continue
            stop.wait(pause)
            empty_for += pause
            if empty_for >= 1.0:
                pause = min(pause * 2, idle_max)
        lease.release()
