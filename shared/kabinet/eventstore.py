"""Append-only event store whose documents double as the outbox.

An append is one document with `_id = "<stream_id>:<stream_version>"`: the unique id
gives optimistic concurrency without transactions, and `published: false` marks it for
the relay. One command appends one event per stream, so a decision is never half-stored.
The stored payload is the encoded one: personal data sealed (never plain in the outbox);
`load` and `all` open it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from kabinet.contracts import REGISTRY, Envelope, encode, new_envelope, open_envelope
from kabinet.logs import causation_id, correlation_id
from kabinet.mongo import Doc, next_sequence

MARK_BULK = 50


class ConcurrencyConflict(RuntimeError):
    """Another writer appended at this stream version first."""


class EventStore:
    """Events of one service, in `<db>.events`, with a per-stream and a global order."""

    def __init__(self, db: Database[Doc], collection: str = "events", *, topic_prefix: str = "") -> None:
        self._db = db
        self._prefix = topic_prefix
        self._events: Collection[Doc] = db[collection]
        self._seq_name = f"{collection}.seq"

    def create_indexes(self) -> None:
        """Indexes for stream loads, the relay's scan and event-id lookups."""
        self._events.create_index([("stream_id", ASCENDING), ("stream_version", ASCENDING)])
        self._events.create_index([("published", ASCENDING), ("seq", ASCENDING)])
        self._events.create_index([("event_id", ASCENDING)], unique=True)
        self._events.create_index([("payload.account_id", ASCENDING)])  # a subject's export, erasure

    def append(self, envelope: Envelope) -> None:
        """Store one event at its stream version, or raise `ConcurrencyConflict`."""
        wire = encode(envelope)  # strict: an event that breaks its contract is never stored
        doc = {
            "_id": f"{envelope.stream_id}:{envelope.stream_version}",
            "seq": next_sequence(self._db, self._seq_name),
            "topic": self._prefix + wire.topic,
            "event_id": envelope.event_id,
            "event_type": envelope.event_type,
            "event_version": envelope.event_version,
            "occurred_at": envelope.occurred_at,
            "producer": envelope.producer,
            "stream_id": envelope.stream_id,
            "stream_version": envelope.stream_version,
            "correlation_id": envelope.correlation_id,
            "causation_id": envelope.causation_id,
            "payload": json.loads(wire.value)["payload"],
            "published": False,
        }
        try:
            self._events.insert_one(doc)
        except DuplicateKeyError as exc:
            raise ConcurrencyConflict(doc["_id"]) from exc

    def load(self, stream_id: str) -> list[Envelope]:
        """Every event of a stream, oldest first."""
        cursor = self._events.find({"stream_id": stream_id}).sort("stream_version", ASCENDING)
        return [open_envelope(to_envelope(d)) for d in cursor]

    def version(self, stream_id: str) -> int:
        """The stream's current version (0 when it does not exist)."""
        last = self._events.find_one(
            {"stream_id": stream_id}, sort=[("stream_version", -1)], projection=["stream_version"]
        )
        return int(last["stream_version"]) if last else 0

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
