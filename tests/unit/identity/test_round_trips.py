"""Reads the handlers leave out (each one a Mongo round trip): a stream the request creates,
a stream it has read already, a throttle counter that does not exist."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from identity import domain as d
from identity.config import Settings
from identity.domain.rules import login_key
from identity.eventstore import Accounts, Audit, account_stream, login_stream
from identity.gateway import Gateway
from identity.handlers.registration import NewAccount, register
from identity.handlers.signin import sign_in
from identity.security import AccessTokens, PasswordHasher
from identity.sessions import Grant
from kabinet.contracts.accounts import AUDIT_EVENTS

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
PHONE = "+79161234567"


class FakeThrottle:
    """Counters that exist once a failure was counted; `check` names them, as the real one does."""

    def __init__(self) -> None:
        self.counters: set[str] = set()
        self.cleared: list[str] = []

    def check(self, keys: list[str]) -> frozenset[str]:
        return frozenset(k for k in keys if k in self.counters)

    def fail(self, key: str, *, free: int) -> Any:
        self.counters.add(key)
        return type("Failure", (), {"failures": 1, "locked_until": None, "newly_locked": False})()

    def clear(self, key: str) -> None:
        self.cleared.append(key)
        self.counters.discard(key)

    def take(self, key: str, **quota: Any) -> None:
        pass


class FakeSessions:
    def open(self, account_id: str) -> Grant:
        return Grant(account_id, str(uuid.uuid4()), "refresh")


@pytest.fixture
def throttle() -> FakeThrottle:
    return FakeThrottle()


@pytest.fixture
def gateway(accounts: Accounts, directory: Any, throttle: FakeThrottle) -> Gateway:
    unused: Any = None
    return Gateway(
        settings=replace(Settings.from_env({}), bcrypt_rounds=4),
        accounts=accounts, directory=directory, hasher=PasswordHasher(rounds=4, key="k"),
        common_passwords=frozenset(), sessions=FakeSessions(),
        tokens=AccessTokens(secret="s" * 32, ttl_seconds=900), throttle=throttle,
        verification=unused, billing_link=unused, clock=lambda: T0,
    )  # fmt: skip


def new_account(login: str) -> NewAccount:
    return NewAccount(
        login=login, password=PASSWORD, last_name="Иванов", first_name="Пётр", middle_name=None,
        birth_date=date(1985, 4, 12), region="RU-MOW", phone=PHONE, email="petr@example.ru",
        confirm_via="sms",
    )  # fmt: skip


def active_account(gw: Gateway, login: str) -> str:
    account_id = register(gw, new_account(login), Audit()).account_id
    gw.accounts.execute(account_id, d.ConfirmContact("registration", "sms", PHONE, None))
    return account_id


def test_registration_reads_only_the_reservation_stream_from_before_digests(gateway, store):
    reply = register(gateway, new_account("Ivanov.Petr"), Audit())
    assert store.loads == [login_stream("ivanov.petr")]  # neither the new digest stream nor the account's
    assert store.types(gateway.accounts.logins.current("ivanov.petr")) == ["LoginReserved"]
    assert store.types(account_stream(reply.account_id)) == ["UserRegistered"]


def test_an_account_created_twice_is_refused_on_what_is_stored(gateway, accounts, store):
    account_id = register(gateway, new_account("first.login"), Audit()).account_id
    [registered] = store.load(account_stream(account_id))
    command = d.Register(
        d.Profile("other.login", "Петров", "Иван", None, date(1990, 1, 1), "RU-MOW", "ru"),
        "+79160000000", "other@example.ru", "sms", "credential", False,
    )  # fmt: skip
    with pytest.raises(d.LoginTaken):
        accounts.create(account_id, command)
    assert store.load(account_stream(account_id)) == [registered]


def test_a_state_read_in_the_request_is_decided_on_without_reading_the_stream_again(gateway, accounts, store):
    account_id = active_account(gateway, "reader")
    state = accounts.load(account_id)
    store.loads.clear()
    accounts.execute(account_id, d.ChangePassword(True, "new-credential"), loaded=state)
    assert store.loads == []
    assert store.types(account_stream(account_id))[-1] == "PasswordChanged"


def test_a_state_read_before_another_append_is_read_again_and_decided_anew(gateway, accounts, store):
    account_id = active_account(gateway, "racer")
    stale = accounts.load(account_id)
    accounts.execute(account_id, d.RequestContactChange(str(uuid.uuid4()), "email", "new@example.ru", False))
    store.loads.clear()
    accounts.execute(account_id, d.ChangePassword(True, "new-credential"), loaded=stale)
    assert store.loads == [account_stream(account_id)]  # the conflict made it read the stream
    assert store.types(account_stream(account_id)) == [
        "UserRegistered",
        "AccountActivated",
        "ContactChangeRequested",
        "PasswordChanged",
    ]


def test_a_sign_in_clears_the_login_counter_only_when_failures_were_counted(gateway, throttle):
    active_account(gateway, "Petr.Signin")
    key = f"login:{login_key('Petr.Signin')}"
    sign_in(gateway, "petr.signin", PASSWORD, Audit(ip="203.0.113.5"))
    assert throttle.cleared == []  # no counter: no delete sent
    with pytest.raises(d.InvalidCredentials):
        sign_in(gateway, "petr.signin", "a wrong password", Audit(ip="203.0.113.5"))
    sign_in(gateway, "petr.signin", PASSWORD, Audit(ip="203.0.113.5"))
    assert throttle.cleared == [key] and key not in throttle.counters


def test_sign_in_audit_events_go_on_streams_of_their_own_so_account_readers_may_skip_them(gateway, store):
    """The account read models skip AUDIT_EVENTS unread: none may be on an account's stream."""
    account = active_account(gateway, "Olga.Audit")
    sign_in(gateway, "olga.audit", PASSWORD, Audit(ip="203.0.113.7"))
    with pytest.raises(d.InvalidCredentials):
        sign_in(gateway, "olga.audit", "a wrong password", Audit(ip="203.0.113.7"))
    audit = [e for events in store.events.values() for e in events if e.event_type in AUDIT_EVENTS]
    assert {e.event_type for e in audit} == {"LoginSucceeded", "LoginFailed"}
    assert all(e.stream_id.startswith("audit-") for e in audit)
    assert not AUDIT_EVENTS & set(store.types(account_stream(account)))
    with pytest.raises(ValueError, match="not an audit event"):
        gateway.accounts.record("PasswordChanged", {"account_id": account})
