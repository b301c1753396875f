"""Fakes for notifier unit tests: scripted senders, in-memory log, outcomes and read models."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kabinet.contracts import REGISTRY, Envelope, new_envelope
from notifier.contacts import ContactsProjection
from notifier.domain import Backoff, to_contacts
from notifier.handlers import Delivery, Notifier
from notifier.render import Message, Renderer

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class FakeSender:
    """Records what it sent; raises the scripted errors first (`after`: once the message left)."""

    failures: list[BaseException] = field(default_factory=list)
    sent: list[tuple[Message, str]] = field(default_factory=list)
    after: list[BaseException] = field(default_factory=list)
    idempotent: bool = False  # drops a repeated message id, as the dev inbox does

    def send(self, message: Message, *, message_id: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        if self.idempotent and any(mid == message_id for _, mid in self.sent):
            return
        self.sent.append((message, message_id))
        if self.after:
            raise self.after.pop(0)


class MemoryLog:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    def claim_new(self, key: str, record: Mapping[str, Any]) -> bool:
        if key in self.docs:
            return False
        self.docs[key] = {"_id": key, **record}
        return True

    def get(self, key: str) -> dict[str, Any] | None:
        return self.docs.get(key)

    def claim_due(self, now: datetime, lease_until: datetime) -> dict[str, Any] | None:
        for doc in self.docs.values():
            if doc["state"] == "retry" and doc["next_at"] <= now:
                doc.update(state="sending", next_at=lease_until, attempts=doc["attempts"] + 1)
                return dict(doc)
        return None

    def resend_claim(self, now: datetime, channels: Collection[str], key: str | None = None) -> bool:
        for doc in self.docs.values():
            if self._dead(doc, now, key) and doc["channel"] in channels:
                doc.update(state="retry", next_at=now, error="the sender stopped mid-attempt; sent again")
                return True
        return False

    def expire_claim(
        self, now: datetime, key: str | None = None, *, keep: Collection[str] = ()
    ) -> dict[str, Any] | None:
        for doc in self.docs.values():
            if self._dead(doc, now, key) and doc["channel"] not in keep:
                doc.update(state="unknown", finished_at=now, error="the sender stopped mid-attempt")
                doc.pop("message", None)
                return dict(doc)
        return None

    @staticmethod
    def _dead(doc: dict[str, Any], now: datetime, key: str | None) -> bool:
        return doc["state"] == "sending" and doc["next_at"] <= now and key in (None, doc["_id"])

    def schedule_retry(self, key: str, at: datetime, error: str) -> None:
        self.docs[key].update(state="retry", next_at=at, error=error)

    def finish(self, key: str, state: str, at: datetime, error: str | None = None) -> None:
        self.docs[key].update(state=state, finished_at=at, error=error)
        self.docs[key].pop("message", None)

    def forget(self, account_id: str) -> None:
        self.docs = {k: v for k, v in self.docs.items() if v.get("account_id") != account_id}


class MemoryOutcomes:
    def __init__(self) -> None:
        self.events: dict[str, tuple[str, dict[str, Any]]] = {}

    def record(self, event_type: str, payload: Mapping[str, Any], *, causation: str | None) -> None:
        self.events.setdefault(str(payload["notification_id"]), (event_type, dict(payload)))


class MemoryViews:
    """The contacts read model: the projection's store and the notifier's view."""

    def __init__(self) -> None:
        self.contacts_: dict[str, dict[str, Any]] = {}
        self.erased: set[str] = set()

    def write(self, account_id: str, version: int, fields: Mapping[str, Any]) -> None:
        doc = self.contacts_.setdefault(account_id, {"_id": account_id, "_version": 0})
        if version > doc["_version"]:
            doc.update(fields, _version=version)

    def tombstone(self, account_id: str, version: int) -> None:
        self.erased.add(account_id)
        self.contacts_[account_id] = {"_id": account_id, "_version": version, "erased": True}

    def contacts(self, account_id: str) -> Any:
        doc = self.contacts_.get(account_id)
        return None if doc and doc.get("erased") else to_contacts(doc)

    def is_erased(self, account_id: str) -> bool:
        return account_id in self.erased


@dataclass
class Consumers:
    """The contacts projection, then the messages consumer: the order the live process keeps."""

    projection: ContactsProjection
    messages: Notifier

    @property
    def delivery(self) -> Delivery:
        return self.messages.delivery

    def handle(self, env: Envelope) -> None:
        self.projection.apply(env)
        self.messages.handle(env)


@dataclass
class Rig:
    clock: FakeClock
    sms: FakeSender
    email: FakeSender
    log: MemoryLog
    outcomes: MemoryOutcomes
    views: MemoryViews
    notifier: Consumers

    @property
    def delivery(self) -> Delivery:
        return self.notifier.delivery

    def sent(self) -> list[Message]:
        return [m for m, _ in self.sms.sent + self.email.sent]


@pytest.fixture
def rig() -> Rig:
    return make_rig()


@pytest.fixture
def idempotent_rig() -> Rig:
    """A rig whose SMS gateway drops a repeated message id (as the dev inbox does)."""
    return make_rig(FakeSender(idempotent=True))


def make_rig(sms: FakeSender | None = None) -> Rig:
    clock, sms, email = FakeClock(), sms or FakeSender(), FakeSender()
    log, outcomes, views = MemoryLog(), MemoryOutcomes(), MemoryViews()
    delivery = Delivery(
        log, {"sms": sms, "email": email}, outcomes, clock=clock, backoff=Backoff(max_attempts=4)
    )
    notifier = Notifier(views, Renderer("https://kabinet.example"), delivery)
    return Rig(clock, sms, email, log, outcomes, views, Consumers(ContactsProjection(views), notifier))


@pytest.fixture
def event():
    """A factory of envelopes: the registry's example payload with **overrides.

    Identity's events go on their account's stream, at the next version of it.
    """
    versions: dict[str, int] = {}

    def make(event_type: str, **overrides: Any) -> Envelope:
        spec = REGISTRY.latest(event_type)
        payload = {**spec.example, **overrides}
        stream, version = str(uuid.uuid4()), 1
        if spec.producer == "identity" and payload.get("account_id"):
            stream = f"account-{payload['account_id']}"
            version = versions[stream] = versions.get(stream, 0) + 1
        return new_envelope(
            event_type,
            payload,
            event_version=1,
            producer="test",
            stream_id=stream,
            stream_version=version,
            correlation_id="c",
        )

    return make
