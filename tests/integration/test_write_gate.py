"""The Kafka health monitor and write gate on the real dev broker (replication 1, min ISR 1).

Writable iff the broker is up: a broker nobody listens on plays the broker that is down. The
3-broker case (2 of 3 down) is in tests/chaos/chaos_heavy.py (`make chaos`).
"""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from flask import jsonify
from identity_support import registration, serving, settings_for, sign_up, stub
from support import wait_for

from identity.app import create_app
from kabinet import kafka as kafka_clients
from kabinet.broker_health import BrokerHealth, MetadataProbe
from kabinet.contracts.topics import ACCOUNTS
from verification.app import create_app as create_verification
from verification.config import Settings as VerificationSettings

pytestmark = pytest.mark.integration


def dead_address() -> str:
    """A loopback address where no broker listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def kafka_down(service_env):
    """The test's environment with Kafka unreachable (Mongo still up)."""
    return {**service_env, "KAFKA_BOOTSTRAP_SERVERS": dead_address()}


def test_a_topic_of_the_dev_broker_is_writable_with_min_isr_one(kafka_bootstrap, topic_prefix):
    topic = topic_prefix + ACCOUNTS
    kafka_clients.ensure_topics(kafka_bootstrap, [topic], partitions=3, replication=1, with_dlq=False)
    probe = MetadataProbe(kafka_bootstrap, [topic], replication=1, timeout_ms=2000)
    try:
        verdict = probe.check(time.monotonic)
    finally:
        probe.close()
    assert verdict.writable and verdict.reason == "ok"


def test_a_broker_that_is_down_is_not_writable_and_the_monitor_keeps_going(topic_prefix):
    health = BrokerHealth.watch(dead_address(), [topic_prefix + ACCOUNTS], replication=1, max_age=5.0)
    try:
        first = health.verdict()
        assert not first.writable and first.reason.startswith("Kafka unreachable")
        # checks keep coming (and failing) without taking the process down
        wait_for(lambda: health.verdict().checked_at > first.checked_at, timeout=10, what="a later check")
    finally:
        health.close()


def test_the_monitor_of_a_live_broker_is_green(kafka_bootstrap, topic_prefix):
    health = BrokerHealth.watch(kafka_bootstrap, [topic_prefix + ACCOUNTS], replication=1)
    try:
        verdict = health.verdict()
        assert verdict.writable, verdict.reason
        health.require_writable()
    finally:
        health.close()


def test_with_kafka_down_the_gateway_is_not_ready_refuses_commands_and_stores_nothing(
    service_env, runtime, kafka_down
):
    account = sign_up(create_app(settings_for(service_env)).test_client(), runtime)
    token = (
        create_app(settings_for(service_env))
        .test_client()
        .post("/api/v1/sessions", json={"login": account["login"], "password": account["password"]})
        .json["access_token"]
    )
    stored = runtime.db["events"].count_documents({})
    client = create_app(settings_for(kafka_down)).test_client()

    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["kafka"].startswith("down: Kafka unreachable")
    refused = client.post("/api/v1/registrations", json=registration())
    assert refused.status_code == 503 and refused.mimetype == "application/problem+json"
    assert refused.headers["Retry-After"] == "5"
    signin = client.post(
        "/api/v1/sessions", json={"login": account["login"], "password": account["password"]}
    )
    assert signin.status_code == 503
    assert runtime.db["events"].count_documents({}) == stored  # nothing acknowledged, nothing appended

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["login"] == account["login"]  # reads: from the projection
    assert client.post("/api/v1/password-strength", json={"password": "x"}).status_code == 200
    assert client.get("/api/v1/regions").status_code == 200


def test_a_gated_service_behind_the_gateway_is_a_503_with_its_retry_after(service_env, kafka_down):
    verification = create_verification(VerificationSettings.from_env(kafka_down))
    body = {"account_id": str(uuid.uuid4()), "channel": "sms", "code": "123456"}
    with serving(verification) as url:
        gateway = create_app(settings_for(service_env, IDENTITY_VERIFICATION_URL=url)).test_client()
        reply = gateway.post("/api/v1/confirmations", json=body)  # the gateway appends nothing: not gated
        link = gateway.get("/confirm?token=whatever")  # verification's by-link GET confirms: gated
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "5"
    assert reply.json["type"].endswith("service-unavailable")
    assert link.status_code == 503


def test_the_gateways_calls_to_other_services_append_nothing_there_and_are_not_gated(kafka_down):
    confirmed = stub({("POST", "/internal/v1/confirmations"): lambda: jsonify(status="confirmed")})
    body = {"account_id": str(uuid.uuid4()), "channel": "sms", "code": "123456"}
    with serving(confirmed) as url:
        gateway = create_app(settings_for(kafka_down, IDENTITY_VERIFICATION_URL=url)).test_client()
        assert gateway.post("/api/v1/confirmations", json=body).json == {"status": "confirmed"}
