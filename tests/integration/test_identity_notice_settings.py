"""Notification settings: the subscriber chooses where account notices go (a confirmed contact)
and whether to hear of a low balance; the choice is an event and the read model shows it."""

from __future__ import annotations

import pytest
from identity_support import PASSWORD, bearer, confirm, project, registration, sign_up

pytestmark = pytest.mark.integration
PATH = "/api/v1/me/notification-settings"


def token(client, account) -> dict[str, str]:
    reply = client.post("/api/v1/sessions", json={"login": account["login"], "password": PASSWORD})
    return bearer(reply.json["access_token"])


def test_notices_go_where_the_account_was_confirmed_until_the_subscriber_chooses(client, runtime, account):
    auth = token(client, account)
    assert client.get(PATH, headers=auth).json == {"channel": "sms", "low_balance": True, "channels": ["sms"]}

    refused = client.put(PATH, json={"channel": "email", "low_balance": True}, headers=auth)
    assert refused.status_code == 422
    assert "channel" in refused.json["errors"]  # the email is not confirmed yet

    confirm(runtime, account["account_id"], account["email"], channel="email")
    chosen = client.put(PATH, json={"channel": "email", "low_balance": False}, headers=auth)
    assert chosen.status_code == 200
    assert chosen.json == {"channel": "email", "low_balance": False, "channels": ["sms", "email"]}
    [event] = [e for e in runtime.store.all() if e.event_type == "NotificationSettingsChanged"]
    assert event.payload == {"account_id": account["account_id"], "channel": "email", "low_balance": False}

    project(runtime)
    assert client.get(PATH, headers=auth).json["channel"] == "email"
    again = client.put(PATH, json={"channel": "email", "low_balance": False}, headers=auth)
    assert again.status_code == 200
    assert [e.event_type for e in runtime.store.all()].count("NotificationSettingsChanged") == 1
    export = client.get("/api/v1/me/export", headers=auth).json
    assert export["notification_settings"] == chosen.json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "pigeon", "low_balance": True}, "channel"),
        ({"channel": "sms"}, "low_balance"),
        ({"channel": "sms", "low_balance": "maybe"}, "low_balance"),
        ({"channel": "sms", "low_balance": 0}, "low_balance"),
        ({"channel": "sms", "low_balance": "true"}, "low_balance"),
        ({"channel": {"$ne": None}, "low_balance": True}, "channel"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(client, account, body, field):
    reply = client.put(PATH, json=body, headers=token(client, account))
    assert reply.status_code == 422
    assert field in str(reply.json["errors"])


def test_settings_need_a_signed_in_subscriber(client, runtime):
    assert client.get(PATH).status_code == 401
    assert client.put(PATH, json={"channel": "sms", "low_balance": True}).status_code == 401
    body = registration()
    assert client.post("/api/v1/registrations", json=body).status_code == 201  # never confirmed
    assert (
        client.post("/api/v1/sessions", json={"login": body["login"], "password": PASSWORD}).status_code
        == 403
    )


def test_another_subscribers_choice_changes_nothing_of_mine(client, runtime, account):
    other = sign_up(client, runtime)
    assert (
        client.put(
            PATH, json={"channel": "sms", "low_balance": False}, headers=token(client, other)
        ).status_code
        == 200
    )
    project(runtime)
    assert client.get(PATH, headers=token(client, account)).json["low_balance"] is True
