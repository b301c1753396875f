"""Append-only event store whose documents double as the outbox.

An append is one document with `_id = "<stream_id>:<stream_version>"`: the unique id
gives optimistic concurrency without transactions, and `published: false` marks it for
the relay. One command appends one event per stream, so a decision is never half-stored.
The stored payload is the encoded one: personal data sealed (never plain in the outbox);
`load` and `all` open it again.

`seq`, the append order the relay publishes in, costs no round trip: microseconds since the
epoch, strictly increasing within the process and within each stream (above the seq of the
stream's previous event, known from the `load` that preceded the decision, read otherwise).
Counter values of older stores are small numbers, so they still sort first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from kabinet.contracts import REGISTRY, Envelope, new_envelope, open_envelope
from kabinet.contracts.codec import sealed_payload
from kabinet.doorbell import Bell
from kabinet.logs import causation_id, correlation_id
from kabinet.mongo import Doc

MARK_BULK = 50
HEADS_KEPT = 10_000  # streams whose last seq an event store remembers


class ConcurrencyConflict(RuntimeError):
    """Another writer appended at this stream version first."""


class EventStore:
    """Events of one service, in `<db>.events`, with a per-stream and a global order."""

    def __init__(
        self,
        db: Database[Doc],
        collection: str = "events",
        *,
        topic_prefix: str = "",
        bell: Bell | None = None,
    ) -> None:
        self._db = db
        self._bell = bell or Bell(None)
        self._prefix = topic_prefix
        self._events: Collection[Doc] = db[collection]
        self._heads: OrderedDict[str, int] = OrderedDict()  # stream → seq of its last event seen
        self._last_seq = 0
        self._lock = threading.Lock()

    def create_indexes(self) -> None:
        """Indexes for stream loads, the relay's scan and event-id lookups."""
        self._events.create_index([("stream_id", ASCENDING), ("stream_version", ASCENDING)])
        self._events.create_index([("published", ASCENDING), ("seq", ASCENDING)])
        self._events.create_index([("event_id", ASCENDING)], unique=True)
        self._events.create_index([("payload.account_id", ASCENDING)])  # a subject's export, erasure

    def append(self, envelope: Envelope) -> None:
        """Store one event at its stream version, or raise `ConcurrencyConflict`."""
        topic, payload = sealed_payload(envelope)  # strict: an event that breaks its contract is never stored
        doc = {
            "_id": f"{envelope.stream_id}:{envelope.stream_version}",
            "seq": self._next_seq(envelope.stream_id, envelope.stream_version),
            "topic": self._prefix + topic,
            "event_id": envelope.event_id,
            "event_type": envelope.event_type,
            "event_version": envelope.event_version,
            "occurred_at": envelope.occurred_at,
            "producer": envelope.producer,
            "stream_id": envelope.stream_id,
            "stream_version": envelope.stream_version,
            "correlation_id": envelope.correlation_id,
            "causation_id": envelope.causation_id,
            "payload": payload,
            "published": False,
        }
        try:
            self._events.insert_one(doc)
        except DuplicateKeyError as exc:
            raise ConcurrencyConflict(doc["_id"]) from exc
        self._bell.ring()  # the relay publishes it now rather than at its next poll

    def load(self, stream_id: str) -> list[Envelope]:
        """Every event of a stream, oldest first."""
        docs = list(self._events.find({"stream_id": stream_id}).sort("stream_version", ASCENDING))
        if docs:
            self._remember(stream_id, docs[-1].get("seq"))
        return [open_envelope(to_envelope(d)) for d in docs]

    def version(self, stream_id: str) -> int:
        """The stream's current version (0 when it does not exist)."""
        last = self._events.find_one(
            {"stream_id": stream_id}, sort=[("stream_version", -1)], projection=["stream_version", "seq"]
        )
        if last is None:
            return 0
        self._remember(stream_id, last.get("seq"))
        return int(last["stream_version"])

    def _next_seq(self, stream_id: str, version: int) -> int:
        floor = 0
        if version > 1:
            with self._lock:
                floor = self._heads.get(stream_id, 0)
            if not floor:  # not read here: the previous event's own seq
                prev = self._events.find_one({"_id": f"{stream_id}:{version - 1}"}, projection=["seq"])
                floor = int(prev.get("seq") or 0) if prev else 0
        with self._lock:
            seq = max(time.time_ns() // 1000, self._last_seq + 1, floor + 1)
            self._last_seq = seq
        self._remember(stream_id, seq)
        return seq

    def _remember(self, stream_id: str, seq: object) -> None:
        if not isinstance(seq, int):
            return
        with self._lock:
            self._heads[stream_id] = max(seq, self._heads.get(stream_id, 0))
            self._heads.move_to_end(stream_id)
            while len(self._heads) > HEADS_KEPT:
                self._heads.popitem(last=False)

    def unpublished(self, limit: int) -> list[Doc]:
        """The oldest appends not yet confirmed by Kafka, in append order."""
        return list(self._events.find({"published": False}).sort("seq", ASCENDING).limit(limit))

    def mark_published(self, ids: list[str]) -> None:
        """Record that Kafka acknowledged these appends.

        One `{_id}` update each, sent in bulks: an `$in` filter is not pushed down by FerretDB
        (a scan of the whole store), and its SQLite backend stalls on bulks of 100 or more.
        """
        now = datetime.now(UTC)
        mark = {"$set": {"published": True, "published_at": now}}
        for start in range(0, len(ids), MARK_BULK):
            chunk = ids[start : start + MARK_BULK]
            self._events.bulk_write([UpdateOne({"_id": i}, mark) for i in chunk], ordered=False)

    def all(self, after_seq: int = 0) -> Iterator[Envelope]:
        """Every stored event in append order (operators' audit and replays)."""
        for d in self._events.find({"seq": {"$gt": after_seq}}).sort("seq", ASCENDING):
            yield open_envelope(to_envelope(d))


def to_envelope(doc: dict[str, Any]) -> Envelope:
    """Rebuild the envelope from its stored document."""
    occurred = doc["occurred_at"]
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    return Envelope(
        event_id=doc["event_id"],
        event_type=doc["event_type"],
        event_version=doc["event_version"],
        occurred_at=occurred,
        producer=doc["producer"],
        stream_id=doc["stream_id"],
        stream_version=doc["stream_version"],
        correlation_id=doc["correlation_id"],
        causation_id=doc["causation_id"],
        payload=doc["payload"],
    )


def next_event(
    event_type: str,
    payload: Mapping[str, Any],
    *,
    producer: str,
    stream_id: str,
    stream_version: int,
    event_id: str | None = None,
    causation: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """A new envelope at the contract's newest version, in the current correlation context.

    The causation is the event being handled (from the consumer loop) unless given.
    """
    return new_envelope(
        event_type,
        payload,
        event_version=REGISTRY.latest(event_type).version,
        producer=producer,
        stream_id=stream_id,
        stream_version=stream_version,
        correlation_id=correlation_id(),
        causation_id=causation or causation_id(),
        event_id=event_id,
        occurred_at=occurred_at,
    )
