"""The gateway's routes to verification and billing-link: replies pass through; a dead neighbour is a 503."""

from __future__ import annotations

import uuid

import pytest
from flask import jsonify, request
from identity_support import PASSWORD, bearer, serving, settings_for, sign_up, stub

from identity.app import create_app
from identity.service_views import ServiceViews

pytestmark = pytest.mark.integration
LINK = str(uuid.uuid4())
FOREIGN = str(uuid.uuid4())


def problem(status: int, slug: str, **extra):
    body = {"type": f"https://kabinet.example/problems/{slug}", "title": slug, "status": status, **extra}
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = "application/problem+json"
    return resp


def verification():
    def confirm():
        body = request.get_json()
        if body.get("purpose") == "service_link" and body.get("request_id") == LINK:
            return jsonify(
                status="confirmed", purpose="service_link", request_id=LINK, challenge_id=str(uuid.uuid4())
            )
        if body["code"] == "123456":
            return jsonify(
                status="confirmed", purpose="registration", request_id=None, challenge_id=str(uuid.uuid4())
            )
        return problem(422, "wrong-code", attempts_left=4)

    def resend():
        resp = problem(429, "too-soon")
        resp.headers["Retry-After"] = "42"
        return resp

    def by_link():
        if request.args["token"] == "good-token":
            return jsonify(status="confirmed", purpose="registration")
        return problem(410, "gone")

    return stub(
        {
            ("POST", "/internal/v1/confirmations"): confirm,
            ("POST", "/internal/v1/confirmations/resend"): resend,
            ("GET", "/internal/v1/confirmations/by-link"): by_link,
        }
    )


def billing_link(seen: list):
    """Billing-link's internal API: each reply to a command carries the link's state at its version."""
    states: dict[str, dict] = {}

    def state(account_id, status, version):
        states[account_id] = {
            "account_id": account_id, "type": "internet", "region": "RU-MOW", "identifier": "770012345678",
            "account_number": "770012345678", "status": status, "reason": None, "version": version,
            "at": f"2026-11-24T12:00:0{version}+00:00",
        }  # fmt: skip
        return states[account_id]

    def add(account_id):
        seen.append(("add", account_id, request.get_json()))
        return jsonify(link_id=LINK, status="pending_proof", state=state(account_id, "pending_proof", 1)), 202

    def one(account_id, link_id):
        seen.append(("get", account_id, link_id))
        if link_id != LINK:
            return problem(404, "not-found")
        return jsonify(link_id=LINK, status="linked", state=state(account_id, "linked", 2))

    def remove(account_id, link_id):
        seen.append(("delete", account_id, link_id))
        return jsonify(link_id=LINK, status="removed", state=state(account_id, "removed", 3))

    base = "/internal/v1/accounts/<account_id>/services"
    return stub(
        {
            ("POST", base): add,
            ("GET", base + "/<link_id>"): one,
            ("DELETE", base + "/<link_id>"): remove,
        }
    )


@pytest.fixture
def seen():
    return []


@pytest.fixture
def client(service_env, runtime, seen):
    with serving(verification()) as v_url, serving(billing_link(seen)) as b_url:
        env = {"IDENTITY_VERIFICATION_URL": v_url, "IDENTITY_BILLING_LINK_URL": b_url}
        yield create_app(settings_for(service_env, **env)).test_client()


def test_confirmation_replies_pass_through(client):
    account_id = str(uuid.uuid4())
    ok = client.post(
        "/api/v1/confirmations", json={"account_id": account_id, "channel": "sms", "code": "123456"}
    )
    assert ok.status_code == 200 and ok.json == {"status": "confirmed"}
    wrong = client.post(
        "/api/v1/confirmations", json={"account_id": account_id, "channel": "sms", "code": "654321"}
    )
    assert wrong.status_code == 422 and wrong.json["attempts_left"] == 4
    assert wrong.json["type"].endswith("wrong-code") and wrong.mimetype == "application/problem+json"
    soon = client.post("/api/v1/confirmations/resend", json={"account_id": account_id, "channel": "sms"})
    assert soon.status_code == 429 and soon.headers["Retry-After"] == "42"
    assert client.get("/confirm?token=good-token").json == {"status": "confirmed"}
    assert client.get("/confirm?token=old-token").status_code == 410
    browser = client.get("/confirm?token=good-token", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.status_code == 303 and browser.location == "/confirm-email?token=good-token"
    bad = client.post("/api/v1/confirmations", json={"account_id": "x", "channel": "fax", "code": "12"})
    assert bad.status_code == 422 and {"account_id", "channel", "code"} <= set(bad.json["errors"])


def test_service_commands_carry_the_account_and_their_outcomes_show_at_once(client, runtime, seen):
    account = sign_up(client, runtime)
    token = client.post("/api/v1/sessions", json={"login": account["login"], "password": PASSWORD}).json
    auth = bearer(token["access_token"])
    assert client.get("/api/v1/services").status_code == 401
    assert client.get("/api/v1/services", headers=auth).json == []

    added = client.post(
        "/api/v1/services",
        json={"region": "RU-MOW", "type": "internet", "identifier": "770012345678"},
        headers=auth,
    )

    assert added.status_code == 202 and added.json == {"link_id": LINK, "status": "pending_proof"}
    [pending] = client.get("/api/v1/services", headers=auth).json  # read from the gateway's own view
    assert pending["status"] == "pending_proof" and pending["identifier"] == "7700****5678"
    assert pending["balance"] is None and pending["updated_at"] == "2026-11-24T12:00:01+00:00"
    assert client.get(f"/api/v1/services/{LINK}", headers=auth).json["plan"] is None
    assert client.get(f"/api/v1/services/{FOREIGN}", headers=auth).status_code == 404
    linked = client.post(f"/api/v1/services/{LINK}/confirm", json={"code": "123456"}, headers=auth)
    assert linked.status_code == 200 and linked.json == {"status": "linked"}
    assert client.get(f"/api/v1/services/{LINK}", headers=auth).json["status"] == "linked"
    assert client.delete(f"/api/v1/services/{LINK}", headers=auth).status_code == 204
    assert client.get("/api/v1/services", headers=auth).json == []
    assert client.get(f"/api/v1/services/{LINK}", headers=auth).status_code == 404
    assert {s[1] for s in seen} == {account["account_id"]}
    assert (
        "add",
        account["account_id"],
        {"region": "RU-MOW", "type": "internet", "identifier": "770012345678"},
    ) in seen


def test_services_read_while_billing_link_is_down_and_commands_then_get_a_503(service_env, runtime):
    client = create_app(settings_for(service_env)).test_client()  # nothing listens at billing-link's URL
    account = sign_up(client, runtime)
    token = client.post("/api/v1/sessions", json={"login": account["login"], "password": PASSWORD}).json
    auth = bearer(token["access_token"])
    state = {
        "account_id": account["account_id"], "type": "mobile", "region": "RU-MOW", "status": "pending_proof",
        "identifier": "+79161234567", "account_number": None, "reason": None, "version": 1,
        "at": "2026-11-24T12:00:01+00:00",
    }  # fmt: skip
    ServiceViews(runtime.db).record(LINK, state)  # as the `services` consumer would have it

    [listed] = client.get("/api/v1/services", headers=auth).json
    assert listed["link_id"] == LINK and listed["identifier"] == "+7916*****67"
    assert client.get(f"/api/v1/services/{LINK}", headers=auth).json["status"] == "pending_proof"
    add = {"region": "RU-MOW", "type": "internet", "identifier": "770012345678"}
    refused = client.post("/api/v1/services", json=add, headers=auth)
    assert refused.status_code == 503 and refused.mimetype == "application/problem+json"


def test_a_neighbour_that_is_down_is_a_503_problem(service_env, runtime):
    client = create_app(settings_for(service_env)).test_client()  # nothing listens on their URLs
    reply = client.post(
        "/api/v1/confirmations", json={"account_id": str(uuid.uuid4()), "channel": "sms", "code": "123456"}
    )
    assert reply.status_code == 503 and reply.mimetype == "application/problem+json"
    assert reply.json["type"].endswith("service-unavailable") and "Retry-After" in reply.headers
