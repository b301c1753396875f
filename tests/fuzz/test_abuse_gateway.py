"""Abuse of the gateway, refused cleanly: credential stuffing, SMS pumping (resends, registrations),
oversized and deeply nested JSON, header injection through names and emails, NoSQL operator
injection in any field.

Runs against the strict gateway of the fuzz suite (default throttles, `X-Forwarded-For`
trusted as behind the operator's proxy, so one test can play many client addresses).
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import pytest
import requests
from chaos.people import PASSWORD, signed_in, subscriber
from support import wait_for

pytestmark = pytest.mark.e2e


def ip() -> str:
    return f"203.0.{random.randint(0, 255)}.{random.randint(1, 254)}"


def post(base: str, path: str, body: Any, **kw: Any) -> requests.Response:
    return requests.post(f"{base}/api/v1/{path}", json=body, timeout=30, **kw)


def assert_problem(r: requests.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status
    return body


def test_credential_stuffing_from_one_address_is_throttled(fuzz_suite):
    address = ip()
    statuses = []
    for n in range(30):  # 30 different logins, one address
        body = {"login": f"victim_{uuid.uuid4().hex[:8]}", "password": f"Guess-{n}-Passw0rd!"}
        statuses.append(post(fuzz_suite.strict, "sessions", body, headers={"X-Forwarded-For": address}))
    codes = [r.status_code for r in statuses]
    assert set(codes) <= {401, 429}
    assert codes[:20] == [401] * 20  # the address's free failures
    throttled = [r for r in statuses if r.status_code == 429]
    assert throttled and codes[-1] == 429
    assert int(throttled[0].headers["Retry-After"]) >= 1
    assert_problem(throttled[0], 429)


def test_one_account_attacked_from_many_addresses_is_locked(fuzz_suite):
    person, _, _ = signed_in(fuzz_suite.suite, wait_for)
    creds = {"login": person["login"], "password": PASSWORD}
    assert post(fuzz_suite.strict, "sessions", creds, headers={"X-Forwarded-For": ip()}).status_code == 200
    codes = []
    for n in range(8):
        wrong = {"login": person["login"], "password": f"Wrong-{n}-Passw0rd!"}
        codes.append(
            post(fuzz_suite.strict, "sessions", wrong, headers={"X-Forwarded-For": ip()}).status_code
        )
    assert codes[:4] == [401] * 4 and 429 in codes
    # while locked, even the right password from yet another address waits
    locked = post(fuzz_suite.strict, "sessions", creds, headers={"X-Forwarded-For": ip()})
    assert_problem(locked, 429)


def test_resend_storms_do_not_pump_sms(fuzz_suite):
    """Many numbers, each asking for codes again and again: one code each, then 429 + Retry-After."""
    accounts = []
    for _ in range(5):
        person = subscriber()
        r = post(fuzz_suite.strict, "registrations", person, headers={"X-Forwarded-For": ip()})
        assert r.status_code == 201
        accounts.append((r.json()["account_id"], person["phone"]))
    for _, phone in accounts:
        wait_for(lambda p=phone: fuzz_suite.messages(p), timeout=60, what="the registration code")
    refused = []
    for account_id, _ in accounts:
        for _ in range(6):
            r = post(fuzz_suite.strict, "confirmations/resend", {"account_id": account_id, "channel": "sms"})
            assert r.status_code in (202, 429), r.text
            refused += [r] if r.status_code == 429 else []
    assert len(refused) >= 5 * 5  # at most one resend each within the cool-down
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert_problem(refused[0], 429)
    for _, phone in accounts:  # the first code and at most one resend went out
        assert len(fuzz_suite.messages(phone)) <= 2


def test_registration_storms_do_not_pump_sms(fuzz_suite):
    """Many numbers registered from one address, then one number from many: 429 past each quota."""
    address, people = ip(), [subscriber() for _ in range(8)]
    replies = [
        post(fuzz_suite.strict, "registrations", p, headers={"X-Forwarded-For": address}) for p in people
    ]
    assert [r.status_code for r in replies] == [201] * 5 + [429] * 3  # STRICT: 5 per address
    body = assert_problem(replies[-1], 429)
    assert body["reason"] == "registrations-per-ip" and int(replies[-1].headers["Retry-After"]) >= 1
    victim = people[0]["phone"]  # one SMS so far; four more registrations may name it, then none
    again = [
        post(fuzz_suite.strict, "registrations", subscriber(phone=victim), headers={"X-Forwarded-For": ip()})
        for _ in range(5)
    ]
    assert [r.status_code for r in again] == [201] * 4 + [429]
    assert again[-1].json()["reason"] == "registrations-per-phone"
    for p in people[5:]:  # the refused ones never got a code
        assert fuzz_suite.messages(p["phone"]) == []


def test_oversized_json_is_413(fuzz_suite):
    body = {**subscriber(), "last_name": "Я" * 200_000}
    r = post(fuzz_suite.strict, "registrations", body)
    assert_problem(r, 413)


@pytest.mark.parametrize("depth", [50, 2_000, 20_000])
def test_deeply_nested_json_is_refused_cleanly(fuzz_suite, depth):
    nested = "[" * depth + "]" * depth
    raw = json.dumps({**subscriber(), "middle_name": "X"})[:-1] + f', "extra": {nested}}}'
    r = requests.post(
        f"{fuzz_suite.strict}/api/v1/registrations",
        data=raw.encode(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code in (400, 413, 422), (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "field,value",
    [
        ("email", "anna@example.ru\r\nBcc: attacker@evil.example"),
        ("email", "anna@example.ru\nSubject: you won"),
        ("first_name", "Анна\r\nBcc: attacker@evil.example"),
        ("last_name", "Соколова\nContent-Type: text/html"),
        ("login", "anna\r\nX-Injected: 1"),
    ],
)
def test_header_injection_through_names_and_emails_is_refused(fuzz_suite, field, value):
    body = {**subscriber(confirm_via="email"), field: value}
    r = post(fuzz_suite.strict, "registrations", body)
    errors = assert_problem(r, 422)["errors"]
    assert field in errors
    assert fuzz_suite.messages("attacker@evil.example") == []


OPERATOR = {"$ne": None}


def _bodies(person: dict[str, Any], account_id: str) -> dict[str, dict[str, Any]]:
    return {
        "registrations": subscriber(),
        "sessions": {"login": person["login"], "password": PASSWORD},
        "sessions/refresh": {"refresh_token": "x" * 40},
        "confirmations": {"account_id": account_id, "channel": "sms", "code": "123456"},
        "confirmations/resend": {"account_id": account_id, "channel": "sms"},
        "password-recovery": {"login": person["login"]},
        "password-recovery/complete": {
            "login": person["login"],
            "code": "123456",
            "new_password": PASSWORD + "!",
            "new_password_confirmation": PASSWORD + "!",
        },
        "password-strength": {"password": PASSWORD},
        "services": {"region": "RU-MOW", "type": "internet", "identifier": "123456789012"},
        "me/contacts": {"email": "new@example.ru"},
    }


def test_nosql_operators_in_any_field_are_422(fuzz_suite):
    person, account_id, auth = signed_in(fuzz_suite.suite, wait_for)
    tried = []
    for path, body in _bodies(person, account_id).items():
        method = "PATCH" if path == "me/contacts" else "POST"
        for field in body:
            for operator in (OPERATOR, {"$gt": ""}, {"$regex": ".*"}, [OPERATOR]):
                evil = {**body, field: operator}
                r = requests.request(
                    method,
                    f"{fuzz_suite.strict}/api/v1/{path}",
                    json=evil,
                    headers={**auth, "X-Forwarded-For": ip()},
                    timeout=30,
                )
                tried.append((path, field, r.status_code))
                assert r.status_code == 422, (path, field, operator, r.status_code, r.text[:300])
                assert field in r.json()["errors"], (path, field, r.json())
    assert len(tried) > 60
