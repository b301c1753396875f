"""Identity's consumers on the real broker: its read model, and activation by verification's events."""

from __future__ import annotations

import pytest
from identity_support import PASSWORD, bearer, contact_confirmed, project, registration, settings_for
from support import drive, read_topic

from identity.app import create_app
from identity.bootstrap import SERVICE
from identity.consumers import CONSUMERS
from kabinet import kafka as kafka_clients
from kabinet.contracts import decode, encode
from kabinet.contracts.topics import ACCOUNTS, VERIFICATION
from kabinet.relay import OutboxRelay
from kabinet.runtime import Runtime
from kabinet.service import build_loop

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(service_env):
    return settings_for(service_env)


@pytest.fixture
def runtime(settings, kafka_bootstrap):
    rt = Runtime.open(settings.infra)
    SERVICE.setup(rt)
    topics = [rt.topic(t) for t in (ACCOUNTS, VERIFICATION)]
    kafka_clients.ensure_topics(kafka_bootstrap, topics, partitions=3, replication=1)
    yield rt
    rt.close()


@pytest.fixture
def client(settings, runtime):
    return create_app(settings).test_client()


def register(client, runtime) -> tuple[dict, str]:
    body = registration()
    reply = client.post("/api/v1/registrations", json=body)
    assert reply.status_code == 201
    account_id = reply.json["account_id"]
    return body, account_id


def test_the_read_model_is_built_from_the_topic_and_a_redelivery_changes_nothing(
    client, runtime, kafka_bootstrap
):
    body, account_id = register(client, runtime)
    OutboxRelay(runtime.store, runtime.producer()).publish_pending()
    consumer, loop = build_loop(runtime, CONSUMERS["projection"])
    accounts = runtime.db["accounts"]
    try:
        drive(loop, lambda: accounts.find_one({"_id": account_id}), what="the account in the read model")
    finally:
        consumer.close(autocommit=False)
    before = accounts.find_one({"_id": account_id})
    assert before["status"] == "pending_confirmation" and before["login"] == body["login"]
    assert before["_version"] == 1

    handle = CONSUMERS["projection"].build(runtime)
    records = read_topic(kafka_bootstrap, runtime.topic(ACCOUNTS), expect=2)
    for record in records * 2:  # the same messages again, twice: a redelivery after a crash
        handle(decode(record.value), record)
    assert accounts.find_one({"_id": account_id}) == before


def test_contact_confirmed_from_verification_activates_the_account_so_sign_in_works(client, runtime):
    body, account_id = register(client, runtime)
    sign_in = {"login": body["login"], "password": PASSWORD}
    assert client.post("/api/v1/sessions", json=sign_in).status_code == 403
    phone = runtime.store.load(f"account-{account_id}")[0].payload["phone"]
    wire = encode(contact_confirmed(account_id, phone))
    producer = runtime.producer()
    for _ in range(2):  # delivered twice: activation happens once
        producer.send(runtime.topic(wire.topic), key=wire.key, value=wire.value, headers=wire.headers)
    producer.flush(10)

    consumer, loop = build_loop(runtime, CONSUMERS["confirmations"])
    try:
        drive(loop, lambda: loop.stats.handled >= 2, what="both deliveries handled")
    finally:
        consumer.close(autocommit=False)
    types = [e.event_type for e in runtime.store.load(f"account-{account_id}")]
    assert types == ["UserRegistered", "AccountActivated"]
    activated = runtime.store.load(f"account-{account_id}")[1]
    assert activated.causation_id is not None  # traced back to verification's event

    reply = client.post("/api/v1/sessions", json=sign_in)
    assert reply.status_code == 200
    project(runtime)  # /me reads the read model; the first test drives its consumer over Kafka
    me = client.get("/api/v1/me", headers=bearer(reply.json["access_token"]))
    assert me.json["status"] == "active"
