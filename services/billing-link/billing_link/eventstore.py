"""Link streams in the event store (the outbox): domain events ⇄ `kabinet.services.events`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from billing_link.domain import (
    BalanceLow,
    Event,
    Link,
    LinkFailed,
    LinkRequested,
    Service,
    ServiceLinked,
    ServiceUnlinked,
    fold,
)
from kabinet.contracts import Envelope
from kabinet.eventstore import EventStore, next_event

PRODUCER = "billing-link"


@dataclass(frozen=True)
class Loaded:
    """A link's state, the version it is at (0: no such stream) and that version's time."""

    state: Link | None
    version: int
    at: datetime | None = None


class LinkStore:
    """Loads and appends link streams; `stream_id` = link id = Kafka key."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def load(self, link_id: str, upto: int | None = None) -> Loaded:
        """Replay the stream of `link_id` (up to version `upto`)."""
        envelopes = [e for e in self._store.load(link_id) if upto is None or e.stream_version <= upto]
        state = fold(from_envelope(e) for e in envelopes)
        if not envelopes:
            return Loaded(state, 0)
        return Loaded(state, envelopes[-1].stream_version, envelopes[-1].occurred_at)

    def append(self, link_id: str, version: int, event: Event) -> datetime:
        """Store `event` at `version`, or raise `ConcurrencyConflict`; the time it is stored at."""
        event_type, payload = to_payload(event)
        envelope = next_event(
            event_type, payload, producer=PRODUCER, stream_id=link_id, stream_version=version
        )
        self._store.append(envelope)
        at: datetime = envelope.occurred_at
        return at


def _service(service: Service) -> dict[str, str]:
    return {"region": service.region, "service_type": service.type, "identifier": service.identifier}


def to_payload(event: Event) -> tuple[str, dict[str, Any]]:
    """The contract event type and payload of a domain event."""
    ids = {"link_id": event.link_id, "account_id": event.account_id}
    if isinstance(event, LinkRequested):
        return "ServiceLinkRequested", {
            **ids,
            **_service(event.service),
            "proof_destination": event.proof_destination,
            "account_number": event.account_number,
            "locale": event.locale,
        }
    if isinstance(event, ServiceLinked):
        return "ServiceAdded", {
            **ids,
            **_service(event.service),
            "account_number": event.account_number,
            "linked_via": event.linked_via,
        }
    if isinstance(event, LinkFailed):
        return "ServiceLinkFailed", {**ids, "reason": event.reason}
    if isinstance(event, BalanceLow):
        return "ServiceBalanceLow", {
            **ids,
            **_service(event.service),
            "account_number": event.account_number,
            "balance": {"amount": event.amount, "currency": event.currency},
            "threshold": event.threshold,
            "feed_position": event.cause,
            "locale": event.locale,
        }
    return "ServiceRemoved", {**ids, "reason": event.reason}


def from_envelope(envelope: Envelope) -> Event:
    """The domain event a stored envelope records."""
    p: Mapping[str, Any] = envelope.payload
    link_id, account_id = str(p["link_id"]), str(p["account_id"])
    if envelope.event_type == "ServiceLinkRequested":
        service = Service(p["region"], p["service_type"], p["identifier"])
        return LinkRequested(
            link_id,
            account_id,
            service,
            p.get("account_number"),
            p.get("proof_destination"),
            p.get("locale", "ru"),
        )
    if envelope.event_type == "ServiceAdded":
        service = Service(p["region"], p["service_type"], p["identifier"])
        return ServiceLinked(link_id, account_id, service, p["account_number"], p["linked_via"])
    if envelope.event_type == "ServiceLinkFailed":
        return LinkFailed(link_id, account_id, p["reason"])
    if envelope.event_type == "ServiceRemoved":
        return ServiceUnlinked(link_id, account_id, p["reason"])
    if envelope.event_type == "ServiceBalanceLow":
        service = Service(p["region"], p["service_type"], p["identifier"])
        money = p["balance"]
        return BalanceLow(
            link_id,
            account_id,
            service,
            p["account_number"],
            money["amount"],
            money["currency"],
            p["threshold"],
            p["feed_position"],
            p.get("locale", "ru"),
        )
    raise ValueError(f"not a link event: {envelope.event_type}")
