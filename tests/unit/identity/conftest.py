"""Fakes for the identity unit tests: an in-memory event store and credential store, a directory."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from identity.eventstore import Accounts
from kabinet.contracts import Envelope, encode
from kabinet.eventstore import ConcurrencyConflict


class FakeStore:
    """The event store protocol in memory: one event per (stream, version); contracts enforced."""

    def __init__(self) -> None:
        self.events: dict[str, list[Envelope]] = {}

    def append(self, envelope: Envelope) -> None:
        encode(envelope)  # the real store refuses payloads that break their contract
        stream = self.events.setdefault(envelope.stream_id, [])
        if envelope.stream_version != len(stream) + 1:
            raise ConcurrencyConflict(f"{envelope.stream_id}:{envelope.stream_version}")
        stream.append(envelope)

    def load(self, stream_id: str) -> list[Envelope]:
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


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def accounts(store: FakeStore) -> Accounts:
    return Accounts(store, FakeCredentials())


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()
