"""Logins and client addresses kept out of ids on the real servers: login reservations under
keyed digests (stream ids, Kafka keys), reservations from before digests still honoured,
throttle documents under keyed digests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from identity_support import registration, settings_for
from support import read_topic

from identity.eventstore import login_stream, open_accounts
from kabinet import kafka as kafka_clients
from kabinet.contracts.topics import ACCOUNTS
from kabinet.relay import OutboxRelay

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(service_env):
    return settings_for(service_env)


def register(client, **overrides):
    return client.post("/api/v1/registrations", json=registration(**overrides))


def test_a_reservation_holds_no_login_in_store_ids_or_on_the_topic_and_refuses_another_case(client, runtime):
    kafka_clients.ensure_topics(
        runtime.infra.kafka_bootstrap, [runtime.topic(ACCOUNTS)], partitions=3, replication=1
    )
    login = registration()["login"].replace("user.", "Petr.Login.")
    assert register(client, login=login, email="p@example.ru").status_code == 201
    assert register(client, login=login.upper()).status_code == 409

    [doc] = runtime.db["events"].find({"event_type": "LoginReserved"})
    folded = login.casefold()
    assert folded not in doc["_id"] and folded not in doc["stream_id"]
    assert doc["payload"]["login_key"].startswith("kenc:v1:account:")  # sealed like other personal data
    OutboxRelay(runtime.store, runtime.producer()).publish_pending()
    records = read_topic(runtime.infra.kafka_bootstrap, runtime.topic(ACCOUNTS), expect=2)
    for r in records:
        assert folded not in r.key.decode().casefold() and folded not in r.value.decode().casefold()


def as_before_digests(runtime, login_key: str) -> None:
    """Move a reservation to the clear stream id identity used before digests (a year old)."""
    events = runtime.db["events"]
    [doc] = events.find({"event_type": "LoginReserved", "payload.account_id": {"$exists": True}})
    old = {**doc, "_id": f"{login_stream(login_key)}:1", "stream_id": login_stream(login_key)}
    old["occurred_at"] = doc["occurred_at"] - timedelta(days=365)
    events.delete_one({"_id": doc["_id"]})
    events.insert_one(old)


def test_a_reservation_from_before_digests_still_holds_its_login(client, runtime):
    body = registration()
    reply = client.post("/api/v1/registrations", json=body)
    assert reply.status_code == 201
    as_before_digests(runtime, body["login"].casefold())

    assert register(client, login=body["login"].upper()).status_code == 409
    assert open_accounts(runtime).account_for_login(body["login"].casefold()) == reply.json["account_id"]
    reserved = list(runtime.db["events"].find({"event_type": "LoginReserved"}))
    assert [d["stream_id"] for d in reserved] == [login_stream(body["login"].casefold())]


def test_failed_sign_ins_leave_no_login_or_address_in_throttle_ids(client, runtime):
    account = registration()
    assert client.post("/api/v1/registrations", json=account).status_code == 201
    for _ in range(2):
        reply = client.post(
            "/api/v1/sessions",
            json={"login": account["login"], "password": "wrong password"},
            environ_base={"REMOTE_ADDR": "203.0.113.77"},
        )
        assert reply.status_code == 401
    ids = [d["_id"] for d in runtime.db["throttle"].find()]
    assert {i.split(":", 1)[0] for i in ids} >= {"login", "ip"}
    stored = " ".join(ids).casefold()
    assert "203.0.113.77" not in stored and account["login"].casefold() not in stored
