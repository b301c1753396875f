"""Fakes for the verification unit tests: a settable clock, scripted codes, in-memory adapters."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from kabinet.eventstore import ConcurrencyConflict
from verification.domain import Binding, Challenge, Event, Issue, Policy, Tools, evolve
from verification.handlers import Verification
from verification.projection import scope_key

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime = T0

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class Codes:
    """Hands out scripted codes (then 100000, 100001, …) and tokens."""

    queue: list[str] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(100000))

    def next(self) -> str:
        return self.queue.pop(0) if self.queue else str(next(self.counter))


def fake_tools(clock: FakeClock, codes: Codes) -> Tools:
    def digest(msg: str) -> str:
        return hashlib.sha256(b"test-key:" + msg.encode()).hexdigest()

    tokens = itertools.count()
    return Tools(
        now=lambda: clock.now,
        new_code=codes.next,
        new_token=lambda: f"token-{next(tokens):020d}",
        code_digest=lambda cid, code: digest(f"{cid}:{code}"),
        link_digest=lambda token: digest(f"link:{token}"),
    )


class MemoryChallenges:
    """Event streams and the lookup projection in memory (same protocols as the Mongo adapters)."""

    def __init__(self) -> None:
        self.streams: dict[str, list[Event]] = {}
        self.states: dict[str, Challenge] = {}

    def load(self, challenge_id: str) -> tuple[Challenge | None, int]:
        state: Challenge | None = None
        events = self.streams.get(challenge_id, [])
        for e in events:
            state = evolve(state, e)
        return state, len(events)

    def save(self, state: Challenge | None, version: int, events: Sequence[Event]) -> Challenge | None:
        stream = self.streams.setdefault(events[0].challenge_id if events else "", [])
        if events and len(stream) != version:
            raise ConcurrencyConflict(str(version))
        for e in events:
            stream.append(e)
            state = evolve(state, e)
        if state is not None:
            self.states[state.challenge_id] = state
        return state

    def reproject(self, state: Challenge, version: int) -> None:
        self.states[state.challenge_id] = state

    # Lookups
    def latest(
        self, account_id: str, purposes: Sequence[str], channel: str | None, request_id: str | None
    ) -> str | None:
        found = [
            s for s in self.states.values()
            if s.binding.account_id == account_id and s.binding.purpose in purposes
            and channel in (None, s.binding.channel)
            and (request_id == s.binding.request_id if request_id else s.status != "superseded")
        ]  # fmt: skip
        return max(found, key=lambda s: s.opened_at).challenge_id if found else None

    def by_link(self, link_hash: str, purposes: Sequence[str]) -> str | None:
        for s in self.states.values():
            if s.link_hash == link_hash and s.binding.purpose in purposes:
                return s.challenge_id
        return None

    def older_in_scope(self, scope: str, opened_before: datetime, exclude: str) -> list[str]:
        return [
            s.challenge_id for s in self.states.values()
            if scope_key(s) == scope and s.status in ("pending", "failed")
            and s.opened_at < opened_before and s.challenge_id != exclude
        ]  # fmt: skip


class MemorySendLog:
    def __init__(self) -> None:
        self.sends: dict[str, datetime] = {}

    def record(self, send_id: str, keys: list[str], at: datetime) -> None:
        for key in keys:
            self.sends.setdefault(f"{send_id}|{key}", at)

    def since(self, key: str, moment: datetime) -> list[datetime]:
        return [at for k, at in self.sends.items() if k.endswith(f"|{key}") and at > moment]


@dataclass
class World:
    clock: FakeClock
    codes: Codes
    tools: Tools
    policy: Policy
    repo: MemoryChallenges
    sends: MemorySendLog
    service: Verification


@pytest.fixture
def world() -> World:
    clock, codes = FakeClock(), Codes()
    tools, policy = fake_tools(clock, codes), Policy()
    repo, sends = MemoryChallenges(), MemorySendLog()
    return World(clock, codes, tools, policy, repo, sends, Verification(repo, repo, sends, tools, policy))


@pytest.fixture
def make_issue() -> object:
    """A factory of `Issue` commands."""
    return an_issue


def an_issue(**overrides: object) -> Issue:
    """An `Issue` command: registration by SMS for a random account unless overridden."""
    binding = Binding(
        account_id=str(overrides.pop("account_id", uuid.uuid4())),
        purpose=str(overrides.pop("purpose", "registration")),
        request_id=overrides.pop("request_id", None),  # type: ignore[arg-type]
        channel=str(overrides.pop("channel", "sms")),
    )
    defaults: dict[str, object] = {
        "challenge_id": str(uuid.uuid4()),
        "binding": binding,
        "destination": "+79161234567" if binding.channel == "sms" else "petr@example.ru",
        "locale": "ru",
    }
    defaults.update(overrides)
    return Issue(**defaults)  # type: ignore[arg-type]
