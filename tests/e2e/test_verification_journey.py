"""Registration to confirmation across verification, notifier and the dev inbox on the real servers.

UserRegistered (sms and email) → challenges → codes in the dev inbox → code / link through the
internal API → ContactConfirmed published; redelivered events open nothing and send nothing more.
Over SMPP the SMS code's delivery receipt comes back on a receiver bind: NotificationDelivered.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import uuid
from dataclasses import replace

import pytest
import requests
from support import drive, read_topic, wait_for

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, Envelope, decode, encode, new_envelope
from kabinet.contracts.topics import ACCOUNTS, SERVICES, VERIFICATION
from kabinet.relay import OutboxRelay
from kabinet.runtime import Runtime
from kabinet.service import build_loop
from notifier.bootstrap import SERVICE as NOTIFIER
from notifier.bootstrap import build_notifier, receipt_book, smpp_config
from notifier.config import Settings as NotifierSettings
from notifier.consumers import CONSUMERS as NOTIFIER_CONSUMERS
from notifier.consumers import message_handler
from notifier.devsink.config import DevsinkSettings
from notifier.devsink.server import start
from notifier.smpp_gateway import SmppGateway
from notifier.sms_receipts import ReceiptListener
from verification.app import create_app
from verification.bootstrap import SERVICE as VERIFICATION_SERVICE
from verification.config import Settings as VerificationSettings
from verification.consumers import CONSUMERS as VERIFICATION_CONSUMERS

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sink(servers, mongo_client):
    settings = DevsinkSettings.from_env(
        {
            "MONGO_URI": servers["mongo"],
            "DEVSINK_MONGO_DB": f"t_sink_{uuid.uuid4().hex[:8]}",
            "DEVSINK_SMTP_PORT": str(free_port()),
            "DEVSINK_HTTP_PORT": str(free_port()),
            "DEVSINK_SMPP_PORT": str(free_port()),
        }
    )
    running = start(settings)
    yield settings
    running.stop()
    mongo_client.drop_database(settings.mongo_db)


SMS_GATEWAYS = {  # the notifier's two SMS adapters, each against its dev sink
    "http": lambda sink: f"http://127.0.0.1:{sink.http_port}/sms",
    "smpp": lambda sink: f"smpp://kabinet@127.0.0.1:{sink.smpp_port}?source=Kabinet&receipts=1",
}


@pytest.fixture(params=sorted(SMS_GATEWAYS))
def env(request, service_env, sink, mongo_client):
    notifier_db = service_env["MONGO_DB"] + "_n"
    yield {
        "verification": {**service_env},
        "notifier": {
            **service_env,
            "MONGO_DB": notifier_db,
            "NOTIFIER_SMTP_PORT": str(sink.smtp_port),
            "NOTIFIER_SMS_GATEWAY_URL": SMS_GATEWAYS[request.param](sink),
        },
    }
    mongo_client.drop_database(notifier_db)


def registered(**overrides) -> Envelope:
    account = str(uuid.uuid4())
    payload = {**REGISTRY.latest("UserRegistered").example, "account_id": account, **overrides}
    return new_envelope(
        "UserRegistered",
        payload,
        event_version=1,
        producer="identity",
        stream_id=f"account-{account}",
        stream_version=1,
        correlation_id=str(uuid.uuid4()),
    )


def produce(rt: Runtime, *envs: Envelope) -> None:
    for e in envs:
        wire = encode(e)
        rt.producer().send(rt.topic(wire.topic), key=wire.key, value=wire.value, headers=wire.headers)
    rt.producer().flush(10)


def inbox(sink: DevsinkSettings, to: str) -> list[dict]:
    return requests.get(
        f"http://127.0.0.1:{sink.http_port}/api/messages", params={"to": to}, timeout=5
    ).json()


def test_register_by_sms_and_by_email_then_confirm(env, sink, kafka_bootstrap):
    v_settings, n_settings = (
        VerificationSettings.from_env(env["verification"]),
        NotifierSettings.from_env(env["notifier"]),
    )
    ver, note = Runtime.open(v_settings.infra), Runtime.open(n_settings.infra)
    VERIFICATION_SERVICE.setup(ver)
    NOTIFIER.setup(note)
    topics = [ver.topic(t) for t in (ACCOUNTS, SERVICES, VERIFICATION)]
    kafka_clients.ensure_topics(kafka_bootstrap, topics, partitions=3, replication=1)
    phone, mail = "+7916" + str(uuid.uuid4().int)[:7], f"e2e{uuid.uuid4().hex[:8]}@example.ru"
    by_sms, by_email = registered(confirm_via="sms", phone=phone), registered(confirm_via="email", email=mail)
    v_consumer, v_loop = build_loop(ver, VERIFICATION_CONSUMERS["requests"])
    # the registered notifier consumer, reading only the topic this journey needs
    receipts, stop = receipt_book(note, n_settings), threading.Event()  # receipts: SMPP only
    spec = replace(
        NOTIFIER_CONSUMERS["messages"],
        topics=(VERIFICATION,),
        build=lambda rt: message_handler(build_notifier(rt, n_settings, receipts=receipts)),
    )
    n_consumer, n_loop = build_loop(note, spec)
    if receipts is not None:
        listener = ReceiptListener(SmppGateway(smpp_config(n_settings)).bind_receiver, receipts)  # type: ignore[arg-type]
        threading.Thread(target=listener.run, args=(stop,), daemon=True).start()
    relay = OutboxRelay(ver.store, ver.producer())
    try:
        produce(ver, by_sms, by_email, by_sms)  # the last one is a redelivery
        drive(v_loop, lambda: v_loop.stats.handled >= 3, what="registrations")
        assert relay.publish_pending() == 2
        drive(n_loop, lambda: inbox(sink, phone) and inbox(sink, mail), what="codes in the dev inbox")

        [sms] = inbox(sink, phone)
        code = re.search(r"\b(\d{6})\b", sms["body"]).group(1)
        [letter] = inbox(sink, mail)
        token = re.search(r"confirm\?token=([\w-]+)", letter["body"]).group(1)

        client = create_app(v_settings).test_client()
        by_code = client.post(
            "/internal/v1/confirmations",
            json={"account_id": by_sms.payload["account_id"], "channel": "sms", "code": code},
        )
        assert by_code.status_code == 200 and by_code.get_json()["purpose"] == "registration"
        by_link = client.get("/internal/v1/confirmations/by-link", query_string={"token": token})
        assert (
            by_link.status_code == 200 and by_link.get_json()["account_id"] == by_email.payload["account_id"]
        )

        assert relay.publish_pending() == 2
        produce(ver, by_sms)  # one more redelivery after everything: no new challenge, no new code
        drive(v_loop, lambda: v_loop.stats.handled >= 4, what="the late redelivery")
        assert relay.publish_pending() == 0
        records = read_topic(kafka_bootstrap, ver.topic(VERIFICATION), expect=4)
        assert not [r for r in records if phone.encode() in r.value or mail.encode() in r.value]  # sealed
        events = [{**json.loads(r.value), "payload": decode(r.value).payload} for r in records]
        # confirmations call for no message: the notifier passes them by (undecoded, by their type)
        drive(
            n_loop,
            lambda: n_loop.stats.handled + n_loop.stats.skipped >= 4,
            what="the notifier past the confirmations",
        )
        outcomes = [e.event_type for e in note.store.all()]
        if receipts is not None:
            wait_for(lambda: "NotificationDelivered" in [e.event_type for e in note.store.all()],
                     what="the SMS code's delivery receipt")  # fmt: skip
            [delivered] = [e for e in note.store.all() if e.event_type == "NotificationDelivered"]
            assert delivered.payload["delivered"] and delivered.payload["template"] == "verification_code"
        else:  # the HTTP gateway reports no delivery: sent is all there is to know
            assert "NotificationDelivered" not in outcomes
    finally:
        stop.set()
        v_consumer.close(autocommit=False)
        n_consumer.close(autocommit=False)
        ver.close()
        note.close()
    confirmed = [e["payload"]["destination"] for e in events if e["event_type"] == "ContactConfirmed"]
    assert sorted(confirmed) == sorted([phone, mail])
    assert len(inbox(sink, phone)) == 1 and len(inbox(sink, mail)) == 1
