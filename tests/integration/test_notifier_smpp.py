"""SMS over SMPP on loopback: the notifier's SMPP adapter against the dev SMSC, messages in the inbox
on the real Mongo server, and every way a send can end (accepted, refused now or for good, no answer)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from smpplib import consts, smpp

from notifier.devsink.smpp import SmscSink
from notifier.devsink.store import MessageStore
from notifier.render import Message
from notifier.senders import OutcomeUnknown, PermanentSendError, TransientSendError
from notifier.smpp_gateway import SmppConfig, SmppGateway

pytestmark = pytest.mark.integration


@pytest.fixture
def store(mongo_client) -> Iterator[MessageStore]:
    name = f"t_smpp_{uuid.uuid4().hex[:8]}"
    yield MessageStore(mongo_client[name])
    mongo_client.drop_database(name)


@pytest.fixture
def smsc(store) -> Iterator[SmscSink]:
    sink = SmscSink(store, port=0, system_id="kabinet", password="s3cret").start()
    yield sink
    sink.stop()


class CountingBinds(SmscSink):
    """The dev SMSC, noting each bind's system_id."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.binds: list[bytes] = []

    def _bind_status(self, pdu) -> int:
        self.binds.append(pdu.system_id)
        return super()._bind_status(pdu)


def gateway(port: int, password: str = "s3cret", **extra: str) -> SmppGateway:
    query = "&".join(f"{k}={v}" for k, v in {"source": "Kabinet", **extra}.items())
    return SmppGateway(SmppConfig.from_url(f"smpp://kabinet:{password}@127.0.0.1:{port}?{query}"))


def phone() -> str:
    return "+7916" + str(uuid.uuid4().int)[:7]


def sms(to: str, text: str) -> Message:
    return Message("sms", to, "", text)


def new_id() -> str:
    return str(uuid.uuid4())


def test_a_long_cyrillic_code_arrives_whole_in_the_inbox(smsc, store):
    to, text = phone(), "Kabinet: ваш код 402913. Никому его не сообщайте, даже сотрудникам оператора. " * 2
    gateway(smsc.port).send(sms(to, text), message_id=new_id())
    [got] = store.messages(to)
    assert got["channel"] == "sms" and got["body"] == text  # three UCS-2 segments, joined


def test_gsm_text_with_extension_characters_reads_back_as_sent(smsc, store):
    to, text = phone(), "Code [402913] {valid 10 min} costs 0 € ~ ^ | \\"
    gateway(smsc.port).send(sms(to, text), message_id=new_id())
    assert [m["body"] for m in store.messages(to)] == [text]


def test_one_bind_serves_the_next_messages(store):
    sink = CountingBinds(store, port=0).start()
    try:
        gw, to = gateway(sink.port), phone()
        for n in range(3):
            gw.send(sms(to, f"notice {n}"), message_id=new_id())
        assert len(store.messages(to)) == 3 and sink.binds == [b"kabinet"]
    finally:
        sink.stop()


def test_concurrent_senders_share_at_most_the_configured_binds(store):
    sink = CountingBinds(store, port=0).start()
    try:
        gw, to = gateway(sink.port, binds="2"), phone()
        senders = [
            threading.Thread(target=gw.send, args=(sms(to, f"notice {n}"),), kwargs={"message_id": new_id()})
            for n in range(8)
        ]
        for t in senders:
            t.start()
        for t in senders:
            t.join(10)
        assert sorted(m["body"] for m in store.messages(to)) == [f"notice {n}" for n in range(8)]
        assert 1 <= len(sink.binds) <= 2  # the SMSC never saw more sessions than allowed
    finally:
        sink.stop()


def test_a_wrong_password_is_a_transient_failure_and_sends_nothing(smsc, store):
    to = phone()
    with pytest.raises(TransientSendError, match="bind"):
        gateway(smsc.port, password="wrong").send(sms(to, "code 1"), message_id=new_id())
    assert store.messages(to) == []


def test_a_throttled_submit_may_be_retried_and_a_bad_number_may_not(store):
    moods = {"+79990000001": consts.SMPP_ESME_RTHROTTLED, "+79990000002": consts.SMPP_ESME_RINVDSTADR}
    sink = CountingBinds(store, port=0, refuse=lambda to: moods.get(to, consts.SMPP_ESME_ROK)).start()
    try:
        gw = gateway(sink.port)
        with pytest.raises(TransientSendError, match="Throttl"):
            gw.send(sms("+79990000001", "code"), message_id=new_id())
        with pytest.raises(PermanentSendError, match="Invalid Dest"):
            gw.send(sms("+79990000002", "code"), message_id=new_id())
        to = phone()
        gw.send(sms(to, "code 3"), message_id=new_id())  # on the same bind as the refused ones
        assert [m["body"] for m in store.messages(to)] == ["code 3"] and sink.binds == [b"kabinet"]
    finally:
        sink.stop()


def test_a_later_segment_refused_after_the_first_left_is_an_unknown_outcome(store):
    taken = []

    def second_refused(to: str) -> int:
        taken.append(to)
        return consts.SMPP_ESME_ROK if len(taken) == 1 else consts.SMPP_ESME_RMSGQFUL

    sink = SmscSink(store, port=0, refuse=second_refused).start()
    try:
        with pytest.raises(OutcomeUnknown, match="after 1 left"):  # a resend would repeat segment 1
            gateway(sink.port).send(sms(phone(), "ж" * 100), message_id=new_id())
    finally:
        sink.stop()


def test_smsc_down_is_transient_and_an_smsc_back_on_the_same_port_is_bound_anew(store):
    sink = SmscSink(store, port=0).start()
    port, to = sink.port, phone()
    gw = gateway(port)
    gw.send(sms(to, "before"), message_id=new_id())
    sink.stop()  # the SMSC goes down: its sessions end, the gateway's idle bind with them
    with pytest.raises(TransientSendError, match="unreachable"):
        gw.send(sms(to, "while down"), message_id=new_id())
    sink = SmscSink(store, port=port).start()
    try:
        gw.send(sms(to, "after"), message_id=new_id())
        assert [m["body"] for m in store.messages(to)] == ["after", "before"]
    finally:
        sink.stop()


def test_an_idle_bind_the_smsc_dropped_is_never_written_to(store):
    """The SMSC ends an idle session (unbind); the next message binds again, not an unknown outcome."""
    sessions: list[socket.socket] = []

    class Unbinding(SmscSink):
        def serve(self, conn):
            sessions.append(conn)
            super().serve(conn)

    sink = Unbinding(store, port=0).start()
    try:
        gw, to = gateway(sink.port), phone()
        gw.send(sms(to, "first"), message_id=new_id())
        unbind = smpp.make_pdu("unbind", client=None, sequence=77)
        sessions[0].sendall(unbind.generate())
        time.sleep(0.2)  # idle: the unbind reaches the gateway's side before its next message
        gw.send(sms(to, "second"), message_id=new_id())
        assert [m["body"] for m in store.messages(to)] == ["second", "first"] and len(sessions) == 2
    finally:
        sink.stop()


def test_a_submit_that_is_never_answered_is_an_unknown_outcome():
    """An SMSC that binds, takes the submit and falls silent: the SMS may have left."""
    listener = socket.create_server(("127.0.0.1", 0))
    got_submit = threading.Event()

    def silent_smsc() -> None:
        conn, _ = listener.accept()
        with conn:
            while True:
                head = conn.recv(16)
                if len(head) < 16:
                    return
                length, command_id, _, sequence = struct.unpack(">LLLL", head)
                conn.recv(length - 16)
                if command_id == 0x00000002:  # bind_transmitter: welcome
                    resp = smpp.make_pdu("bind_transmitter_resp", client=None, system_id="silent")
                    resp.sequence = sequence
                    conn.sendall(resp.generate())
                elif command_id == 0x00000004:  # submit_sm: taken, never answered
                    got_submit.set()

    threading.Thread(target=silent_smsc, daemon=True).start()
    try:
        gw = gateway(listener.getsockname()[1], timeout="0.5")
        with pytest.raises(OutcomeUnknown, match="no answer"):
            gw.send(sms(phone(), "code 5"), message_id=new_id())
        assert got_submit.is_set()
    finally:
        listener.close()


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost (and 127.0.0.1) and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = directory / "smsc.pem", directory / "smsc.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_smpp_over_tls_checks_the_smscs_certificate(store, tmp_path):
    cert, key = self_signed(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    sink = SmscSink(store, port=0, tls=server).start()
    try:
        to = phone()
        trusted = SmppGateway(SmppConfig.from_url(f"smpps://kabinet:pw@localhost:{sink.port}?cafile={cert}"))
        trusted.send(sms(to, "Kabinet: код 402913"), message_id=new_id())
        assert [m["body"] for m in store.messages(to)] == ["Kabinet: код 402913"]
        untrusted = SmppGateway(SmppConfig.from_url(f"smpps://kabinet:pw@localhost:{sink.port}"))
        with pytest.raises(TransientSendError, match="SSLCertVerificationError"):  # the system's CAs: no
            untrusted.send(sms(to, "code 2"), message_id=new_id())
        assert len(store.messages(to)) == 1
    finally:
        sink.stop()


def test_the_dev_smsc_nacks_what_it_does_not_know_and_ignores_stray_answers(smsc):
    with socket.create_connection(("127.0.0.1", smsc.port), timeout=5) as conn:
        conn.sendall(struct.pack(">LLLL", 16, 0x80000099, 0, 7))  # an answer of some kind, to nothing
        conn.sendall(struct.pack(">LLLL", 16, 0x00000099, 0, 8))  # no such command
        _, command_id, status, sequence = struct.unpack(">LLLL", conn.recv(16))
    assert (command_id, status, sequence) == (0x80000000, consts.SMPP_ESME_RINVCMDID, 8)  # generic_nack
