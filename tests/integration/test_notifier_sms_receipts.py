"""Delivery receipts over SMPP on loopback: the dev SMSC answers each segment with a receipt on a
receiver bind, and a sent notice gets NotificationDelivered (delivered or not) once every segment
has one, whichever comes first: the receipts or the NotificationSent."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from support import wait_for

from kabinet.runtime import Runtime
from notifier.config import Settings
from notifier.devsink.smpp import SmscSink
from notifier.devsink.store import MessageStore
from notifier.eventstore import Outcomes
from notifier.render import Message
from notifier.smpp_gateway import SmppConfig, SmppGateway
from notifier.sms_receipts import ReceiptBook, ReceiptListener

pytestmark = pytest.mark.integration
UNLUCKY = "+79160000099"  # the handset the dev SMSC cannot reach


@pytest.fixture
def runtime(service_env) -> Iterator[Runtime]:
    rt = Runtime.open(Settings.from_env(service_env).infra)
    yield rt
    rt.close()


@pytest.fixture
def smsc(mongo_client) -> Iterator[SmscSink]:
    name = f"t_rcpt_{uuid.uuid4().hex[:8]}"
    fate = {UNLUCKY: "UNDELIV"}
    sink = SmscSink(MessageStore(mongo_client[name]), port=0, fate=lambda to: fate.get(to, "DELIVRD")).start()
    yield sink
    sink.stop()
    mongo_client.drop_database(name)


@pytest.fixture
def book(runtime) -> ReceiptBook:
    b = ReceiptBook(runtime.db, Outcomes(runtime.store))
    b.create_indexes()
    return b


class Receiving:
    """The receiver bind, started when a test says so (receipts wait at the SMSC meanwhile)."""

    def __init__(self, gateway: SmppGateway, book: ReceiptBook) -> None:
        self._listener, self._stop = (
            ReceiptListener(gateway.bind_receiver, book, retry_seconds=0.2),
            threading.Event(),
        )
        self._thread = threading.Thread(target=self._listener.run, args=(self._stop,), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def notice(notification_id: str) -> dict[str, str]:
    ids = {
        "notification_id": notification_id,
        "cause_event_id": str(uuid.uuid4()),
        "account_id": str(uuid.uuid4()),
    }
    return {**ids, "channel": "sms", "template": "verification_code"}


def outcome(runtime: Runtime, notification_id: str):
    events = runtime.store.load(f"notification-{notification_id}")
    return events[-1] if events and events[-1].event_type == "NotificationDelivered" else None


def receipted(runtime: Runtime, notification_id: str) -> bool:
    parts = list(runtime.db.sms_receipts.find({"notification_id": notification_id}))
    return bool(parts) and len(parts) == parts[0]["parts"] and all(p.get("state") for p in parts)


def send(gateway: SmppGateway, to: str, text: str) -> str:
    nid = str(uuid.uuid4())
    gateway.send(Message("sms", to, "", text), message_id=nid)
    return nid


def test_receipts_before_and_after_the_sent_notice_settle_it_once(runtime, smsc, book):
    gateway = SmppGateway(SmppConfig("127.0.0.1", smsc.port, receipts=True), receipts=book)
    receiving = Receiving(gateway, book)
    long = "Kabinet: код 402913 для восстановления пароля. Ваш логин: ivanov.petr. " * 2  # in segments
    early, late, lost = (send(gateway, to, long) for to in ("+79161110001", "+79161110002", UNLUCKY))
    for sent in (early, lost):
        book.sent(notice(sent))  # NotificationSent stored before any receipt came
        assert outcome(runtime, sent) is None
    try:
        receiving.start()  # the receipts waiting at the SMSC arrive now
        delivered = wait_for(lambda: outcome(runtime, early), what="the receipts of the early notice")
        undelivered = wait_for(lambda: outcome(runtime, lost), what="the receipt of the unreachable handset")
        wait_for(lambda: receipted(runtime, late), what="the late notice's receipts")
        assert outcome(runtime, late) is None  # not sent yet: nothing to settle
        book.sent(notice(late))  # the last fact settles it at once
        book.sent(notice(late))  # a repeat (a redelivered event) changes nothing
    finally:
        receiving.stop()
    assert (delivered.payload["delivered"], delivered.payload["status"]) == (True, "DELIVRD")
    assert (undelivered.payload["delivered"], undelivered.payload["status"]) == (False, "UNDELIV")
    settled = runtime.store.load(f"notification-{late}")
    assert [e.event_type for e in settled] == ["NotificationDelivered"] and settled[0].stream_version == 2


def test_a_long_message_is_delivered_only_when_every_segment_is(runtime, smsc, book):
    gateway = SmppGateway(SmppConfig.from_url(f"smpp://127.0.0.1:{smsc.port}?receipts=1"), receipts=book)
    nid = send(gateway, "+79161110003", "Kabinet: " + "очень длинное сообщение " * 8)  # three segments
    parts = list(runtime.db.sms_receipts.find({"notification_id": nid}))
    assert len(parts) == 3 and {p["parts"] for p in parts} == {3}
    book.sent(notice(nid))
    first, *others = parts
    book.receipt(first["_id"].removeprefix("smsc:"), "DELIVRD")
    assert outcome(runtime, nid) is None  # two segments still on their way
    for part in others:
        book.receipt(part["_id"].removeprefix("smsc:"), "DELIVRD")
    assert outcome(runtime, nid).payload["delivered"] is True


@pytest.mark.parametrize("query", ["", "?receipts=0"])
def test_without_receipts_nothing_is_asked_nor_kept(runtime, smsc, book, query):
    config = SmppConfig.from_url(f"smpp://127.0.0.1:{smsc.port}{query}")  # off unless asked for
    nid = send(SmppGateway(config, receipts=book), "+79161110004", "Kabinet: код 402913")
    assert runtime.db.sms_receipts.count_documents({"notification_id": nid}) == 0
