"""Wire codec: strict encoding on produce, tolerant decoding (with upcasting) on consume.

A Kafka message is the JSON envelope as value, `stream_id` as key, and `event_type`,
`event_version`, `correlation_id` as headers.

Personal-data fields (marked in the contracts) are sealed on encode with the subject's
key from the process's key store (`kabinet.privacy.payload.use_keystore`) and opened on
decode; once the subject's keys are destroyed they decode as the `ERASED` placeholder
(never an error). Plain values of old events still decode. Without a key store, encode
writes plain values and decode refuses sealed ones (`KeyStoreMissing`: a crash, no DLQ).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from marshmallow import Schema, ValidationError

from kabinet.contracts.base import strict
from kabinet.contracts.envelope import Envelope, EnvelopeSchema, rfc3339
from kabinet.contracts.registry import REGISTRY, EventSpec, Registry, UnknownEvent
from kabinet.privacy.crypto import Tampered
from kabinet.privacy.payload import open_payload, seal_payload

Headers = list[tuple[str, bytes]]


class ContractViolation(ValueError):
    """A producer tried to emit a payload its contract does not allow (a bug, never sent)."""


class DecodeError(ValueError):
    """A consumed message does not fit any contract: a poison message."""


class UnknownEventType(DecodeError):
    """A well-formed envelope of an event type this deployment does not know (yet).

    Topics grow by adding event types, so consumers skip these instead of dead-lettering.
    """


@dataclass(frozen=True)
class WireMessage:
    """What goes to Kafka for one envelope."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers


@cache
def _instance(schema: type[Schema]) -> Schema:
    """One instance per contract schema, reused: building one deep-copies its declared fields
    (most of a small event's decode time), and loading or dumping never changes it (strictness
    is a context variable, `kabinet.contracts.base.strict`), so threads may share it."""
    return schema()


def encode(envelope: Envelope, registry: Registry = REGISTRY) -> WireMessage:
    """Validate the payload strictly against its contract and render the wire message."""
    topic, payload = sealed_payload(envelope, registry)
    return _render(envelope, payload, topic)


def sealed_payload(envelope: Envelope, registry: Registry = REGISTRY) -> tuple[str, dict[str, Any]]:
    """The event's topic and its payload as it goes on the wire: validated strictly against its
    contract (`ContractViolation` otherwise), normalized, personal data sealed."""
    spec = _spec(envelope, registry)
    schema = _instance(spec.schema)
    try:
        with strict():
            payload = schema.dump(schema.load(dict(envelope.payload)))
    except ValidationError as exc:
        raise ContractViolation(f"{envelope.event_type}: {exc.messages}") from exc
    return spec.topic, seal_payload(spec.schema, payload, envelope.stream_id)


def encode_stored(envelope: Envelope, registry: Registry = REGISTRY) -> WireMessage:
    """The wire message of an event its store validated when it was appended (the outbox relay's
    case): not validated again — a contract changed by a deploy between the append and the
    publish must not stop the relay — only values stored plain before sealing existed are sealed."""
    spec = _spec(envelope, registry)
    return _render(
        envelope, seal_payload(spec.schema, dict(envelope.payload), envelope.stream_id), spec.topic
    )


def _spec(envelope: Envelope, registry: Registry) -> EventSpec:
    try:
        return registry.spec(envelope.event_type, envelope.event_version)
    except UnknownEvent as exc:
        raise ContractViolation(str(exc)) from exc


def _render(envelope: Envelope, payload: dict[str, Any], topic: str) -> WireMessage:
    body = {
        "event_id": envelope.event_id,
        "event_type": envelope.event_type,
        "event_version": envelope.event_version,
        "occurred_at": rfc3339(envelope.occurred_at),
        "producer": envelope.producer,
        "stream_id": envelope.stream_id,
        "stream_version": envelope.stream_version,
        "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id,
        "payload": payload,
    }
    return WireMessage(
        topic=topic,
        key=envelope.stream_id.encode(),
        value=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        headers=[
            ("event_type", envelope.event_type.encode()),
            ("event_version", str(envelope.event_version).encode()),
            ("correlation_id", envelope.correlation_id.encode()),
        ],
    )


def decode(value: bytes | None, registry: Registry = REGISTRY) -> Envelope:
    """Parse and validate a message value, upcasting the payload to the newest version.

    Unknown fields are ignored at every level; anything else wrong is a `DecodeError`.
    """
    try:
        raw = json.loads(value or b"")
        env = _instance(EnvelopeSchema).load(raw)
        if not registry.knows(env["event_type"]):
            raise UnknownEventType(f"{env['event_type']} v{env['event_version']}")
        opened = open_payload(registry.spec(env["event_type"], env["event_version"]).schema, env["payload"])
        version, payload = registry.upcast(env["event_type"], env["event_version"], opened)
        schema = _instance(registry.spec(env["event_type"], version).schema)
        clean: dict[str, Any] = schema.dump(schema.load(payload))
    except UnknownEventType:
        raise
    except (ValueError, TypeError, ValidationError, UnknownEvent, Tampered) as exc:
        raise DecodeError(f"{type(exc).__name__}: {exc}") from exc
    return Envelope(
        event_id=str(env["event_id"]),
        event_type=env["event_type"],
        event_version=version,
        occurred_at=env["occurred_at"],
        producer=env["producer"],
        stream_id=env["stream_id"],
        stream_version=env["stream_version"],
        correlation_id=env["correlation_id"],
        causation_id=env["causation_id"],
        payload=clean,
    )


def open_envelope(envelope: Envelope, registry: Registry = REGISTRY) -> Envelope:
    """The envelope with its personal data opened (stored events read back); no validation."""
    try:
        schema = registry.spec(envelope.event_type, envelope.event_version).schema
    except UnknownEvent:
        return envelope
    payload = open_payload(schema, dict(envelope.payload))
    return replace(envelope, payload=payload)
