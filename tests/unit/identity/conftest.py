"""Fakes for the identity unit tests: in-memory event store, credential store, directory, quotas."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from identity.eventstore import Accounts, LoginStreams
from identity.throttle import Throttled
from kabinet.contracts import Envelope, encode
from kabinet.eventstore import ConcurrencyConflict
from kabinet.privacy.blind import BlindIndex


class FakeStore:
    """The event store protocol in memory: one event per (stream, version); contracts enforced."""

    def __init__(self) -> None:
        self.events: dict[str, list[Envelope]] = {}
        self.loads: list[str] = []  # streams read, in order (each a round trip on the real store)

    def append(self, envelope: Envelope) -> None:
        encode(envelope)  # the real store refuses payloads that break their contract
        stream = self.events.setdefault(envelope.stream_id, [])
        if envelope.stream_version != len(stream) + 1:
            raise ConcurrencyConflict(f"{envelope.stream_id}:{envelope.stream_version}")
        stream.append(envelope)

    def load(self, stream_id: str) -> list[Envelope]:
        self.loads.append(stream_id)
        return list(self.events.get(stream_id, []))

    def version(self, stream_id: str) -> int:
        return len(self.events.get(stream_id, []))

    def types(self, stream_id: str) -> list[str]:
        return [e.event_type for e in self.load(stream_id)]

    def all_of(self, event_type: str) -> list[Envelope]:
        return [e for events in self.events.values() for e in events if e.event_type == event_type]


class FakeCredentials:
    def __init__(self) -> None:
        self.hashes: dict[str, str] = {}

    def put(self, credential_id: str, account_id: str, password_hash: str) -> None:
        self.hashes[credential_id] = password_hash

    def get(self, credential_id: str) -> str | None:
        return self.hashes.get(credential_id)


@dataclass
class FakeDirectory:
    owners: dict[tuple[str, str], str] = field(default_factory=dict)

    def owner_of(self, kind: str, value: str) -> str | None:
        return self.owners.get((kind, value))

    def me(self, account_id: str) -> dict[str, object] | None:
        return None


@dataclass
class FakeQuotas:
    """The throttle's quota protocol in memory: counts per key, one endless window."""

    counts: dict[str, int] = field(default_factory=dict)

    def take(self, key: str, *, limit: int, window_seconds: float, reason: str, what: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.counts[key] > limit:
            raise Throttled(int(window_seconds), reason, what)


@pytest.fixture
def quotas() -> FakeQuotas:
    return FakeQuotas()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def accounts(store: FakeStore) -> Accounts:
    return Accounts(store, FakeCredentials(), LoginStreams(BlindIndex(b"unit-test-index-key", "login")))


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()
