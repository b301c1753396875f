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
    shown = client.get(PATH, headers=auth).json
    assert shown == {"channel": "sms", "low_balance": True, "locale": "ru", "channels": ["sms"]}

    refused = client.put(PATH, json={"channel": "email", "low_balance": True, "locale": "ru"}, headers=auth)
    assert refused.status_code == 422
    assert "channel" in refused.json["errors"]  # the email is not confirmed yet

    confirm(runtime, account["account_id"], account["email"], channel="email")
    choice = {"channel": "email", "low_balance": False, "locale": "en"}
    chosen = client.put(PATH, json=choice, headers=auth)
    assert chosen.status_code == 200
    assert chosen.json == {**choice, "channels": ["sms", "email"]}
    [event] = [e for e in runtime.store.all() if e.event_type == "NotificationSettingsChanged"]
    assert event.payload == {"account_id": account["account_id"], **choice}

    project(runtime)
    assert client.get(PATH, headers=auth).json["channel"] == "email"
    again = client.put(PATH, json=choice, headers=auth)
    assert again.status_code == 200
    assert [e.event_type for e in runtime.store.all()].count("NotificationSettingsChanged") == 1
    export = client.get("/api/v1/me/export", headers=auth).json
    assert export["notification_settings"] == chosen.json

    # the account's later events speak the chosen language: the notifier writes in it
    new = "an entirely new passphrase"
    change = {"current_password": PASSWORD, "new_password": new, "new_password_confirmation": new}
    assert client.post("/api/v1/me/password", json=change, headers=auth).status_code == 204
    [changed] = [e for e in runtime.store.all() if e.event_type == "PasswordChanged"]
    assert changed.payload["locale"] == "en"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "pigeon", "low_balance": True, "locale": "ru"}, "channel"),
        ({"channel": "sms", "locale": "ru"}, "low_balance"),
        ({"channel": "sms", "low_balance": "maybe", "locale": "ru"}, "low_balance"),
        ({"channel": "sms", "low_balance": 0, "locale": "ru"}, "low_balance"),
        ({"channel": "sms", "low_balance": "true", "locale": "ru"}, "low_balance"),
        ({"channel": {"$ne": None}, "low_balance": True, "locale": "ru"}, "channel"),
        ({"channel": "sms", "low_balance": True, "locale": "de"}, "locale"),
        ({"channel": "sms", "low_balance": True}, "locale"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(client, account, body, field):
    reply = client.put(PATH, json=body, headers=token(client, account))
    assert reply.status_code == 422
    assert field in str(reply.json["errors"])


def test_settings_need_a_signed_in_subscriber(client, runtime):
    assert client.get(PATH).status_code == 401
    assert client.put(PATH, json={"channel": "sms", "low_balance": True, "locale": "ru"}).status_code == 401
    body = registration()
    assert client.post("/api/v1/registrations", json=body).status_code == 201  # never confirmed
    assert (
        client.post("/api/v1/sessions", json={"login": body["login"], "password": PASSWORD}).status_code
        == 403
    )


def test_another_subscribers_choice_changes_nothing_of_mine(client, runtime, account):
    other = sign_up(client, runtime)
    quiet = {"channel": "sms", "low_balance": False, "locale": "en"}
    assert client.put(PATH, json=quiet, headers=token(client, other)).status_code == 200
    project(runtime)
    mine = client.get(PATH, headers=token(client, account)).json
    assert (mine["low_balance"], mine["locale"]) == (True, "ru")
