"""Notification settings across the running suite: the subscriber sends account notices to the
email instead of the phone and silences low balance; the notifier follows, and security notices
still go."""

from __future__ import annotations

import pytest
from journey_support import (
    NEW_PASSWORD,
    PASSWORD,
    active_subscriber,
    api,
    bearer,
    billing_account,
    billing_system,  # noqa: F401 - the `billing` fixture
    code_in,
    confirm,
    email,
    inbox,
    linked,
    nth_message,
    session,
    settled,
)
from support import wait_for

pytestmark = pytest.mark.e2e
SETTINGS = "/api/v1/me/notification-settings"


def subjects(stack, to):
    return [m["subject"] for m in reversed(inbox(stack, to))]  # oldest first


def test_notices_go_to_the_chosen_email_and_a_silenced_low_balance_is_not_told(stack, billing):
    person, account_id, tokens = active_subscriber(stack)
    auth = bearer(tokens)
    assert api(stack, "GET", SETTINGS, auth=auth).json() == {
        "channel": "sms",
        "low_balance": True,
        "locale": "ru",
        "channels": ["sms"],
    }
    mail = email()
    assert api(stack, "PATCH", "/api/v1/me/contacts", json={"email": mail}, auth=auth).status_code == 202
    assert confirm(stack, account_id, "email", code_in(nth_message(stack, mail, 1))).status_code == 200
    settled(stack, auth, "email")

    choice = {"channel": "email", "low_balance": False, "locale": "en"}  # and English from now on
    chosen = api(stack, "PUT", SETTINGS, json=choice, auth=auth)
    assert chosen.status_code == 200, chosen.text

    # a security notice after the choice (same account stream: the notifier has the choice by then)
    new = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    new["new_password_confirmation"] = NEW_PASSWORD
    assert api(stack, "POST", "/api/v1/me/password", json=new, auth=auth).status_code == 204
    assert nth_message(stack, mail, 2)["subject"] == "Kabinet: password changed"

    auth = bearer(session(stack, person["login"], NEW_PASSWORD))
    account = billing_account(person)
    billing("BillingAccountUpserted", account)
    body = {"region": person["region"], "type": "internet", "identifier": account["account_number"]}
    link_id = linked(stack, auth, body)["link_id"]
    number = account["account_number"]
    billing("BalanceChanged", {"account_number": number, "balance": {"amount": "10.00", "currency": "RUB"},
                               "reason": "monthly fee"})  # fmt: skip
    details = f"/api/v1/services/{link_id}"
    wait_for(
        lambda: api(stack, "GET", details, auth=auth).json()["balance"]["amount"] == "10.00",
        what="the low balance in the service view",
    )
    # the removal's notice comes after the low-balance one on the link's stream: once it is here,
    # a low-balance notice would have been too
    assert api(stack, "DELETE", f"/api/v1/services/{link_id}", auth=auth).status_code == 204
    wait_for(lambda: len(inbox(stack, mail)) >= 4, what="the service notices by email")

    assert subjects(stack, mail)[1:] == [
        "Kabinet: password changed",
        "Kabinet: service added",
        "Kabinet: service removed",
    ]
    assert len(inbox(stack, person["phone"])) == 1  # the registration code only
