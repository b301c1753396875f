"""A forgotten password through the gateway, across every service as real processes.

Recovery asked by login, email or phone → a code (SMS) or a link (email) to a confirmed
contact, reminding the login → a new password: every old session ends (refresh and access
tokens refused), the old password stops working, the new one works, and the owner is told.
"""

from __future__ import annotations

import re

import pytest
from journey_support import (
    CODE,
    NEW_PASSWORD,
    PASSWORD,
    active_subscriber,
    api,
    bearer,
    code_in,
    confirm,
    link_in,
    nth_message,
    phone,
    register,
    session,
    settled,
    sign_in,
    subscriber,
)

pytestmark = pytest.mark.e2e


def recover(stack, **who):
    resp = api(stack, "POST", "/api/v1/password-recovery", json=who)
    assert resp.status_code == 202, resp.text
    return resp.json()


def complete(stack, **proof):
    body = {**proof, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    return api(stack, "POST", "/api/v1/password-recovery/complete", json=body)


def assert_old_sessions_ended(stack, tokens):
    refreshed = api(
        stack, "POST", "/api/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401, refreshed.text
    assert api(stack, "GET", "/api/v1/me", auth=bearer(tokens)).status_code == 401


def test_recovery_by_login_with_the_sms_code_ends_every_session_and_tells_the_owner(stack):
    person, _, tokens = active_subscriber(stack)

    recover(stack, login=person["login"])
    code = code_in(nth_message(stack, person["phone"], 2))  # after the registration code
    resp = complete(stack, login=person["login"], code=code)

    assert resp.status_code == 204, resp.text
    assert_old_sessions_ended(stack, tokens)
    assert sign_in(stack, person["login"], PASSWORD).status_code == 401
    fresh = session(stack, person["login"], NEW_PASSWORD)
    assert api(stack, "GET", "/api/v1/me", auth=bearer(fresh)).status_code == 200
    notice = nth_message(stack, person["phone"], 3)
    assert not CODE.search(notice["body"])  # "your password was changed", to the confirmed phone
    assert complete(stack, login=person["login"], code=code).status_code == 410  # the code works once


def test_recovery_by_email_is_completed_with_the_link_from_the_letter(stack):
    person = subscriber(confirm_via="email")
    account_id = register(stack, person)
    assert (
        confirm(stack, account_id, "email", code_in(nth_message(stack, person["email"], 1))).status_code
        == 200
    )
    tokens = session(stack, person["login"])
    settled(stack, bearer(tokens), "email")  # recovery finds accounts by their confirmed contacts

    recover(stack, email=person["email"].upper())
    letter = nth_message(stack, person["email"], 2)
    link = link_in(letter, "/password-recovery")
    token = link.rsplit("token=", 1)[1]
    resp = complete(stack, token=token)

    assert resp.status_code == 204, resp.text
    assert_old_sessions_ended(stack, tokens)
    session(stack, person["login"], NEW_PASSWORD)
    notice = nth_message(stack, person["email"], 3)
    assert not CODE.search(notice["body"])
    assert complete(stack, token=token).status_code == 410


def test_recovery_by_phone_gives_the_same_reply_as_for_an_unknown_phone_and_counts_wrong_codes(stack):
    person, _, tokens = active_subscriber(stack)
    national = "8 (" + person["phone"][2:5] + ") " + person["phone"][5:8] + "-" + person["phone"][8:]

    known = recover(stack, phone=national)
    unknown = recover(stack, phone=phone())
    assert known == unknown

    sms = nth_message(stack, person["phone"], 2)
    code = code_in(sms)
    # whoever forgot the password may not know the login either: the SMS reminds it
    reminded = re.search(r"Ваш логин: (\S+)\.", sms["body"])
    assert reminded and reminded.group(1) == person["login"], sms["body"]
    login = reminded.group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = complete(stack, login=login, code=wrong)
    assert refused.status_code == 422, refused.text
    assert refused.json()["attempts_left"] == 4
    resp = complete(stack, login=login, code=code)

    assert resp.status_code == 204, resp.text
    assert_old_sessions_ended(stack, tokens)
    session(stack, person["login"], NEW_PASSWORD)
    assert not CODE.search(nth_message(stack, person["phone"], 3)["body"])
