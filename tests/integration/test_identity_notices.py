"""The subscriber's messages: what Kabinet sent them, newest first, from identity's read model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from identity_support import PASSWORD, bearer, sign_up

from identity.projection import Projection
from kabinet.contracts import REGISTRY, Envelope, new_envelope

pytestmark = pytest.mark.integration


def outcome(event_type: str, account_id: str, at: datetime, **payload: Any) -> Envelope:
    spec = REGISTRY.latest(event_type)
    body = {**spec.example, "account_id": account_id, "notification_id": str(uuid.uuid4()), **payload}
    return new_envelope(
        event_type, body, event_version=spec.version, producer=spec.producer, occurred_at=at,
        stream_id=f"notification-{body['notification_id']}", stream_version=1, correlation_id="c",
    )  # fmt: skip


def token(client, account) -> dict[str, str]:
    reply = client.post("/api/v1/sessions", json={"login": account["login"], "password": PASSWORD})
    return bearer(reply.json["access_token"])


def test_a_subscriber_sees_the_messages_sent_to_them_newest_first(client, runtime, account):
    projection, start = Projection(runtime.db), datetime.now(UTC) - timedelta(hours=1)
    mine = account["account_id"]
    projection.apply(outcome("NotificationSent", mine, start, template="verification_code", channel="sms"))
    later = start + timedelta(minutes=5)
    projection.apply(outcome("NotificationFailed", mine, later, template="password_changed", channel="email"))
    projection.apply(
        outcome("NotificationSent", str(uuid.uuid4()), start, template="soft_locked")
    )  # someone else's

    reply = client.get("/api/v1/me/notifications", headers=token(client, account))

    assert reply.status_code == 200
    seen = [(n["template"], n["channel"], n["state"]) for n in reply.json["notifications"]]
    assert seen == [("password_changed", "email", "failed"), ("verification_code", "sms", "sent")]
    assert all(
        set(n) == {"notification_id", "channel", "template", "to", "state", "at"}
        for n in reply.json["notifications"]
    )


def test_only_the_newest_fifty_are_listed(client, runtime):
    account = sign_up(client, runtime)
    projection, start = Projection(runtime.db), (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    for n in range(55):
        projection.apply(outcome("NotificationSent", account["account_id"], start + timedelta(minutes=n)))
    listed = client.get("/api/v1/me/notifications", headers=token(client, account)).json["notifications"]
    assert len(listed) == 50
    assert listed[0]["at"] == (start + timedelta(minutes=54)).isoformat()


def test_the_list_needs_a_session(client):
    assert client.get("/api/v1/me/notifications").status_code == 401


def test_a_delivery_receipt_marks_the_sent_sms_delivered_or_not(client, runtime, account):
    projection, at, mine = (
        Projection(runtime.db),
        datetime.now(UTC) - timedelta(minutes=5),
        account["account_id"],
    )
    reached, lost = (outcome("NotificationSent", mine, at, channel="sms") for _ in range(2))
    for sent in (reached, lost):
        projection.apply(sent)
    for sent, delivered, status in ((reached, True, "DELIVRD"), (lost, False, "UNDELIV")):
        receipt = outcome("NotificationDelivered", mine, at + timedelta(seconds=3), delivered=delivered,
                          status=status, notification_id=sent.payload["notification_id"])  # fmt: skip
        assert projection.apply(receipt)
    never_sent = outcome("NotificationDelivered", mine, at)  # no notice of that id here (e.g. erased)
    assert not projection.apply(never_sent)

    listed = client.get("/api/v1/me/notifications", headers=token(client, account)).json["notifications"]
    assert sorted(n["state"] for n in listed) == ["delivered", "undelivered"]
