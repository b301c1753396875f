"""Password recovery: one reply for every request, the code checked by verification, sessions ended."""

from __future__ import annotations

import pytest
from flask import jsonify, request
from identity_support import PASSWORD, bearer, serving, settings_for, sign_up, stub

from identity.app import create_app
from kabinet.runtime import Runtime

pytestmark = pytest.mark.integration
CODE, WRONG = "246810", "111111"


def verification_stub(runtime: Runtime):
    """Verification's password-reset check: the right code answers with the open reset request."""

    def verify():
        body = request.get_json()
        resets = [e for e in runtime.store.all() if e.event_type == "PasswordResetRequested"]
        if body.get("code") == WRONG:
            problem = {
                "type": "https://kabinet.example/problems/wrong-code",
                "title": "Wrong code",
                "status": 422,
            }
            return jsonify(problem | {"attempts_left": 4}), 422
        mine = [e for e in resets if e.payload["account_id"] == body.get("account_id")]
        if body.get("code") == CODE and mine:
            return jsonify(account_id=body["account_id"], request_id=mine[-1].payload["request_id"])
        return jsonify(type="https://kabinet.example/problems/gone", title="Gone", status=410), 410

    return stub({("POST", "/internal/v1/password-reset/verify"): verify})


@pytest.fixture
def client(service_env, runtime):
    with serving(verification_stub(runtime)) as url:
        yield create_app(settings_for(service_env, IDENTITY_VERIFICATION_URL=url)).test_client()


def complete(client, **body):
    new = "a brand new passphrase"
    return client.post(
        "/api/v1/password-recovery/complete",
        json={"new_password": new, "new_password_confirmation": new, **body},
    )


def test_every_recovery_request_gets_the_same_reply(client, runtime):
    account = sign_up(client, runtime)
    replies = [
        client.post("/api/v1/password-recovery", json=body)
        for body in (
            {"login": account["login"]},
            {"login": "nobody.here"},
            {"email": "nobody@example.ru"},
            {"phone": account["phone"]},
            {"phone": "+79990001122"},
        )
    ]
    assert {r.status_code for r in replies} == {202}
    assert len({r.data for r in replies}) == 1
    resets = [e for e in runtime.store.all() if e.event_type == "PasswordResetRequested"]
    assert [(e.payload["account_id"], e.payload["channel"]) for e in resets] == [
        (account["account_id"], "sms")
    ] * 2
    assert resets[0].payload["destination"] == account["phone_e164"]


def test_the_code_sets_a_new_password_and_ends_every_session(client, runtime):
    account = sign_up(client, runtime)
    session = client.post("/api/v1/sessions", json={"login": account["login"], "password": PASSWORD}).json
    client.post("/api/v1/password-recovery", json={"login": account["login"]})

    wrong = complete(client, login=account["login"], code=WRONG)
    assert wrong.status_code == 422 and wrong.json["attempts_left"] == 4  # passed through
    unknown = complete(client, login="nobody.here", code=CODE)
    dead = complete(client, login=account["login"], code="999999")
    assert unknown.status_code == dead.status_code == 410 and unknown.json == dead.json

    assert complete(client, login=account["login"], code=CODE).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(session["access_token"])).status_code == 401
    signed_in = client.post(
        "/api/v1/sessions", json={"login": account["login"], "password": "a brand new passphrase"}
    )
    assert signed_in.status_code == 200
    [changed] = [e for e in runtime.store.all() if e.event_type == "PasswordChanged"]
    assert changed.payload["reason"] == "recovery"
    # the reset request is spent: the same code cannot be replayed into a second change
    assert complete(client, login=account["login"], code=CODE).status_code == 410


def test_a_weak_new_password_is_refused_before_the_code_is_spent(client, runtime):
    account = sign_up(client, runtime)
    client.post("/api/v1/password-recovery", json={"login": account["login"]})
    weak = client.post(
        "/api/v1/password-recovery/complete",
        json={
            "login": account["login"],
            "code": CODE,
            "new_password": "password1",
            "new_password_confirmation": "password1",
        },
    )
    assert weak.status_code == 422 and "new_password" in weak.json["errors"]
    assert complete(client, login=account["login"], code=CODE).status_code == 204


def test_recovery_input_is_validated(client):
    assert (
        client.post("/api/v1/password-recovery", json={"login": "a", "email": "b@example.ru"}).status_code
        == 422
    )
    assert client.post("/api/v1/password-recovery", json={"email": "not-mail"}).status_code == 422
    assert client.post("/api/v1/password-recovery", json={}).status_code == 422
    missing = complete(client, code=CODE)
    assert missing.status_code == 422 and "_schema" in missing.json["errors"]
