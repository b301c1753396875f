"""The internal HTTP API over the in-memory use cases: status codes, problem types, headers."""

from __future__ import annotations

import uuid

import pytest

from verification.app import create_app
from verification.config import Settings
from verification.domain import CodeIssued


@pytest.fixture
def client(world):
    # no Kafka in the unit tier: no health monitor, so no write gate (tests/unit/backbone tests it)
    app = create_app(Settings.from_env({"LOG_JSON": "0", "KAFKA_HEALTH_INTERVAL": "0"}))
    app.extensions["verification"] = world.service  # the in-memory adapters of the unit tier
    return app.test_client()


def open_challenge(world, make_issue, **overrides):
    world.codes.queue.append("402913")
    cmd = make_issue(**overrides)
    world.service.issue(cmd)
    return cmd


def test_submit_replies_confirmed_with_the_binding(client, world, make_issue):
    cmd = open_challenge(world, make_issue)
    reply = client.post(
        "/internal/v1/confirmations", json={"account_id": cmd.binding.account_id, "code": "402913"}
    )
    assert reply.status_code == 200
    assert reply.get_json() == {
        "status": "confirmed",
        "challenge_id": cmd.challenge_id,
        "account_id": cmd.binding.account_id,
        "purpose": "registration",
        "request_id": None,
        "channel": "sms",
    }


def test_wrong_code_is_422_with_attempts_left_and_the_sixth_try_is_410(client, world, make_issue):
    body = {"account_id": open_challenge(world, make_issue).binding.account_id, "code": "000000"}
    for left in (4, 3, 2, 1):
        reply = client.post("/internal/v1/confirmations", json=body)
        assert reply.status_code == 422 and reply.get_json()["attempts_left"] == left
        assert reply.get_json()["type"].endswith("/wrong-code")
    dead = client.post("/internal/v1/confirmations", json=body)
    assert dead.status_code == 410 and dead.get_json()["reason"] == "attempts_exhausted"
    assert dead.mimetype == "application/problem+json"


def test_expired_code_is_410(client, world, make_issue):
    cmd = open_challenge(world, make_issue)
    world.clock.advance(minutes=11)
    reply = client.post(
        "/internal/v1/confirmations", json={"account_id": cmd.binding.account_id, "code": "402913"}
    )
    assert reply.status_code == 410 and reply.get_json()["reason"] == "expired"


def test_no_challenge_is_404_and_bad_input_names_the_fields(client):
    reply = client.post(
        "/internal/v1/confirmations", json={"account_id": str(uuid.uuid4()), "code": "123456"}
    )
    assert reply.status_code == 404
    bad = client.post("/internal/v1/confirmations", json={"account_id": "nope", "code": "12"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"account_id", "code"}


def test_resend_is_202_then_429_with_retry_after(client, world, make_issue):
    cmd = open_challenge(world, make_issue, channel="email")
    body = {"account_id": cmd.binding.account_id, "channel": "email"}
    world.clock.advance(seconds=61)
    assert client.post("/internal/v1/confirmations/resend", json=body).status_code == 202
    too_soon = client.post("/internal/v1/confirmations/resend", json=body)
    assert too_soon.status_code == 429 and too_soon.headers["Retry-After"] == "60"


def test_password_reset_verify_by_code_and_by_link(client, world, make_issue):
    request_id = str(uuid.uuid4())
    cmd = open_challenge(world, make_issue, purpose="password_reset", request_id=request_id, channel="email")
    [issued] = [e for e in world.repo.streams[cmd.challenge_id] if isinstance(e, CodeIssued)]
    assert (
        client.get(
            "/internal/v1/confirmations/by-link", query_string={"token": issued.link_token}
        ).status_code
        == 404
    )
    reply = client.post("/internal/v1/password-reset/verify", json={"token": issued.link_token})
    assert reply.status_code == 200 and reply.get_json()["request_id"] == request_id
    again = client.post(
        "/internal/v1/password-reset/verify", json={"account_id": cmd.binding.account_id, "code": "402913"}
    )
    assert again.status_code == 410
    assert client.post("/internal/v1/password-reset/verify", json={}).status_code == 422
