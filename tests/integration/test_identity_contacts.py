"""Changing a contact: the old one works until the new one is confirmed; reused contacts are not revealed."""

from __future__ import annotations

import pytest
from identity_support import PASSWORD, bearer, confirm, project, sign_up

pytestmark = pytest.mark.integration


def signed_in(client, runtime):
    account = sign_up(client, runtime)
    tokens = client.post("/api/v1/sessions", json={"login": account["login"], "password": PASSWORD}).json
    return account, bearer(tokens["access_token"])


def contacts(client, auth):
    me = client.get("/api/v1/me", headers=auth).json
    return {(c["kind"], c["value"], c["confirmed"], c["pending"]) for c in me["contacts"]}


def test_a_new_email_replaces_the_old_one_only_once_confirmed(client, runtime):
    account, auth = signed_in(client, runtime)
    reply = client.patch("/api/v1/me/contacts", json={"email": "New.Mail@Example.RU"}, headers=auth)
    assert reply.status_code == 202
    [request] = reply.json["requests"]
    assert request["kind"] == "email" and request["destination"] == "N***@example.ru"
    [event] = [e for e in runtime.store.all() if e.event_type == "ContactChangeRequested"]
    assert event.payload["previous_value"] == account["email"] and event.payload["confirm_via"] == "email"
    project(runtime)
    assert contacts(client, auth) >= {
        ("email", account["email"], False, False),
        ("email", "New.Mail@example.ru", False, True),
    }

    confirm(
        runtime, account["account_id"], "New.Mail@example.ru",
        purpose="contact_change", channel="email", request_id=request["request_id"],
    )  # fmt: skip
    assert ("email", "New.Mail@example.ru", True, False) in contacts(client, auth)
    assert not any(c[1] == account["email"] for c in contacts(client, auth))


def test_a_contact_confirmed_by_another_account_gets_the_same_reply(client, runtime):
    owner = sign_up(client, runtime)
    _, auth = signed_in(client, runtime)
    reply = client.patch("/api/v1/me/contacts", json={"phone": owner["phone"]}, headers=auth)
    assert reply.status_code == 202 and reply.json["requests"][0]["kind"] == "phone"
    [event] = [e for e in runtime.store.all() if e.event_type == "ContactChangeRequested"]
    assert event.payload["contact_in_use"] is True
    last = runtime.store.load(f"account-{owner['account_id']}")[-1]
    assert last.event_type == "ContactUsedAgain"


def test_a_change_needs_a_valid_new_contact(client, runtime):
    _, auth = signed_in(client, runtime)
    assert client.patch("/api/v1/me/contacts", json={}, headers=auth).status_code == 422
    assert client.patch("/api/v1/me/contacts", json={"confirm_via": "sms"}, headers=auth).status_code == 422
    bad = client.patch("/api/v1/me/contacts", json={"phone": "12", "email": "x"}, headers=auth)
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"phone", "email"}
