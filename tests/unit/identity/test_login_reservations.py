"""Login reservations name no login: the stream id (the Kafka key) is a keyed digest, the
payload seals it; reservations made under the clear id before digests still hold their login."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from identity import domain as d
from identity.domain.rules import login_key
from identity.eventstore import Accounts, account_stream, login_stream
from kabinet.contracts import REGISTRY, encode, new_envelope

LONG_AGO = datetime.now(UTC) - timedelta(days=400)


def new_id() -> str:
    return str(uuid.uuid4())


def clear_reservation(store, key: str, account_id: str, *, registered: bool) -> None:
    """A reservation as identity made it before digests (the login in the stream id), a year ago."""
    store.append(
        new_envelope(
            "LoginReserved", {"login_key": key, "account_id": account_id}, event_version=1,
            producer="identity", stream_id=login_stream(key), stream_version=1, correlation_id="c",
            occurred_at=LONG_AGO,
        )
    )  # fmt: skip
    if registered:
        payload = {**REGISTRY.latest("UserRegistered").example, "account_id": account_id}
        store.append(
            new_envelope(
                "UserRegistered", payload, event_version=1, producer="identity",
                stream_id=account_stream(account_id), stream_version=1, correlation_id="c",
            )
        )  # fmt: skip


def test_a_reservation_names_no_login_in_its_stream_id_nor_on_the_wire(accounts: Accounts, store, keys):
    accounts.reserve_login(login_key("Ivanov.Petr"), new_id())
    [stream] = store.events
    assert stream == accounts.logins.current("ivanov.petr") and "ivanov" not in stream
    [reserved] = store.load(stream)
    message = encode(reserved)
    assert message.key == stream.encode()
    assert "ivanov" not in message.value.decode() and "ivanov" not in message.key.decode()
    assert json.loads(message.value)["payload"]["login_key"].startswith("kenc:v1:account:")


def test_the_digest_depends_on_the_key_and_the_case_folded_login_only(accounts: Accounts):
    assert accounts.logins.current(login_key(" IVANOV.petr ")) == accounts.logins.current("ivanov.petr")
    assert accounts.logins.current("ivanov.petr") != accounts.logins.current("ivanov.pavel")


def test_a_clear_reservation_of_a_registered_account_still_holds_the_login_in_any_case(
    accounts: Accounts, store
):
    owner = new_id()
    clear_reservation(store, "ivanov.petr", owner, registered=True)
    with pytest.raises(d.LoginTaken):
        accounts.reserve_login(login_key("IVANOV.Petr"), new_id())
    assert accounts.account_for_login("ivanov.petr") == owner  # sign-in still finds the account
    assert store.version(accounts.logins.current("ivanov.petr")) == 0


def test_an_orphan_clear_reservation_is_reclaimed_on_the_digest_stream(accounts: Accounts, store):
    clear_reservation(store, "orphan.login", new_id(), registered=False)
    newcomer = new_id()
    accounts.reserve_login("orphan.login", newcomer)
    assert accounts.account_for_login("orphan.login") == newcomer
    with pytest.raises(d.LoginTaken):
        accounts.reserve_login("orphan.login", new_id())  # the new reservation holds it now
