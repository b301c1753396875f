"""Challenge streams in the event store: domain events ↔ contract envelopes, append + outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kabinet.contracts import Envelope
from kabinet.eventstore import EventStore, next_event
from verification.domain import (
    Binding,
    Challenge,
    CodeIssued,
    CodeRejected,
    Confirmed,
    Event,
    Failed,
    Superseded,
    evolve,
)
from verification.projection import ChallengeProjection

PRODUCER = "verification"
# every event type of a challenge stream (`_payload` and `to_event` map them)
CHALLENGE_EVENTS = (
    "VerificationRequested",
    "CodeRejected",
    "ContactConfirmed",
    "VerificationFailed",
    "ChallengeSuperseded",
)


STREAM_PREFIX = "challenge-"


def stream_of(challenge_id: str) -> str:
    """The event stream (and Kafka key) of one challenge."""
    return f"{STREAM_PREFIX}{challenge_id}"


class Challenges:
    """Loads and saves challenges; every save also updates the lookup projection."""

    def __init__(self, store: EventStore, projection: ChallengeProjection) -> None:
        self._store = store
        self._projection = projection

    def load(self, challenge_id: str, upto: int | None = None) -> tuple[Challenge | None, int]:
        """The state and stream version, current or as of version `upto` (None, 0: no such challenge)."""
        state: Challenge | None = None
        version = 0
        for env in self._store.load(stream_of(challenge_id)):
            if upto is not None and env.stream_version > upto:
                break
            state, version = evolve(state, to_event(env)), env.stream_version
        return state, version

    def state_at(self, env: Envelope) -> tuple[Challenge | None, int]:
        """The challenge as of `env`, an event of its stream: a first event is read from itself."""
        if env.stream_version == 1:
            return evolve(None, to_event(env)), 1
        return self.load(str(env.payload["challenge_id"]), upto=env.stream_version)

    def save(self, state: Challenge | None, version: int, events: Sequence[Event]) -> Challenge | None:
        """Append `events` after `version` (ConcurrencyConflict if someone was first); the new state."""
        for event in events:
            version += 1
            self._store.append(to_envelope(event, version))
            state = evolve(state, event)
        if state is not None:
            self._projection.apply(state, version)
        return state

    def reproject(self, state: Challenge, version: int) -> None:
        """Bring the projection up to the stream (after a crash between append and projection)."""
        self._projection.apply(state, version)


def to_envelope(event: Event, version: int) -> Envelope:
    """The contract envelope of a domain event at `version` of its challenge stream."""
    event_type, payload = _payload(event)
    return next_event(
        event_type,
        payload,
        producer=PRODUCER,
        stream_id=stream_of(event.challenge_id),
        stream_version=version,
        occurred_at=event.at,
    )


def _binding(b: Binding) -> dict[str, Any]:
    return {
        "account_id": b.account_id,
        "purpose": b.purpose,
        "request_id": b.request_id,
        "channel": b.channel,
    }


def _payload(event: Event) -> tuple[str, dict[str, Any]]:
    base = {"challenge_id": event.challenge_id, **_binding(event.binding)}
    if isinstance(event, CodeIssued):
        return "VerificationRequested", {
            **base,
            "destination": event.destination,
            "code": event.code,
            "link_token": event.link_token,
            "expires_at": event.expires_at.isoformat(),
            "locale": event.locale,
            "code_hash": event.code_hash,
            "link_hash": event.link_hash,
        }
    if isinstance(event, CodeRejected):
        return "CodeRejected", {**base, "attempts_left": event.attempts_left}
    if isinstance(event, Confirmed):
        return "ContactConfirmed", {**base, "destination": event.destination}
    if isinstance(event, Failed):
        return "VerificationFailed", {**base, "reason": event.reason}
    return "ChallengeSuperseded", {**base, "superseded_by": event.by}


def to_event(env: Envelope) -> Event:
    """The domain event stored in an envelope of a challenge stream."""
    p, at = env.payload, env.occurred_at
    binding = Binding(p["account_id"], p["purpose"], p.get("request_id"), p["channel"])
    cid = str(p["challenge_id"])
    if env.event_type == "VerificationRequested":
        return CodeIssued(
            challenge_id=cid,
            binding=binding,
            destination=p["destination"],
            locale=p.get("locale") or "ru",
            code=p["code"],
            link_token=p.get("link_token"),
            code_hash=p["code_hash"],
            link_hash=p.get("link_hash"),
            expires_at=_when(p["expires_at"]),
            at=at,
        )
    if env.event_type == "CodeRejected":
        return CodeRejected(cid, binding, int(p["attempts_left"]), at)
    if env.event_type == "ContactConfirmed":
        return Confirmed(cid, binding, p["destination"], at)
    if env.event_type == "VerificationFailed":
        return Failed(cid, binding, p["reason"], at)
    if env.event_type == "ChallengeSuperseded":
        return Superseded(cid, binding, str(p["superseded_by"]), at)
    raise ValueError(f"not a challenge event: {env.event_type}")


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
