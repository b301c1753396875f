"""Virtual subscribers for fault and abuse tests: registration bodies, codes, signed-in sessions."""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

import registrations
import requests
from registrations import PASSWORD

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, encode, new_envelope, topics

CODE = re.compile(r"\b(\d{6})\b")


def subscriber(**overrides: Any) -> dict[str, Any]:
    """A registration body with random login, phone and email."""
    return registrations.subscriber("chaos", **overrides)


def code_in(messages: list[dict[str, Any]]) -> str | None:
    """The 6-digit code of the newest message."""
    m = CODE.search(messages[0]["body"]) if messages else None
    return m.group(1) if m else None


def signed_in(suite: Any, wait_for: Any) -> tuple[dict[str, Any], str, dict[str, str]]:
    """Register, confirm by SMS code, sign in: the body, account id and auth header."""
    person = subscriber()
    api = f"{suite.gateway}/api/v1"
    created = requests.post(f"{api}/registrations", json=person, timeout=30)
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]
    code = wait_for(lambda: code_in(suite.messages(person["phone"])), timeout=60, what="the SMS code")
    body = {"account_id": account_id, "channel": "sms", "code": code}
    assert requests.post(f"{api}/confirmations", json=body, timeout=30).status_code == 200
    creds = {"login": person["login"], "password": PASSWORD}

    def token() -> str | None:
        r = requests.post(f"{api}/sessions", json=creds, timeout=30)
        return r.json()["access_token"] if r.status_code == 200 else None

    access = wait_for(token, timeout=60, every=0.3, what="sign-in after confirmation")
    return person, account_id, {"Authorization": f"Bearer {access}"}


def publish(producer: Any, topic: str, event_type: str, stream: str, version: int, payload: Any) -> None:
    """One billing feed event, acknowledged by Kafka."""
    env = new_envelope(
        event_type, payload, event_version=1, producer="billing",
        stream_id=stream, stream_version=version, correlation_id=str(uuid.uuid4()),
    )  # fmt: skip
    wire = encode(env)
    producer.send(topic, key=wire.key, value=wire.value, headers=wire.headers).get(timeout=30)


def linked_service(
    suite: Any, person: dict[str, Any], auth: dict[str, str], wait_for: Any
) -> tuple[str, str]:
    """Publish a billing account held by `person` and add it as a service: (account number, link id)."""
    number = str(random.randint(10**11, 10**12 - 1))
    account = {
        **REGISTRY.latest("BillingAccountUpserted").example,
        "account_number": number,
        "region": person["region"],
        "service_type": "internet",
        "identifiers": [],
        "holder": {k: person[k] for k in ("last_name", "first_name", "middle_name", "birth_date")},
        "contract_phone": person["phone"],
    }
    producer = kafka_clients.producer(suite.env["KAFKA_BOOTSTRAP_SERVERS"], client_id="tests-billing")
    try:
        publish(producer, suite.topic(topics.BILLING_FEED), "BillingAccountUpserted", number, 1, account)
    finally:
        producer.close(5)
    body = {"region": person["region"], "type": "internet", "identifier": number}

    def linked() -> str | None:
        r = requests.post(f"{suite.gateway}/api/v1/services", json=body, headers=auth, timeout=30)
        return r.json()["link_id"] if r.status_code == 202 and r.json()["status"] == "linked" else None

    return number, wait_for(linked, timeout=60, every=0.5, what="the service to be linked")
