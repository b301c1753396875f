"""Accounts in the event store: domain events ⇄ contract envelopes, login reservations, audit.

Password hashes never travel in events (they would reach every consumer). A hash is kept
in the private `credentials` collection under the id of the event that sets it
(UserRegistered or PasswordChanged): the blob is written first, the event second, so the
hash in force is always the one the account's latest password event names — a crash in
between leaves only an unreferenced blob.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from pymongo.collection import Collection

from identity import domain as d
from identity.codec import from_envelope, to_payload
from identity.indexes import login_index
from kabinet.contracts import Envelope
from kabinet.contracts.accounts import AUDIT_EVENTS
from kabinet.eventstore import ConcurrencyConflict, next_event
from kabinet.mongo import Doc
from kabinet.privacy.blind import BlindIndex

if TYPE_CHECKING:
    from kabinet.runtime import Runtime

PRODUCER = "identity"
ORPHAN_AFTER = timedelta(seconds=60)


def account_stream(account_id: str) -> str:
    """The stream of one account."""
    return f"account-{account_id}"


def login_stream(key: str) -> str:
    """The clear reservation stream of a case-folded login: written before digests, still honoured."""
    return f"login-{key}"


@dataclass(frozen=True)
class LoginStreams:
    """Reservation stream ids of case-folded logins: `login-<keyed digest>`, so neither the
    stream id nor the Kafka key holds the login (the payload seals it)."""

    index: BlindIndex

    def current(self, key: str) -> str:
        """The stream new reservations go to."""
        return f"login-{self.index.digest(key)}"


class Store(Protocol):
    """The part of `kabinet.eventstore.EventStore` used here (fakes implement it too)."""

    def append(self, envelope: Envelope) -> None: ...
    def load(self, stream_id: str) -> list[Envelope]: ...
    def version(self, stream_id: str) -> int: ...


class Credentials(Protocol):
    """Private store of password hashes keyed by the id of the event that set them."""

    def put(self, credential_id: str, account_id: str, password_hash: str) -> None: ...
    def get(self, credential_id: str) -> str | None: ...


class MongoCredentials:
    """`credentials` collection: `{_id: credential id, account_id, hash}`."""

    def __init__(self, coll: Collection[Doc]) -> None:
        self._coll = coll

    def put(self, credential_id: str, account_id: str, password_hash: str) -> None:
        """Store a hash before the event naming it is appended."""
        self._coll.insert_one({"_id": credential_id, "account_id": account_id, "hash": password_hash})

    def get(self, credential_id: str) -> str | None:
        """The hash with this id."""
        doc = self._coll.find_one({"_id": credential_id}, projection=["hash"])
        return str(doc["hash"]) if doc else None


@dataclass(frozen=True)
class Audit:
    """Who asked: recorded on security-relevant events."""

    ip: str | None = None
    user_agent: str | None = None


class Accounts:
    """Load, decide and append on account streams; reserve logins; record audit events."""

    def __init__(self, store: Store, credentials: Credentials, logins: LoginStreams) -> None:
        self._store = store
        self.credentials = credentials
        self.logins = logins

    def load(self, account_id: str) -> d.Account | None:
        """The account rebuilt from its stream, or None."""
        events = [from_envelope(e) for e in self._store.load(account_stream(account_id))]
        return d.fold([e for e in events if e is not None], account_id=account_id)

    def execute(
        self,
        account_id: str,
        command: d.Command | Callable[[d.Account | None], d.Command],
        *,
        audit: Audit | None = None,
        attempts: int = 5,
        loaded: d.Account | None = None,
    ) -> tuple[d.Account | None, list[d.Event]]:
        """Decide on the current state and append; retried when another writer got in first.

        `loaded` is the state this request read already: the first attempt decides on it
        instead of reading the stream again (a newer append makes it conflict and reload).
        """
        for attempt in range(attempts):
            state = loaded if attempt == 0 and loaded is not None else self.load(account_id)
            cmd = command(state) if callable(command) else command
            events = d.decide(state, cmd)
            try:
                return self._append(account_id, state, events, audit or Audit()), events
            except ConcurrencyConflict:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def create(
        self, account_id: str, command: d.Command, *, audit: Audit | None = None
    ) -> tuple[d.Account | None, list[d.Event]]:
        """Start the stream of a freshly made id without reading it (it cannot exist yet);
        should it exist after all, decide again on what is stored (`execute`)."""
        events = d.decide(None, command)
        try:
            return self._append(account_id, None, events, audit or Audit()), events
        except ConcurrencyConflict:
            return self.execute(account_id, command, audit=audit)

    def _append(
        self, account_id: str, state: d.Account | None, events: list[d.Event], audit: Audit
    ) -> d.Account | None:
        for event in events:
            version = state.version + 1 if state else 1
            event_type, payload = to_payload(
                account_id, state, event, ip=audit.ip, user_agent=audit.user_agent
            )
            credential = getattr(event, "credential_id", None)
            self._store.append(
                _envelope(event_type, payload, account_stream(account_id), version, credential)
            )
            state = d.evolve(state, event, account_id=account_id)
        return state

    def last_event_id(self, account_id: str) -> str:
        """The id of the newest event of the account's stream."""
        return self._store.load(account_stream(account_id))[-1].event_id

    def current_hash(self, state: d.Account) -> str | None:
        """The password hash in force for the account."""
        return self.credentials.get(state.credential_id)

    def reserve_login(self, key: str, account_id: str, *, now: datetime | None = None) -> None:
        """Take `key` for `account_id`, or raise `LoginTaken` (an orphan reservation is reclaimed).

        A reservation made under the clear stream id (before digests) still holds the login.
        A new login's stream is written at version 1 without reading it first; only a stream
        that exists is read, to tell a holding reservation from an orphan.
        """
        now = now or datetime.now(UTC)
        if self._held(self._store.load(login_stream(key)), now):
            raise d.LoginTaken("this login is taken")
        stream = self.logins.current(key)
        payload = {"login_key": key, "account_id": account_id}
        try:
            self._store.append(_envelope("LoginReserved", payload, stream, 1))
            return
        except ConcurrencyConflict:
            current = self._store.load(stream)  # reserved before: held, or an orphan to reclaim
        if self._held(current, now):
            raise d.LoginTaken("this login is taken")
        version = current[-1].stream_version if current else 0
        try:
            self._store.append(_envelope("LoginReserved", payload, stream, version + 1))
        except ConcurrencyConflict as exc:
            raise d.LoginTaken("this login is taken") from exc

    def _held(self, events: list[Envelope], now: datetime) -> bool:
        """Whether a login stream's last reservation holds: made just now, or its account exists."""
        if not events:
            return False
        last = events[-1]
        owner = str(last.payload["account_id"])
        return now - last.occurred_at < ORPHAN_AFTER or bool(self._store.version(account_stream(owner)))

    def account_for_login(self, key: str) -> str | None:
        """The account holding a login, read from the reservation stream (strongly consistent)."""
        for stream in (self.logins.current(key), login_stream(key)):
            events = self._store.load(stream)
            if events:
                return str(events[-1].payload["account_id"])
        return None

    def record(self, event_type: str, payload: Mapping[str, Any]) -> None:
        """Append an audit event on a stream of its own (no contention with account commands).

        One of no account (a sign-in with an unknown login) names its day in the stream id: its
        personal data is sealed under the day's key, so a flood of attempts makes no key each.
        """
        if event_type not in AUDIT_EVENTS:  # consumers of account state skip these types unread
            raise ValueError(f"{event_type} is not an audit event")
        event_id = str(uuid.uuid4())
        day = "" if payload.get("account_id") else f"{datetime.now(UTC):%Y%m%d}-"
        self._store.append(_envelope(event_type, payload, f"audit-{day}{event_id}", 1, event_id))


def open_accounts(runtime: Runtime) -> Accounts:
    """The Mongo-backed accounts of one process (login streams keyed by the identity index key)."""
    credentials = MongoCredentials(runtime.db["credentials"])
    return Accounts(runtime.store, credentials, LoginStreams(login_index(runtime.keys)))


def _envelope(
    event_type: str, payload: Mapping[str, Any], stream: str, version: int, event_id: str | None = None
) -> Envelope:
    return next_event(
        event_type, payload, producer=PRODUCER, stream_id=stream, stream_version=version, event_id=event_id
    )
