"""Confirming and changing contacts through the gateway, across every service as real processes.

Registration by email (the code from the letter, or its link), wrong codes and the attempt
limit, a resend asked too soon, and a change of phone and email: codes to the new contacts,
a notice to the old one, and the profile showing only the new, confirmed contacts.
"""

from __future__ import annotations

import pytest
from journey_support import (
    CODE,
    api,
    bearer,
    code_in,
    confirm,
    contacts,
    email,
    inbox,
    link_in,
    me,
    nth_message,
    phone,
    register,
    session,
    settled,
    sign_in,
    subscriber,
)
from support import wait_for

pytestmark = pytest.mark.e2e
JSON = {"Accept": "application/json"}  # a browser (text/html) is redirected to the UI's landing page


def test_a_registration_by_email_is_confirmed_with_the_code_from_the_letter(stack):
    person = subscriber(confirm_via="email")
    account_id = register(stack, person)
    letter = nth_message(stack, person["email"], 1)
    assert letter["channel"] == "email"

    resp = confirm(stack, account_id, "email", code_in(letter))

    assert resp.status_code == 200, resp.text
    profile = settled(stack, bearer(session(stack, person["login"])), "email")
    assert profile["status"] == "active"
    assert contacts(profile, "email") == [
        {"kind": "email", "value": person["email"], "confirmed": True, "pending": False}
    ]
    assert inbox(stack, person["phone"]) == []  # the code went only to the channel asked for


def test_a_registration_by_email_is_confirmed_by_following_the_link_in_the_letter(stack):
    person = subscriber(confirm_via="email")
    register(stack, person)
    link = link_in(nth_message(stack, person["email"], 1), "/confirm")
    assert link.startswith(f"{stack.gateway}/confirm?token=")

    resp = api(stack, "GET", link.removeprefix(stack.gateway), headers=JSON)

    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "confirmed"
    profile = settled(stack, bearer(session(stack, person["login"])), "email")
    assert profile["status"] == "active"
    again = api(stack, "GET", link.removeprefix(stack.gateway), headers=JSON)
    assert again.status_code == 410  # a link works once


def test_wrong_codes_count_down_attempts_and_the_fifth_kills_the_code(stack):
    person = subscriber()
    account_id = register(stack, person)
    right = code_in(nth_message(stack, person["phone"], 1))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    replies = [confirm(stack, account_id, "sms", wrong) for _ in range(5)]

    assert [r.status_code for r in replies] == [422, 422, 422, 422, 410]
    assert [r.json()["attempts_left"] for r in replies[:4]] == [4, 3, 2, 1]
    assert all(r.headers["Content-Type"].startswith("application/problem+json") for r in replies)
    late = confirm(stack, account_id, "sms", right)
    assert late.status_code == 410  # the challenge is dead: even the right code no longer works
    refused = sign_in(stack, person["login"])
    assert refused.status_code == 403 and refused.json()["type"].endswith("confirmation-required")


def test_asking_for_a_new_code_too_soon_is_refused_with_retry_after(stack):
    person = subscriber()
    account_id = register(stack, person)
    code = code_in(nth_message(stack, person["phone"], 1))

    resp = api(
        stack, "POST", "/api/v1/confirmations/resend", json={"account_id": account_id, "channel": "sms"}
    )

    assert resp.status_code == 429, resp.text
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert len(inbox(stack, person["phone"])) == 1
    assert confirm(stack, account_id, "sms", code).status_code == 200  # the first code still works


def test_changing_phone_and_email_sends_codes_to_the_new_contacts_and_a_notice_to_the_old_one(stack):
    person = subscriber()
    account_id = register(stack, person)
    assert (
        confirm(stack, account_id, "sms", code_in(nth_message(stack, person["phone"], 1))).status_code == 200
    )
    auth = bearer(session(stack, person["login"]))
    new_phone, new_email = phone(), email()

    resp = api(
        stack, "PATCH", "/api/v1/me/contacts", json={"phone": new_phone, "email": new_email}, auth=auth
    )

    assert resp.status_code == 202, resp.text
    assert sorted(r["kind"] for r in resp.json()["requests"]) == ["email", "phone"]
    sms_code = code_in(nth_message(stack, new_phone, 1))
    email_code = code_in(nth_message(stack, new_email, 1))
    notice = nth_message(stack, person["phone"], 2)  # after the registration code
    assert not CODE.search(notice["body"])  # a notice, not a code: the old phone cannot take the change
    waiting = {"kind": "phone", "value": new_phone, "confirmed": False, "pending": True}
    pending = wait_for(
        lambda: (p := me(stack, auth)) and waiting in p["contacts"] and p, what="pending change"
    )
    assert {"kind": "phone", "value": person["phone"], "confirmed": True, "pending": False} in pending[
        "contacts"
    ]  # the old phone works until the new one is confirmed

    assert confirm(stack, account_id, "sms", sms_code).status_code == 200
    assert confirm(stack, account_id, "email", email_code).status_code == 200

    def swapped():
        profile = me(stack, auth)
        return not any(c["pending"] for c in profile["contacts"]) and profile

    profile = wait_for(swapped, what="both changes applied to the profile")
    assert contacts(profile, "phone") == [
        {"kind": "phone", "value": new_phone, "confirmed": True, "pending": False}
    ]
    assert contacts(profile, "email") == [
        {"kind": "email", "value": new_email, "confirmed": True, "pending": False}
    ]
    assert person["phone"] not in {c["value"] for c in profile["contacts"]}
