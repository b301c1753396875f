"""Challenge values, commands, events and state; `evolve` folds events into state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

MAX_ATTEMPTS = 5
PURPOSES = ("registration", "contact_change", "password_reset", "service_link")
CHANNELS = ("sms", "email")


# --- values, policy, injected tools ----------------------------------------------------------------------
@dataclass(frozen=True)
class Binding:
    """What a challenge proves: one account, purpose, request and channel."""

    account_id: str
    purpose: str
    request_id: str | None
    channel: str

    def scope(self) -> tuple[str, ...]:
        """Challenges of one scope replace each other: a newer one supersedes the older."""
        if self.purpose == "password_reset":
            return (self.account_id, self.purpose)
        if self.purpose == "service_link":
            return (self.account_id, self.purpose, self.request_id or "")
        return (self.account_id, self.purpose, self.channel)


@dataclass(frozen=True)
class Policy:
    """Time limits and budgets."""

    ttl: timedelta = timedelta(minutes=10)
    cooldown: timedelta = timedelta(seconds=60)
    window: timedelta = timedelta(hours=1)
    per_contact: int = 5
    per_account: int = 10


@dataclass(frozen=True)
class Tools:
    """Clock, secret generators and the keyed digest, passed in by the composition root."""

    now: Callable[[], datetime]
    new_code: Callable[[], str]
    new_token: Callable[[], str]
    code_digest: Callable[[str, str], str]  # (challenge_id, code) -> hex
    link_digest: Callable[[str], str]  # token -> hex


@dataclass(frozen=True)
class RecentSends:
    """Codes sent within the budget window to the challenge's contact and account."""

    contact: Sequence[datetime] = ()
    account: Sequence[datetime] = ()


# --- commands --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Issue:
    """Open a challenge and send its first code."""

    challenge_id: str
    binding: Binding
    destination: str
    locale: str = "ru"


@dataclass(frozen=True)
class Submit:
    """Try a code (or, with `by_link`, the email link token)."""

    secret: str
    by_link: bool = False


@dataclass(frozen=True)
class Resend:
    """Send a fresh code; the old one stops working."""

    recent: RecentSends = RecentSends()


@dataclass(frozen=True)
class Supersede:
    """A newer challenge of the same scope replaces this one."""

    by: str


Command = Issue | Submit | Resend | Supersede


# --- events ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeIssued:
    """A code (and for email a link token) was issued; plain values go only to the notifier."""

    challenge_id: str
    binding: Binding
    destination: str
    locale: str
    code: str
    link_token: str | None
    code_hash: str
    link_hash: str | None
    expires_at: datetime
    at: datetime


@dataclass(frozen=True)
class CodeRejected:
    """A wrong code; the challenge stays open."""

    challenge_id: str
    binding: Binding
    attempts_left: int
    at: datetime


@dataclass(frozen=True)
class Confirmed:
    """The contact is proven for the bound request."""

    challenge_id: str
    binding: Binding
    destination: str
    at: datetime


@dataclass(frozen=True)
class Failed:
    """The challenge died: `attempts_exhausted` or `expired`."""

    challenge_id: str
    binding: Binding
    reason: str
    at: datetime


@dataclass(frozen=True)
class Superseded:
    """Replaced by a newer challenge of the same scope."""

    challenge_id: str
    binding: Binding
    by: str
    at: datetime


Event = CodeIssued | CodeRejected | Confirmed | Failed | Superseded


# --- state -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Challenge:
    """Current state of one challenge: only digests of the secrets are kept."""

    challenge_id: str
    binding: Binding
    destination: str
    locale: str
    status: str  # pending | confirmed | failed | superseded
    code_hash: str
    link_hash: str | None
    expires_at: datetime
    attempts_left: int
    opened_at: datetime
    last_sent_at: datetime
    failure: str | None = None

    def expired(self, now: datetime) -> bool:
        """Whether the current code's lifetime is over."""
        return now >= self.expires_at

    def live(self, now: datetime) -> bool:
        """Pending and not expired: the current code may still confirm it."""
        return self.status == "pending" and not self.expired(now)


def evolve(state: Challenge | None, event: Event) -> Challenge | None:
    """The state after `event`."""
    if isinstance(event, CodeIssued):
        opened = state.opened_at if state else event.at
        return Challenge(
            challenge_id=event.challenge_id,
            binding=event.binding,
            destination=event.destination,
            locale=event.locale,
            status="pending",
            code_hash=event.code_hash,
            link_hash=event.link_hash,
            expires_at=event.expires_at,
            attempts_left=MAX_ATTEMPTS,
            opened_at=opened,
            last_sent_at=event.at,
        )
    if state is None:
        return None
    if isinstance(event, CodeRejected):
        return replace(state, attempts_left=event.attempts_left)
    if isinstance(event, Failed):
        attempts = 0 if event.reason == "attempts_exhausted" else state.attempts_left
        return replace(state, status="failed", failure=event.reason, attempts_left=attempts)
    return replace(state, status="confirmed" if isinstance(event, Confirmed) else "superseded")


def replay(events: Sequence[Event]) -> Challenge | None:
    """Fold a stream into its state."""
    state: Challenge | None = None
    for event in events:
        state = evolve(state, event)
    return state
