"""The identity gateway end to end: HTTP in, events out through the outbox, consumers on the real broker."""

from __future__ import annotations

import threading

import pytest
from identity_support import PASSWORD, bearer, contact_confirmed, registration, settings_for
from support import wait_for

from identity.app import create_app
from identity.bootstrap import SERVICE
from kabinet import kafka as kafka_clients
from kabinet.cli import run_consumers
from kabinet.contracts import encode
from kabinet.relay import Lease, OutboxRelay
from kabinet.runtime import Runtime

pytestmark = pytest.mark.e2e


@pytest.fixture
def settings(service_env):
    return settings_for(service_env)


@pytest.fixture
def running(settings, kafka_bootstrap):
    """`python -m identity publish` and `consume` in threads of this process, against the real servers."""
    runtime = Runtime.open(settings.infra)
    SERVICE.setup(runtime)
    kafka_clients.ensure_topics(
        kafka_bootstrap, [runtime.topic(t) for t in SERVICE.topics()], partitions=3, replication=1
    )
    stop = threading.Event()
    relay = OutboxRelay(runtime.store, runtime.producer())
    threads = [
        threading.Thread(target=relay.run, args=(stop, Lease(runtime.db, "outbox-relay"))),
        threading.Thread(target=run_consumers, args=(runtime, list(SERVICE.consumers.values()), stop)),
    ]
    for t in threads:
        t.start()
    yield runtime
    stop.set()
    for t in threads:
        t.join(30)
    runtime.close()


def test_register_confirm_sign_in_and_read_the_profile(settings, running):
    client = create_app(settings).test_client()
    body = registration(confirm_via="sms")
    reply = client.post("/api/v1/registrations", json=body)
    assert reply.status_code == 201
    account_id = reply.json["account_id"]
    accounts = running.db["accounts"]
    wait_for(lambda: accounts.find_one({"_id": account_id}), what="the projection of UserRegistered")
    assert (
        client.post("/api/v1/sessions", json={"login": body["login"], "password": PASSWORD}).status_code
        == 403
    )

    phone = accounts.find_one({"_id": account_id})["phone"]["value"]
    wire = encode(contact_confirmed(account_id, phone))  # what verification publishes after a right code
    running.producer().send(running.topic(wire.topic), key=wire.key, value=wire.value, headers=wire.headers)
    running.producer().flush(10)
    wait_for(
        lambda: (accounts.find_one({"_id": account_id}) or {}).get("status") == "active", what="activation"
    )

    tokens = client.post("/api/v1/sessions", json={"login": body["login"], "password": PASSWORD}).json
    me = client.get("/api/v1/me", headers=bearer(tokens["access_token"])).json
    assert me["status"] == "active" and me["account_id"] == account_id
    assert {"kind": "phone", "value": phone, "confirmed": True, "pending": False} in me["contacts"]

    new = "quite another passphrase"
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": new, "new_password_confirmation": new},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 204
    wait_for(
        lambda: (accounts.find_one({"_id": account_id}) or {}).get("password_changed_at"), what="projection"
    )
    wait_for(lambda: running.db["events"].count_documents({"published": False}) == 0, what="outbox drained")
