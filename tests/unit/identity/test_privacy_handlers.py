"""The erasure handler over in-memory fakes: the password is re-entered, the account is closed,
the completion (keys, private data, receipt) is asked for once, an operator needs no password."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from identity import domain as d
from identity.config import Settings
from identity.eventstore import Accounts, Audit, account_stream
from identity.gateway import Gateway
from identity.handlers.privacy import ErasurePasswordWrong, erase
from identity.handlers.registration import NewAccount, register
from identity.security import PasswordHasher

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


class FakeThrottle:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, keys: list[str]) -> None:
        pass

    def fail(self, key: str, *, free: int) -> None:
        self.failures.append(key)

    def take(self, key: str, **quota: Any) -> None:
        pass


class FakeErasure:
    def __init__(self) -> None:
        self.completed: list[dict[str, Any]] = []

    def complete(self, account_id: str, **kw: Any) -> dict[str, Any]:
        self.completed.append({"account_id": account_id, **kw})
        return {"account_id": account_id, **kw}


@pytest.fixture
def gateway(accounts: Accounts, directory: Any) -> Gateway:
    unused: Any = None
    return Gateway(
        settings=replace(Settings.from_env({}), bcrypt_rounds=4),
        accounts=accounts, directory=directory, hasher=PasswordHasher(rounds=4, key="k"),
        common_passwords=frozenset(), sessions=unused, tokens=unused, throttle=FakeThrottle(),
        verification=unused, billing_link=unused, clock=lambda: T0, erasure=FakeErasure(),
    )  # fmt: skip


def account(gw: Gateway) -> str:
    new = NewAccount(
        login=f"user{uuid.uuid4().hex[:8]}", password=PASSWORD, last_name="Иванов", first_name="Пётр",
        middle_name=None, birth_date=date(1985, 4, 12), region="RU-MOW", phone="+79161234567",
        email="petr@example.ru", confirm_via="sms",
    )  # fmt: skip
    return register(gw, new, Audit()).account_id


def test_a_wrong_password_erases_nothing_and_counts_as_a_failure(gateway, store):
    account_id = account(gateway)
    with pytest.raises(ErasurePasswordWrong) as err:
        erase(gateway, account_id, password="not mine")
    assert err.value.field == "password"
    assert store.types(account_stream(account_id)) == ["UserRegistered"]
    assert gateway.throttle.failures and gateway.erasure.completed == []


def test_the_right_password_closes_the_account_and_completes_the_erasure(gateway, store):
    account_id = account(gateway)
    receipt = erase(gateway, account_id, password=PASSWORD)
    assert store.types(account_stream(account_id)) == ["UserRegistered", "AccountErased"]
    assert receipt["requested_by"] == "subscriber" and receipt["erased_at"] == T0
    assert receipt["event_id"] == store.load(account_stream(account_id))[-1].event_id
    with pytest.raises(d.AccountNotFound):
        erase(gateway, account_id, password=PASSWORD)


def test_an_operator_erases_without_a_password(gateway, store):
    account_id = account(gateway)
    assert erase(gateway, account_id, password=None, requested_by="operator")["requested_by"] == "operator"
