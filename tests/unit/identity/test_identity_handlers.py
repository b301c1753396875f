"""Handlers over in-memory fakes: registration, login reservations, confirmations from verification."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from identity import domain as d
from identity.config import Settings
from identity.eventstore import Accounts, Audit, account_stream
from identity.gateway import Gateway
from identity.handlers.events import on_verification_event
from identity.handlers.registration import NewAccount, register
from identity.security import PasswordHasher
from identity.throttle import Throttled
from kabinet.contracts import new_envelope

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def new_account(**overrides: Any) -> NewAccount:
    fields: dict[str, Any] = {
        "login": f"user{uuid.uuid4().hex[:8]}",
        "password": "correct horse battery",
        "last_name": "Иванов",
        "first_name": "Пётр",
        "middle_name": None,
        "birth_date": date(1985, 4, 12),
        "region": "RU-MOW",
        "phone": "+79161234567",
        "email": "petr@example.ru",
        "confirm_via": "sms",
        **overrides,
    }
    return NewAccount(**fields)


@pytest.fixture
def gateway(accounts: Accounts, directory: Any, quotas: Any) -> Gateway:
    settings = replace(Settings.from_env({}), bcrypt_rounds=4)
    unused: Any = None  # sessions, tokens and HTTP clients are not used by these handlers
    return Gateway(
        settings=settings,
        accounts=accounts,
        directory=directory,
        hasher=PasswordHasher(rounds=4, key="k"),
        common_passwords=frozenset(),
        sessions=unused,
        tokens=unused,
        throttle=quotas,
        verification=unused,
        billing_link=unused,
        clock=lambda: T0,
    )


def confirmed(
    account_id: str,
    *,
    purpose: str = "registration",
    channel: str = "sms",
    destination: str = "+79161234567",
    request_id: str | None = None,
):
    payload = {
        "challenge_id": str(uuid.uuid4()),
        "account_id": account_id,
        "purpose": purpose,
        "request_id": request_id,
        "channel": channel,
        "destination": destination,
    }
    return new_envelope(
        "ContactConfirmed", payload, event_version=1, producer="verification",
        stream_id=f"challenge-{payload['challenge_id']}", stream_version=2, correlation_id="c",
    )  # fmt: skip


def test_registration_reserves_the_login_and_appends_user_registered(gateway, store):
    reply = register(gateway, new_account(login="Ivanov.Petr"), Audit())
    assert store.types(gateway.accounts.logins.current("ivanov.petr")) == ["LoginReserved"]
    [event] = store.load(account_stream(reply.account_id))
    assert event.event_type == "UserRegistered" and event.payload["login"] == "Ivanov.Petr"
    assert event.payload["contact_in_use"] is False
    assert gateway.accounts.credentials.get(event.event_id).startswith("$2b$04$")  # the hash stays private
    assert "password" not in str(event.payload)
    assert (reply.channel, reply.destination) == ("sms", "+7916*****67")
    assert reply.expires_at == T0 + timedelta(seconds=600)


def test_a_login_is_taken_whatever_its_case(gateway, store):
    register(gateway, new_account(login="ivanov.petr"), Audit())
    with pytest.raises(d.LoginTaken):
        register(gateway, new_account(login="IVANOV.PETR"), Audit())
    assert len(store.all_of("UserRegistered")) == 1


def test_a_fresh_reservation_blocks_but_an_orphan_one_is_reclaimed(accounts, store):
    accounts.reserve_login("orphan", "11111111-1111-4111-8111-111111111111", now=T0)
    with pytest.raises(d.LoginTaken):
        accounts.reserve_login("orphan", "22222222-2222-4222-8222-222222222222")
    stream = accounts.logins.current("orphan")
    store.events[stream][0] = replace(store.events[stream][0], occurred_at=T0 - timedelta(minutes=5))
    accounts.reserve_login("orphan", "22222222-2222-4222-8222-222222222222")
    assert accounts.account_for_login("orphan") == "22222222-2222-4222-8222-222222222222"


def test_a_contact_confirmed_elsewhere_gets_the_same_reply_and_its_owner_is_told(gateway, store, directory):
    owner = register(gateway, new_account(phone="+79161112233"), Audit()).account_id
    on_verification_event(gateway.accounts, confirmed(owner, destination="+79161112233"))
    directory.owners[("phone", "+79161112233")] = owner
    reply = register(gateway, new_account(phone="+79161112233"), Audit())
    assert (reply.status, reply.destination) == ("pending_confirmation", "+7916*****33")
    newcomer = store.load(account_stream(reply.account_id))[0]
    assert newcomer.payload["contact_in_use"] is True  # verification sends no code to it
    assert store.types(account_stream(owner))[-1] == "ContactUsedAgain"


def test_contact_confirmed_activates_once_even_when_redelivered(gateway, store):
    account_id = register(gateway, new_account(), Audit()).account_id
    event = confirmed(account_id)
    assert on_verification_event(gateway.accounts, event) == [d.Activated("sms", "+79161234567")]
    assert on_verification_event(gateway.accounts, event) == []
    assert store.types(account_stream(account_id)) == ["UserRegistered", "AccountActivated"]


def test_confirmations_for_other_purposes_or_unknown_accounts_are_ignored(gateway, store):
    account_id = register(gateway, new_account(), Audit()).account_id
    assert on_verification_event(gateway.accounts, confirmed(account_id, purpose="service_link")) == []
    assert on_verification_event(gateway.accounts, confirmed(str(uuid.uuid4()))) == []
    assert store.types(account_stream(account_id)) == ["UserRegistered"]


def test_a_confirmed_contact_change_swaps_the_contact(gateway, store):
    account_id = register(gateway, new_account(), Audit()).account_id
    on_verification_event(gateway.accounts, confirmed(account_id))
    _, [requested] = gateway.accounts.execute(
        account_id, d.RequestContactChange("0b8f5c8e-1d2a-4e7f-8c3b-5a6d7e8f9012", "email", "new@example.ru")
    )
    change = confirmed(
        account_id, purpose="contact_change", channel="email", destination="new@example.ru",
        request_id=requested.request_id,
    )  # fmt: skip
    on_verification_event(gateway.accounts, change)
    state = gateway.accounts.load(account_id)
    assert state.email == d.Contact("new@example.ru", True)
    assert store.types(account_stream(account_id))[-1] == "ContactChanged"


def fresh_contacts(n: int) -> dict[str, str]:
    return {"phone": f"+7916{n:07d}", "email": f"person{n}@example.ru"}


def test_registrations_from_one_address_stop_at_the_quota_and_name_it(gateway, store):
    for n in range(5):
        register(gateway, new_account(**fresh_contacts(n)), Audit(ip="203.0.113.7"))
    with pytest.raises(Throttled) as refused:
        register(gateway, new_account(**fresh_contacts(5)), Audit(ip="203.0.113.7"))
    assert refused.value.reason == "registrations-per-ip" and refused.value.retry_after == 600
    assert "from this address" in str(refused.value)
    assert len(store.all_of("UserRegistered")) == 5  # refused before any hashing or event
    register(gateway, new_account(**fresh_contacts(6)), Audit(ip="203.0.113.8"))  # another address


@pytest.mark.parametrize(
    "kind,same",
    [("phone", {"phone": "+79160000001"}), ("email", {"email": "Victim@Example.RU"})],
)
def test_one_phone_or_email_stops_at_its_quota_whatever_the_address(gateway, kind, same):
    for n in range(5):
        contacts = {**fresh_contacts(n), **same}
        if kind == "email":  # the same mailbox in another case is the same mailbox
            contacts["email"] = contacts["email"].lower() if n % 2 else contacts["email"]
        register(gateway, new_account(**contacts), Audit(ip=f"198.51.100.{n}"))
    with pytest.raises(Throttled) as refused:
        register(gateway, new_account(**{**fresh_contacts(9), **same}), Audit(ip="198.51.100.99"))
    assert refused.value.reason == f"registrations-per-{kind}" and refused.value.retry_after == 3600


def test_quota_keys_hold_no_phone_or_email_in_clear(gateway, quotas):
    register(gateway, new_account(phone="+79161112233", email="anna@example.ru"), Audit(ip="203.0.113.9"))
    keys = " ".join(quotas.counts)
    assert "registration-ip:203.0.113.9" in keys and len(quotas.counts) == 3
    assert "79161112233" not in keys and "anna" not in keys
