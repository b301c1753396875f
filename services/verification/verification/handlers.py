"""Application services: load a challenge, decide, append (retrying on a concurrent writer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from kabinet.eventstore import ConcurrencyConflict
from verification.domain import (
    Challenge,
    ChallengeNotFound,
    Command,
    Event,
    Issue,
    Policy,
    RecentSends,
    Resend,
    Submit,
    Supersede,
    Tools,
    decide,
    verdict,
)
from verification.projection import scope_key

CONFIRMABLE = ("registration", "contact_change")  # purposes the plain confirmation endpoints accept
T = TypeVar("T")


class ChallengeRepo(Protocol):
    """Event-sourced challenges (Mongo event store, or a fake in unit tests)."""

    def load(self, challenge_id: str) -> tuple[Challenge | None, int]: ...
    def save(self, state: Challenge | None, version: int, events: Sequence[Event]) -> Challenge | None: ...
    def reproject(self, state: Challenge, version: int) -> None: ...


class Lookups(Protocol):
    """Which challenge a request means."""

    def latest(
        self, account_id: str, purposes: Sequence[str], channel: str | None, request_id: str | None
    ) -> str | None: ...
    def by_link(self, link_hash: str, purposes: Sequence[str]) -> str | None: ...
    def older_in_scope(self, scope: str, opened_before: datetime, exclude: str) -> list[str]: ...


class SendLog(Protocol):
    """Codes sent, for the hourly budgets."""

    def record(self, send_id: str, keys: list[str], at: datetime) -> None: ...
    def since(self, key: str, moment: datetime) -> list[datetime]: ...


@dataclass(frozen=True)
class Confirmation:
    """What a successful submission tells the caller."""

    challenge_id: str
    account_id: str
    purpose: str
    request_id: str | None
    channel: str


@dataclass(frozen=True)
class Target:
    """How a request names a challenge."""

    account_id: str
    purposes: Sequence[str]
    channel: str | None = None
    request_id: str | None = None


class Verification:
    """The verification use cases over injected adapters, clock and secrets."""

    def __init__(self, repo: ChallengeRepo, lookups: Lookups, sends: SendLog, tools: Tools, policy: Policy):
        self._repo, self._lookups, self._sends = repo, lookups, sends
        self._tools, self._policy = tools, policy

    def issue(self, cmd: Issue) -> None:
        """Open a challenge once (a redelivered request changes nothing) and retire older ones.

        The first version is appended without reading the stream: a new challenge is the common
        case, and the append's unique version tells a redelivery apart.
        """
        try:
            state = self._repo.save(None, 0, decide(None, cmd, self._tools, self._policy))
        except ConcurrencyConflict:  # redelivered: finish what a crash may have cut short
            state, version = self._repo.load(cmd.challenge_id)
            assert state is not None  # its first event is stored: that was the conflict
            self._repo.reproject(state, version)
        assert state is not None
        self._record_send(state, 1, state.opened_at)
        for older in self._lookups.older_in_scope(scope_key(state), state.opened_at, state.challenge_id):
            self._run(older, lambda _s: Supersede(by=state.challenge_id))

    def submit(self, target: Target, code: str) -> Confirmation:
        """Try a code against the challenge the target names."""
        cid = self._lookups.latest(target.account_id, target.purposes, target.channel, target.request_id)
        return self._confirm(cid, Submit(code))

    def submit_link(self, token: str, purposes: Sequence[str] = CONFIRMABLE) -> Confirmation:
        """Confirm by the email link token."""
        cid = self._lookups.by_link(self._tools.link_digest(token), purposes)
        return self._confirm(cid, Submit(token, by_link=True))

    def resend(self, target: Target) -> datetime:
        """Send a fresh code (the old one stops working); its expiry time."""
        cid = self._lookups.latest(target.account_id, target.purposes, target.channel, target.request_id)
        if cid is None:
            raise ChallengeNotFound("No challenge to resend.")
        state, version = self._run(cid, lambda s: Resend(self._recent(s)))
        self._record_send(state, version, state.last_sent_at)
        return state.expires_at

    def _confirm(self, cid: str | None, cmd: Submit) -> Confirmation:
        if cid is None:
            raise ChallengeNotFound("No live challenge for this request.")
        state, _ = self._run(cid, lambda _s: cmd, raise_verdict=True)
        b = state.binding
        return Confirmation(state.challenge_id, b.account_id, b.purpose, b.request_id, b.channel)

    def _run(
        self,
        cid: str,
        command: Callable[[Challenge], Command],
        *,
        raise_verdict: bool = False,
        tries: int = 5,
    ) -> tuple[Challenge, int]:
        for attempt in range(tries):
            state, version = self._repo.load(cid)
            if state is None:
                raise ChallengeNotFound("No such challenge.")
            events = decide(state, command(state), self._tools, self._policy)
            try:
                new = self._repo.save(state, version, events)
            except ConcurrencyConflict:
                if attempt == tries - 1:
                    raise
                continue
            assert new is not None
            error = verdict(events) if raise_verdict else None
            if error is not None:
                raise error
            return new, version + len(events)
        raise AssertionError("unreachable")

    def _recent(self, state: Challenge) -> RecentSends:
        since = self._tools.now() - self._policy.window
        contact, account = _budget_keys(state)
        return RecentSends(self._sends.since(contact, since), self._sends.since(account, since))

    def _record_send(self, state: Challenge, version: int, at: datetime) -> None:
        self._sends.record(f"{state.challenge_id}:{version}", list(_budget_keys(state)), at)


def _budget_keys(state: Challenge) -> tuple[str, str]:
    return f"contact:{state.destination.lower()}", f"account:{state.binding.account_id}"
