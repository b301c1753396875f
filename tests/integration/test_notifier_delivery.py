"""The notifier on the real servers and a real dev inbox: one SMS / email per event, outages retried,
a crash after a send never sends it again."""

from __future__ import annotations

import email
import email.header
import socket
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
from aiosmtpd.controller import Controller
from support import drive, wait_for

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, Envelope, encode, new_envelope
from kabinet.contracts.topics import VERIFICATION
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec, build_loop
from notifier.bootstrap import SERVICE, build_notifier, production_senders
from notifier.config import Settings
from notifier.consumers import message_handler
from notifier.devsink.config import DevsinkSettings
from notifier.devsink.server import start
from notifier.handlers import LEASE
from notifier.projection import NotificationLog
from notifier.render import Message
from notifier.senders import (
    HttpSmsGateway,
    OutcomeUnknown,
    Sender,
    SmtpConfig,
    SmtpMailer,
    TransientSendError,
)

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
        "DEVSINK_SMPP_PORT": str(free_port()),
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


class Clock:
    """A clock the test moves past the claim's lease."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class DiesAfterSending:
    """The real sender, then the process is killed before the outcome is stored."""

    def __init__(self, real: Sender) -> None:
        self._real = real

    def send(self, message: Message, *, message_id: str) -> None:
        self._real.send(message, message_id=message_id)
        raise SystemExit("killed right after the SMS left")


@pytest.mark.usefixtures("devsink")
def test_a_crash_after_the_sms_left_is_not_sent_again_when_the_event_is_redelivered(
    runtime, settings, sink_settings, caplog
):
    clock, phone = Clock(), "+7916" + str(uuid.uuid4().int)[:7]
    requested = code_requested("sms", phone, code="604512")
    real = production_senders(settings)
    crashing = build_notifier(runtime, settings, senders={**real, "sms": DiesAfterSending(real["sms"])})
    with pytest.raises(SystemExit):
        crashing.handle(requested)
    [claim] = runtime.db.notifications.find({})
    assert claim["state"] == "sending" and len(inbox(sink_settings, phone)) == 1  # left, no "sent"

    restarted = build_notifier(runtime, settings, clock=clock)
    restarted.handle(requested)  # redelivered within the lease: its sender may still answer
    assert not restarted.delivery.retry_due()
    clock.now += LEASE + timedelta(seconds=1)
    restarted.handle(requested)  # redelivered after the lease: outcome unknown, never resent
    assert not restarted.delivery.retry_due()
    [doc] = runtime.db.notifications.find({})
    assert doc["state"] == "unknown" and "message" not in doc
    assert len(inbox(sink_settings, phone)) == 1 and outcomes(runtime) == []
    assert "notification outcome unknown" in caplog.text


@pytest.mark.usefixtures("devsink")
def test_with_the_inbox_dropping_repeats_a_crash_after_the_sms_left_ends_in_exactly_one_sms(
    runtime, settings, sink_settings
):
    clock, phone = Clock(), "+7916" + str(uuid.uuid4().int)[:7]
    requested = code_requested("sms", phone, code="604513")
    idempotent = replace(settings, sms_gateway_idempotent=True)  # the dev inbox drops a repeated id
    real = production_senders(idempotent)
    crashing = build_notifier(runtime, idempotent, senders={**real, "sms": DiesAfterSending(real["sms"])})
    with pytest.raises(SystemExit):
        crashing.handle(requested)
    assert len(inbox(sink_settings, phone)) == 1  # it left; no outcome stored

    restarted = build_notifier(runtime, idempotent, clock=clock)
    clock.now += LEASE + timedelta(seconds=1)
    assert restarted.delivery.retry_due()  # the dead claim is due again, not unknown
    assert restarted.delivery.retry_due()  # sent again: the inbox takes the repeat, stores nothing
    [doc] = runtime.db.notifications.find({})
    assert doc["state"] == "sent" and doc["attempts"] == 2
    assert len(inbox(sink_settings, phone)) == 1 and outcomes(runtime) == ["NotificationSent"]


def test_an_sms_gateway_down_before_sending_is_retried_and_sent_once(
    runtime, settings, sink_settings, mongo_client
):
    notifier, phone = build_notifier(runtime, settings), "+7916" + str(uuid.uuid4().int)[:7]
    requested = code_requested("sms", phone, code="318207")
    notifier.handle(requested)  # nothing listens on the gateway's port: the claim is released
    doc = runtime.db.notifications.find_one({})
    assert doc["state"] == "retry" and "unreachable" in doc["error"]
    running = start(sink_settings)
    try:
        notifier.handle(requested)  # a redelivery leaves the scheduled retry to the retrier
        wait_for(notifier.delivery.retry_due, timeout=10, what="the retry")
        assert not notifier.delivery.retry_due()
        notifier.handle(requested)  # redelivered once sent: the outcome again, not the SMS
        [text] = running.store.messages(phone)
        assert "318207" in text["body"]
        assert runtime.db.notifications.find_one({})["state"] == "sent"
        assert outcomes(runtime) == ["NotificationSent"]
    finally:
        running.stop()
        mongo_client.drop_database(sink_settings.mongo_db)


def test_an_sms_gateway_that_took_the_request_and_never_answered_leaves_the_outcome_unknown():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/sms"
        message = Message("sms", "+79160000009", "", "code 1", None)
        with pytest.raises(OutcomeUnknown):  # accepted by the kernel, read by nobody: ReadTimeout
            HttpSmsGateway(url, timeout=0.3).send(message, message_id=str(uuid.uuid4()))
    with pytest.raises(TransientSendError):  # the port is closed now: nothing could have left
        HttpSmsGateway(url, timeout=0.3).send(message, message_id=str(uuid.uuid4()))


def test_an_sms_gateway_behind_a_proxy_that_refuses_the_connection_is_retried_not_given_up(monkeypatch):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"  # bound, not listening: refused
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        gateway = HttpSmsGateway("http://sms.example.net/send", timeout=0.3)
        message = Message("sms", "+79160000010", "", "code 2", None)
        with pytest.raises(TransientSendError):  # nothing reached the proxy, so nothing left
            gateway.send(message, message_id=str(uuid.uuid4()))


class KeepsRaw:
    """An aiosmtpd handler that keeps every message as received."""

    def __init__(self) -> None:
        self.received: list[email.message.Message] = []
        self.peers: list[object] = []  # the client end of the connection each message came on

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(email.message_from_bytes(envelope.original_content or envelope.content))
        self.peers.append(session.peer)
        return "250 OK"


def test_every_attempt_of_an_email_carries_the_same_message_id():
    handler, port = KeepsRaw(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mailer, notification_id = SmtpMailer(SmtpConfig(port=port)), str(uuid.uuid4())
        message = Message("email", "a@example.ru", "Kabinet", "code 1", None)
        for _ in range(2):  # a retry after an ambiguous failure: receivers can drop the copy
            mailer.send(message, message_id=notification_id)
    finally:
        controller.stop()
    assert [m["Message-ID"] for m in handler.received] == [f"<{notification_id}@kabinet.example>"] * 2


def test_a_retry_attempt_is_won_by_one_retrier_even_when_their_updates_interleave(runtime):
    log, now = NotificationLog(runtime.db), datetime.now(UTC)
    key = str(uuid.uuid4())
    assert log.claim_new(key, {"state": "retry", "next_at": now, "attempts": 1, "account_id": None})
    won = log.claim_due(now, now + LEASE)
    assert won is not None and (won["_id"], won["attempts"], won["state"]) == (key, 2, "sending")
    # a second retrier that matched the same document (FerretDB v1 does not serialize the two
    # conditional updates) writes what it read: the same attempt, claimed already
    runtime.db.notifications.update_one({"_id": key}, {"$set": {"state": "retry", "attempts": 1}})
    assert log.claim_due(now, now + LEASE) is None


def test_a_sending_thread_keeps_its_smtp_connection_for_the_next_message():
    handler, port = KeepsRaw(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mailer = SmtpMailer(SmtpConfig(port=port))
        for n in range(3):
            mailer.send(Message("email", "a@example.ru", "Kabinet", f"code {n}", None), message_id=str(n))
        controller.stop()  # the server goes away: the kept connection is dead
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        with pytest.raises(TransientSendError):
            mailer.send(Message("email", "a@example.ru", "Kabinet", "code 3", None), message_id="3")
        mailer.send(Message("email", "a@example.ru", "Kabinet", "code 4", None), message_id="4")  # anew
    finally:
        controller.stop()
    assert len(handler.peers[:3]) == 3 and len(set(handler.peers[:3])) == 1  # one connection
    assert len(handler.received) == 4 and handler.peers[3] != handler.peers[0]


@pytest.mark.parametrize(
    "subject",
    [
        "Kabinet: вход приостановлен после неудачных попыток входа",  # folded at a space
        "Kabinet: услуга отключена от кабинета",
        "Kabinet: ваш код подтверждения — введите его на странице регистрации в течение 10 минут",
        "Kabinet: password changed",
    ],
)
def test_a_long_cyrillic_subject_arrives_with_every_space(subject):
    handler, port = KeepsRaw(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        SmtpMailer(SmtpConfig(port=port)).send(
            Message("email", "a@example.ru", subject, "x", None), message_id="1"
        )
    finally:
        controller.stop()
    [received] = handler.received
    raw_lines = received.as_string().split("\n\n", 1)[0].splitlines()
    assert max(map(len, raw_lines)) <= 78
    assert str(email.header.make_header(email.header.decode_header(received["Subject"]))) == subject
