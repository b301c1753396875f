"""A subscriber's whole journey through the gateway, across every service as real processes.

Register → the SMS code arrives in the dev inbox → confirm → log in → see the profile → add a
service the billing feed knows (holder match, then by code) → see balance and status → the
balance moves → log out.
"""

from __future__ import annotations

import random
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
import requests
from registrations import PASSWORD, subscriber
from support import wait_for

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, encode, new_envelope
from kabinet.contracts.topics import BILLING_FEED

pytestmark = pytest.mark.e2e


def publish_billing(stack, producer, event_type: str, payload: dict[str, Any]) -> None:
    env = new_envelope(
        event_type, payload, event_version=1, producer="billing",
        stream_id=payload["account_number"], stream_version=1, correlation_id=str(uuid.uuid4()),
    )  # fmt: skip
    wire = encode(env)
    topic = stack.topic_prefix + BILLING_FEED
    producer.send(topic, key=wire.key, value=wire.value, headers=wire.headers).get(timeout=10)


def billing_account(person: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    example = REGISTRY.latest("BillingAccountUpserted").example
    return {
        **example,
        "account_number": str(random.randint(10**11, 10**12 - 1)),
        "region": person["region"],
        "service_type": "internet",
        "identifiers": [],
        "holder": {k: person[k] for k in ("last_name", "first_name", "middle_name", "birth_date")},
        "contract_phone": person["phone"],
        "balance": {"amount": "250.00", "currency": "RUB"},
        **overrides,
    }


def code_for(stack, to: str, after: int = 0) -> str:
    """The newest 6-digit code sent to `to` (waits for message number `after + 1`)."""
    messages = wait_for(lambda: (m := stack.messages(to)) and len(m) > after and m, what=f"a code to {to}")
    return re.search(r"\b(\d{6})\b", messages[0]["body"]).group(1)


def sign_in(stack, person: dict[str, Any]) -> dict[str, str]:
    body = {"login": person["login"], "password": person["password"]}
    resp = wait_for(
        lambda: (r := requests.post(f"{stack.gateway}/api/v1/sessions", json=body, timeout=10)).ok and r,
        what="sign-in after confirmation",
    )
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


@pytest.fixture(scope="module")
def producer(stack):
    p = kafka_clients.producer(stack.env["KAFKA_BOOTSTRAP_SERVERS"], client_id="e2e-billing")
    yield p
    p.close(timeout=5)


@pytest.fixture(scope="module")
def confirmed(stack):
    """A registered subscriber who confirmed the phone by the SMS code, and their session."""
    person = subscriber()
    created = requests.post(f"{stack.gateway}/api/v1/registrations", json=person, timeout=30)
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]
    assert created.json()["status"] == "pending_confirmation"
    early = requests.post(
        f"{stack.gateway}/api/v1/sessions", json={"login": person["login"], "password": PASSWORD}, timeout=10
    )
    assert early.status_code == 403
    assert early.json()["type"].endswith("confirmation-required")
    code = code_for(stack, person["phone"])
    ok = requests.post(
        f"{stack.gateway}/api/v1/confirmations",
        json={"account_id": account_id, "channel": "sms", "code": code},
        timeout=10,
    )
    assert ok.status_code == 200, ok.text
    return person, account_id, sign_in(stack, person)


def test_a_confirmed_subscriber_sees_the_profile_with_the_phone_confirmed(stack, confirmed):
    person, account_id, auth = confirmed

    def active() -> dict[str, Any] | None:  # /me reads the projection, which trails the event store
        me = requests.get(f"{stack.gateway}/api/v1/me", headers=auth, timeout=10).json()
        return me if me.get("status") == "active" else None

    me = wait_for(active, what="the profile to show the account active")
    assert me["account_id"] == account_id
    assert me["status"] == "active"
    phone = next(c for c in me["contacts"] if c["kind"] == "phone")
    assert phone["value"] == person["phone"] and phone["confirmed"] is True


def test_a_service_whose_holder_matches_is_linked_at_once_and_shows_its_balance(stack, confirmed, producer):
    person, _, auth = confirmed
    account = billing_account(person)
    publish_billing(stack, producer, "BillingAccountUpserted", account)
    body = {"region": person["region"], "type": "internet", "identifier": account["account_number"]}

    def linked() -> dict[str, Any] | None:
        resp = requests.post(f"{stack.gateway}/api/v1/services", json=body, headers=auth, timeout=10)
        assert resp.status_code == 202, resp.text
        return resp.json() if resp.json()["status"] == "linked" else None

    link = wait_for(linked, what="the billing feed to reach billing-link")
    services = requests.get(f"{stack.gateway}/api/v1/services", headers=auth, timeout=10).json()
    mine = next(s for s in services if s["link_id"] == link["link_id"])
    assert Decimal(mine["balance"]["amount"]) == Decimal("250.00")
    assert account["account_number"] not in mine["identifier"]  # masked

    publish_billing(
        stack, producer, "BalanceChanged",
        {"account_number": account["account_number"], "balance": {"amount": "-12.40", "currency": "RUB"},
         "reason": "monthly fee"},
    )  # fmt: skip

    def balance() -> bool:
        detail = requests.get(f"{stack.gateway}/api/v1/services/{link['link_id']}", headers=auth, timeout=10)
        return Decimal(detail.json()["balance"]["amount"]) == Decimal("-12.40")

    wait_for(balance, what="the new balance")


def test_a_service_of_another_holder_is_linked_by_the_code_sent_to_the_contract_phone(
    stack, confirmed, producer
):
    person, _, auth = confirmed
    contract_phone = f"+7903{random.randint(1000000, 9999999)}"
    account = billing_account(
        person,
        contract_phone=contract_phone,
        holder={**billing_account(person)["holder"], "first_name": "Ольга"},
    )
    publish_billing(stack, producer, "BillingAccountUpserted", account)
    body = {"region": person["region"], "type": "internet", "identifier": account["account_number"]}

    def pending_with_code() -> dict[str, Any] | None:
        resp = requests.post(f"{stack.gateway}/api/v1/services", json=body, headers=auth, timeout=10)
        return resp.json() if stack.messages(contract_phone) else None

    link = wait_for(pending_with_code, what="a proof code to the contract phone")
    assert link["status"] == "pending_proof"
    code = code_for(stack, contract_phone)
    resp = requests.post(
        f"{stack.gateway}/api/v1/services/{link['link_id']}/confirm",
        json={"code": code},
        headers=auth,
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "linked"


def test_another_subscriber_cannot_see_my_service(stack, confirmed):
    _, _, auth = confirmed
    services = requests.get(f"{stack.gateway}/api/v1/services", headers=auth, timeout=10).json()
    stranger = subscriber()
    assert (
        requests.post(f"{stack.gateway}/api/v1/registrations", json=stranger, timeout=30).status_code == 201
    )
    for service in services:
        resp = requests.get(f"{stack.gateway}/api/v1/services/{service['link_id']}", timeout=10)
        assert resp.status_code == 401


def test_logging_out_ends_the_session(stack, confirmed):
    person, _, _ = confirmed
    tokens = requests.post(
        f"{stack.gateway}/api/v1/sessions", json={"login": person["login"], "password": PASSWORD}, timeout=10
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (
        requests.delete(f"{stack.gateway}/api/v1/sessions/current", headers=auth, timeout=10).status_code
        == 204
    )
    again = requests.post(
        f"{stack.gateway}/api/v1/sessions/refresh",
        json={"refresh_token": tokens["refresh_token"]},
        timeout=10,
    )
    assert again.status_code == 401
