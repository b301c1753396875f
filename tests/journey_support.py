"""Helpers of the gateway journeys on the running suite (the e2e `stack` fixture): people, codes, sessions.

Everything goes through the public surfaces only: the gateway (API.md part A), the dev inbox
(part C) and, for the operator's billing system, the billing feed topic (part B).
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from registrations import PASSWORD, email, phone, subscriber  # noqa: F401 - re-exported for the journeys
from support import wait_for

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, encode, new_envelope
from kabinet.contracts.topics import BILLING_FEED

NEW_PASSWORD = "Сосны-шумят-у-Ладоги-1987"
CODE = re.compile(r"\b(\d{6})\b")
TIMEOUT = 10


def api(
    stack: Any,
    method: str,
    path: str,
    *,
    auth: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    **kw: Any,
) -> Any:
    """One call to the gateway."""
    sent = {**(headers or {}), **(auth or {})}
    return requests.request(method, f"{stack.gateway}{path}", headers=sent, timeout=30, **kw)


def register(stack: Any, person: dict[str, Any]) -> str:
    """Register `person`; their account id."""
    resp = api(stack, "POST", "/api/v1/registrations", json=person)
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "pending_confirmation"
    return str(resp.json()["account_id"])


def inbox(stack: Any, to: str) -> list[dict[str, Any]]:
    """Messages the dev inbox holds for `to`, newest first."""
    return list(stack.messages(to))


def nth_message(stack: Any, to: str, n: int, timeout: float = 30.0) -> dict[str, Any]:
    """The `n`-th message (1-based, oldest first) sent to `to`, waiting for it."""
    messages = wait_for(
        lambda: (m := inbox(stack, to)) and len(m) >= n and m, timeout=timeout, what=f"message {n} to {to}"
    )
    return messages[len(messages) - n]


def code_in(message: dict[str, Any]) -> str:
    """The 6-digit code a message carries."""
    found = CODE.search(message["body"])
    assert found, f"no code in {message['body']!r}"
    return found.group(1)


def link_in(message: dict[str, Any], path: str) -> str:
    """The link to `path` (e.g. `/confirm`) an email carries."""
    found = re.search(rf"(https?://\S+{re.escape(path)}\?token=[\w%.~-]+)", message["body"])
    assert found, f"no {path} link in {message['body']!r}"
    return found.group(1)


def confirm(stack: Any, account_id: str, channel: str, code: str) -> Any:
    """Submit a confirmation code through the gateway."""
    return api(
        stack,
        "POST",
        "/api/v1/confirmations",
        json={"account_id": account_id, "channel": channel, "code": code},
    )


def sign_in(stack: Any, login: str, password: str = PASSWORD) -> Any:
    """`POST /api/v1/sessions`."""
    return api(stack, "POST", "/api/v1/sessions", json={"login": login, "password": password})


def session(stack: Any, login: str, password: str = PASSWORD) -> dict[str, Any]:
    """Tokens of a fresh session (waits out the moment before the confirmation reaches identity)."""
    resp = wait_for(
        lambda: (r := sign_in(stack, login, password)).status_code == 200 and r, what=f"sign-in of {login}"
    )
    return dict(resp.json())


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """The Authorization header of a session."""
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def me(stack: Any, auth: dict[str, str]) -> dict[str, Any]:
    """`GET /api/v1/me`."""
    resp = api(stack, "GET", "/api/v1/me", auth=auth)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def contacts(profile: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The profile's contacts of one kind (current and pending)."""
    return [c for c in profile["contacts"] if c["kind"] == kind]


def active_subscriber(stack: Any, **overrides: Any) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """A subscriber registered by SMS who confirmed the phone: (person, account id, session tokens)."""
    person = subscriber(**overrides)
    account_id = register(stack, person)
    resp = confirm(stack, account_id, "sms", code_in(nth_message(stack, person["phone"], 1)))
    assert resp.status_code == 200, resp.text
    tokens = session(stack, person["login"])
    settled(stack, bearer(tokens), "phone")
    return person, account_id, tokens


def settled(stack: Any, auth: dict[str, str], kind: str) -> dict[str, Any]:
    """Wait until the profile (the gateway's read model) shows the contact of `kind` confirmed."""
    return wait_for(
        lambda: (p := me(stack, auth)) and any(c["confirmed"] for c in contacts(p, kind)) and p,
        what=f"the confirmed {kind} in the profile",
    )


def quiet(probe: Any, *, for_seconds: float) -> None:
    """Assert `probe()` stays falsy for a while (a bounded polling check that nothing happens)."""
    deadline = time.monotonic() + for_seconds
    while time.monotonic() < deadline:
        assert not (found := probe()), f"unexpected: {found}"
        time.sleep(0.1)


@pytest.fixture(scope="module", name="billing")
def billing_system(stack: Any) -> Iterator[Any]:
    """The operator's billing system: publishes billing feed events into the stack's namespace."""
    producer = kafka_clients.producer(stack.env["KAFKA_BOOTSTRAP_SERVERS"], client_id="e2e-billing-system")

    def publish(event_type: str, payload: dict[str, Any]) -> None:
        envelope = new_envelope(
            event_type, payload, event_version=1, producer="billing",
            stream_id=payload["account_number"], stream_version=1, correlation_id=str(uuid.uuid4()),
        )  # fmt: skip
        wire = encode(envelope)
        producer.send(
            stack.topic_prefix + BILLING_FEED, key=wire.key, value=wire.value, headers=wire.headers
        ).get(timeout=10)

    yield publish
    producer.close(timeout=5)


def billing_account(person: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A `BillingAccountUpserted` payload held by `person` (internet, 250.00 RUB) with `overrides`."""
    return {
        **REGISTRY.latest("BillingAccountUpserted").example,
        "account_number": str(random.randint(10**11, 10**12 - 1)),
        "region": person["region"],
        "service_type": "internet",
        "identifiers": [],
        "holder": {k: person[k] for k in ("last_name", "first_name", "middle_name", "birth_date")},
        "contract_phone": person["phone"],
        "status": "active",
        "balance": {"amount": "250.00", "currency": "RUB"},
        **overrides,
    }


def add_service(stack: Any, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """`POST /api/v1/services` → the 202 reply."""
    resp = api(stack, "POST", "/api/v1/services", json=body, auth=auth)
    assert resp.status_code == 202, resp.text
    return dict(resp.json())


def linked(stack: Any, auth: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Add a service the caller holds, asking again until billing-link has the feed record and the caller."""
    return wait_for(
        lambda: (r := add_service(stack, auth, body))["status"] == "linked" and r,
        every=0.2,
        what=f"the {body['type']} service linked by holder match",
    )


def service_ids(stack: Any, auth: dict[str, str]) -> list[str]:
    """Link ids of `GET /api/v1/services`."""
    resp = api(stack, "GET", "/api/v1/services", auth=auth)
    assert resp.status_code == 200, resp.text
    return [s["link_id"] for s in resp.json()]
