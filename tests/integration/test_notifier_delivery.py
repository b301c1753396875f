"""The notifier on the real servers and a real dev inbox: one SMS / email per event, SMTP outage retried."""

from __future__ import annotations

import socket
import uuid

import pytest
import requests
from support import drive, wait_for

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, Envelope, encode, new_envelope
from kabinet.contracts.topics import VERIFICATION
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec, build_loop
from notifier.bootstrap import SERVICE, build_notifier
from notifier.config import Settings
from notifier.consumers import message_handler
from notifier.devsink.config import DevsinkSettings
from notifier.devsink.server import start

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sink_settings(servers, service_env) -> DevsinkSettings:
    env = {
        "MONGO_URI": servers["mongo"],
        "DEVSINK_MONGO_DB": service_env["MONGO_DB"] + "_sink",
        "DEVSINK_SMTP_PORT": str(free_port()),
        "DEVSINK_HTTP_PORT": str(free_port()),
    }
    return DevsinkSettings.from_env(env)


@pytest.fixture
def devsink(sink_settings, mongo_client):
    running = start(sink_settings)
    yield running
    running.stop()
    mongo_client.drop_database(sink_settings.mongo_db)


@pytest.fixture
def settings(service_env, sink_settings) -> Settings:
    return Settings.from_env(
        {
            **service_env,
            "NOTIFIER_SMTP_PORT": str(sink_settings.smtp_port),
            "NOTIFIER_SMS_GATEWAY_URL": f"http://127.0.0.1:{sink_settings.http_port}/sms",
            "NOTIFIER_RETRY_BASE_SECONDS": "0.05",
        }
    )


@pytest.fixture
def runtime(settings):
    rt = Runtime.open(settings.infra)
    SERVICE.setup(rt)
    yield rt
    rt.close()


def inbox(sink: DevsinkSettings, to: str) -> list[dict]:
    url = f"http://127.0.0.1:{sink.http_port}/api/messages"
    return requests.get(url, params={"to": to}, timeout=5).json()


def code_requested(channel: str, destination: str, **overrides) -> Envelope:
    cid = str(uuid.uuid4())
    payload = {
        **REGISTRY.latest("VerificationRequested").example,
        "challenge_id": cid,
        "channel": channel,
        "destination": destination,
        "account_id": str(uuid.uuid4()),
        **overrides,
    }
    return new_envelope(
        "VerificationRequested",
        payload,
        event_version=1,
        producer="verification",
        stream_id=f"challenge-{cid}",
        stream_version=1,
        correlation_id="c",
    )


def outcomes(runtime: Runtime) -> list[str]:
    return [e.event_type for e in runtime.store.all()]


@pytest.mark.usefixtures("devsink")
def test_one_sms_and_one_email_per_event_even_when_redelivered(
    runtime, settings, sink_settings, kafka_bootstrap
):
    topic = runtime.topic(VERIFICATION)
    kafka_clients.ensure_topics(kafka_bootstrap, [topic], partitions=3, replication=1)
    phone, mail = "+7916" + str(uuid.uuid4().int)[:7], f"u{uuid.uuid4().hex[:8]}@example.ru"
    sms = code_requested("sms", phone, code="402913")
    email = code_requested("email", mail, code="517230", link_token="tok" * 8)
    spec = ConsumerSpec(
        "messages",
        "notifier.messages",
        (VERIFICATION,),
        lambda rt: message_handler(build_notifier(rt, settings)),
    )
    consumer, loop = build_loop(runtime, spec)
    try:
        for env in (sms, email, sms, email):  # the second pair is a redelivery
            wire = encode(env)
            runtime.producer().send(topic, key=wire.key, value=wire.value, headers=wire.headers)
        runtime.producer().flush(10)
        drive(loop, lambda: loop.stats.handled >= 4, what="four deliveries of two events")
    finally:
        consumer.close(autocommit=False)
    [text] = inbox(sink_settings, phone)
    assert text["channel"] == "sms" and "402913" in text["body"]
    [letter] = inbox(sink_settings, mail)
    assert letter["subject"] == "Kabinet: код регистрации" and "517230" in letter["body"]
    assert "/confirm?token=" + "tok" * 8 in letter["body"]
    assert outcomes(runtime) == ["NotificationSent", "NotificationSent"]


def test_smtp_outage_is_retried_and_delivered_once_the_server_is_back(
    runtime, settings, sink_settings, mongo_client
):
    notifier = build_notifier(runtime, settings)
    mail = f"u{uuid.uuid4().hex[:8]}@example.ru"
    notifier.handle(code_requested("email", mail, code="733001"))  # no SMTP server listens yet
    doc = runtime.db.notifications.find_one({})
    assert doc["state"] == "retry" and "unreachable" in doc["error"]
    running = start(sink_settings)
    try:
        wait_for(notifier.delivery.retry_due, timeout=10, what="the retry")
        [letter] = running.store.messages(mail)
        assert "733001" in letter["body"]
        assert outcomes(runtime) == ["NotificationSent"]
        assert "message" not in runtime.db.notifications.find_one({})
    finally:
        running.stop()
        mongo_client.drop_database(sink_settings.mongo_db)
