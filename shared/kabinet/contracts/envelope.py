"""The event envelope every Kabinet message carries (API.md part B)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import fields

from kabinet.contracts.base import Contract


@dataclass(frozen=True)
class Envelope:
    """One event: identity, type and version, stream position, causality, payload."""

    event_id: str
    event_type: str
    event_version: int
    occurred_at: datetime
    producer: str
    stream_id: str
    stream_version: int
    correlation_id: str
    causation_id: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)


def new_envelope(
    event_type: str,
    payload: Mapping[str, Any],
    *,
    event_version: int,
    producer: str,
    stream_id: str,
    stream_version: int,
    correlation_id: str,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
    event_id: str | None = None,
) -> Envelope:
    """A fresh envelope with a new event id, stamped now unless told otherwise."""
    return Envelope(
        event_id=event_id or str(uuid.uuid4()),
        event_type=event_type,
        event_version=event_version,
        occurred_at=occurred_at or datetime.now(UTC),
        producer=producer,
        stream_id=stream_id,
        stream_version=stream_version,
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=dict(payload),
    )


class EnvelopeSchema(Contract):
    """Wire form of the envelope; the payload is checked by its own schema."""

    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True)
    event_version = fields.Integer(required=True, strict=True)
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    producer = fields.String(required=True)
    stream_id = fields.String(required=True)
    stream_version = fields.Integer(required=True, strict=True)
    correlation_id = fields.String(required=True)
    causation_id = fields.String(load_default=None, allow_none=True)
    payload = fields.Dict(required=True)


def rfc3339(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds and a `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
