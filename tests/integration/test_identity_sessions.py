"""Sign-in, tokens, refresh rotation, sign-out, the list of one's sessions, revoke-all and throttling
on the real Mongo."""

from __future__ import annotations

import pytest
from identity_support import PASSWORD, bearer, registration, settings_for, sign_up

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(service_env):
    return settings_for(service_env, IDENTITY_THROTTLE_LOGIN_FREE="3", IDENTITY_THROTTLE_BASE_SECONDS="60")


def sign_in(
    client, login, password=PASSWORD, ip="203.0.113.7", agent="Mozilla/5.0 (X11; Linux) Firefox/140.0"
):
    return client.post(
        "/api/v1/sessions",
        json={"login": login, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        headers={"User-Agent": agent},
    )


def events_of(runtime, event_type):
    return [e for e in runtime.store.all() if e.event_type == event_type]


def test_a_confirmed_account_signs_in_and_reads_its_profile(client, runtime, account):
    reply = sign_in(client, account["login"].upper())
    assert reply.status_code == 200
    tokens = reply.json
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    me = client.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json["status"] == "active" and me.json["login"] == account["login"]
    assert me.json["region"] == {"code": "RU-MOW", "name": "Москва"}
    phone = next(c for c in me.json["contacts"] if c["kind"] == "phone")
    email = next(c for c in me.json["contacts"] if c["kind"] == "email")
    assert phone == {"kind": "phone", "value": account["phone_e164"], "confirmed": True, "pending": False}
    assert email["confirmed"] is False
    [ok] = events_of(runtime, "LoginSucceeded")
    assert ok.payload["ip"] == "203.0.113.7" and ok.payload["account_id"] == account["account_id"]


def test_wrong_password_and_unknown_login_get_the_same_401(client, runtime, account):
    wrong = sign_in(client, account["login"], "a wrong password here", ip="198.51.100.1")
    unknown = sign_in(client, "nobody.at.all", "a wrong password here", ip="198.51.100.2")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert wrong.json["type"].endswith("invalid-credentials")
    reasons = sorted(
        (e.payload["account_id"] is None, e.payload["reason"]) for e in events_of(runtime, "LoginFailed")
    )
    assert reasons == [(False, "bad_credentials"), (True, "bad_credentials")]


def test_an_unconfirmed_account_is_told_to_confirm_only_with_the_right_password(client):
    body = registration()
    assert client.post("/api/v1/registrations", json=body).status_code == 201
    assert sign_in(client, body["login"], "not the password at all").status_code == 401
    reply = sign_in(client, body["login"])
    assert reply.status_code == 403 and reply.json["type"].endswith("confirmation-required")


def test_refresh_rotates_and_a_reused_token_ends_the_session(client, runtime, account):
    first = sign_in(client, account["login"]).json
    second = client.post("/api/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200 and second.json["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=bearer(second.json["access_token"])).status_code == 200

    reused = client.post("/api/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    # the whole family is gone: the newest refresh token and the access tokens too
    assert (
        client.post(
            "/api/v1/sessions/refresh", json={"refresh_token": second.json["refresh_token"]}
        ).status_code
        == 401
    )
    assert client.get("/api/v1/me", headers=bearer(second.json["access_token"])).status_code == 401
    assert events_of(runtime, "SessionsRevoked")[-1].payload["reason"] == "refresh_reuse"
    garbage = client.post("/api/v1/sessions/refresh", json={"refresh_token": "garbage"})
    assert garbage.status_code == 401


def test_sign_out_ends_only_the_current_session(client, account):
    laptop = sign_in(client, account["login"]).json
    phone = sign_in(client, account["login"]).json
    out = client.delete("/api/v1/sessions/current", headers=bearer(laptop["access_token"]))
    assert out.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(laptop["access_token"])).status_code == 401
    assert (
        client.post("/api/v1/sessions/refresh", json={"refresh_token": laptop["refresh_token"]}).status_code
        == 401
    )
    assert client.get("/api/v1/me", headers=bearer(phone["access_token"])).status_code == 200


def sessions_seen(client, tokens):
    reply = client.get("/api/v1/sessions", headers=bearer(tokens["access_token"]))
    assert reply.status_code == 200
    return reply.json["sessions"]


def test_a_subscriber_sees_each_signed_in_device_most_recent_first(client, account):
    laptop = sign_in(client, account["login"], ip="203.0.113.10", agent="Firefox on the laptop").json
    phone = sign_in(client, account["login"], ip="198.51.100.20", agent="Kabinet app on the phone").json
    seen = sessions_seen(client, laptop)
    assert [(s["ip"], s["user_agent"], s["current"]) for s in seen] == [
        ("198.51.100.20", "Kabinet app on the phone", False),
        ("203.0.113.10", "Firefox on the laptop", True),
    ]
    assert seen[0]["created_at"] == seen[0]["last_active_at"]
    # a refresh marks the laptop's session active again: it comes first now
    renewed = client.post("/api/v1/sessions/refresh", json={"refresh_token": laptop["refresh_token"]}).json
    again = client.post("/api/v1/sessions/refresh", json={"refresh_token": renewed["refresh_token"]}).json
    first = sessions_seen(client, phone)[0]
    assert (first["ip"], first["current"]) == ("203.0.113.10", False)
    assert first["last_active_at"] > first["created_at"]
    assert [s["current"] for s in sessions_seen(client, again)] == [True, False]


def test_ending_another_devices_session_stops_its_tokens_at_once(client, runtime, account):
    laptop = sign_in(client, account["login"]).json
    lost_phone = sign_in(client, account["login"], ip="198.51.100.99").json
    [phone_session] = [s for s in sessions_seen(client, laptop) if not s["current"]]
    ended = client.delete(
        f"/api/v1/sessions/{phone_session['session_id']}", headers=bearer(laptop["access_token"])
    )
    assert ended.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(lost_phone["access_token"])).status_code == 401
    refreshed = client.post("/api/v1/sessions/refresh", json={"refresh_token": lost_phone["refresh_token"]})
    assert refreshed.status_code == 401
    assert [s["current"] for s in sessions_seen(client, laptop)] == [True]
    revoked = events_of(runtime, "SessionsRevoked")[-1].payload
    assert (revoked["session_id"], revoked["reason"]) == (phone_session["session_id"], "logout")
    again = client.delete(
        f"/api/v1/sessions/{phone_session['session_id']}", headers=bearer(laptop["access_token"])
    )
    assert again.status_code == 404 and again.json["type"].endswith("not-found")


def test_nobody_ends_or_sees_another_subscribers_sessions(client, runtime, account):
    other = sign_up(client, runtime)
    mine = sign_in(client, account["login"]).json
    theirs = sign_in(client, other["login"]).json
    [their_session] = sessions_seen(client, theirs)
    stranger = client.delete(
        f"/api/v1/sessions/{their_session['session_id']}", headers=bearer(mine["access_token"])
    )
    assert stranger.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(theirs["access_token"])).status_code == 200
    assert their_session["session_id"] not in [s["session_id"] for s in sessions_seen(client, mine)]


def test_sign_out_everywhere_else_keeps_only_this_session(client, runtime, account):
    here = sign_in(client, account["login"]).json
    elsewhere = [sign_in(client, account["login"], ip=f"198.51.100.{n}").json for n in (1, 2)]
    reply = client.delete("/api/v1/sessions/others", headers=bearer(here["access_token"]))
    assert reply.status_code == 200 and reply.json == {"ended": 2}
    for tokens in elsewhere:
        assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(here["access_token"])).status_code == 200
    assert [s["current"] for s in sessions_seen(client, here)] == [True]
    reasons = [e.payload["reason"] for e in events_of(runtime, "SessionsRevoked")]
    assert reasons == ["logout", "logout"]
    assert client.delete("/api/v1/sessions/others", headers=bearer(here["access_token"])).json == {"ended": 0}


def test_a_password_change_ends_every_session_and_the_new_password_works(client, runtime, account):
    one = sign_in(client, account["login"]).json
    two = sign_in(client, account["login"]).json
    new = "an entirely new passphrase"
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "new_password": new, "new_password_confirmation": new},
        headers=bearer(one["access_token"]),
    )
    assert wrong.status_code == 422 and "current_password" in wrong.json["errors"]
    weak = client.post(
        "/api/v1/me/password",
        json={
            "current_password": PASSWORD,
            "new_password": "qwerty123",
            "new_password_confirmation": "qwerty123",
        },
        headers=bearer(one["access_token"]),
    )
    assert weak.status_code == 422 and "new_password" in weak.json["errors"]
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": new, "new_password_confirmation": new},
        headers=bearer(one["access_token"]),
    )
    assert changed.status_code == 204
    for session in (one, two):
        assert client.get("/api/v1/me", headers=bearer(session["access_token"])).status_code == 401
    assert sign_in(client, account["login"]).status_code == 401
    assert sign_in(client, account["login"], new).status_code == 200
    [event] = events_of(runtime, "PasswordChanged")
    assert event.payload["reason"] == "change" and event.payload["account_id"] == account["account_id"]


def test_repeated_failures_are_throttled_before_hashing_and_the_owner_is_told(client, runtime, account):
    for _ in range(3):
        assert sign_in(client, account["login"], "wrong guess number x").status_code == 401
    throttled = sign_in(client, account["login"])  # even the right password waits
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert throttled.json["type"].endswith("too-many-attempts")
    [locked] = events_of(runtime, "AccountSoftLocked")
    assert locked.payload["account_id"] == account["account_id"] and locked.payload["failures"] == 3
    # unknown logins are throttled alike: a 429 reveals nothing
    for _ in range(3):
        sign_in(client, "ghost.login", "wrong guess number x")
    assert sign_in(client, "ghost.login").status_code == 429


def test_bearer_tokens_are_required_and_checked(client, account):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    unauth = client.patch("/api/v1/me/contacts", json={"email": "bad"})
    assert unauth.status_code == 401  # authentication comes before body validation
