"""An SMS provider speaking SMPP 3.4 (smpplib): bound as a transmitter, one `submit_sm` per segment.

Chosen by an `smpp://` gateway URL (`NOTIFIER_SMS_GATEWAY_URL`), or `smpps://` for SMPP over TLS
(the SMSC's certificate checked against the system's CAs, or `cafile`):

    smpp://<system_id>:<password>@<host>:<port>?source=Kabinet&system_type=&timeout=5
    smpps://<system_id>:<password>@<host>:<port>?cafile=/etc/kabinet/smsc-ca.pem

The source is an alphanumeric sender (TON 5) or a number (`+` international, TON 1; else
TON 0), the destination the E.164 number (TON 1, NPI 1). A long text goes as concatenated
segments (`notifier.sms_parts`), each acknowledged by its own `submit_sm_resp` before the
next is sent.

Outcomes, as the delivery reads them (`after_attempt`):
- nothing left — the SMSC refused the connection or the bind, the first segment's answer is a
  temporary refusal (throttled, queue full, system error) — `TransientSendError`;
- the first segment is refused for good (bad destination, bad length …) — `PermanentSendError`;
- a segment went out and no answer came (timeout, dropped connection), or a later segment was
  refused after earlier ones were accepted — `OutcomeUnknown`: SMPP has no request id, so a
  repeat would be a second SMS; such a notice is never resent.

With `receipts=1` in the URL each segment asks for a delivery receipt, and the ids the SMSC
gives the segments are handed to `notifier.sms_receipts`, whose receiver bind (one more than
`binds`) turns the receipts into NotificationDelivered. Off by default: on FerretDB they cost
about seven more round trips per SMS (services/notifier/README.md, *Delivery receipts*).

At most `binds` sessions are open at once (`binds=2` in the URL; SMSCs cap binds per system_id):
the sending threads (the consumer's lanes, the retrier) share them, and a thread that finds them
all busy for the timeout gets a transient error. An idle bind is reused while it is fresher than
`reuse_seconds` (SMSCs drop idle binds); before reuse, anything the SMSC sent meanwhile is read (an
`enquire_link` is answered, an `unbind` or a closed socket drops the connection), so a connection
the SMSC already dropped is never the one a segment is written to.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from smpplib import consts, exceptions, smpp
from smpplib.client import Client

from notifier.render import Message
from notifier.senders import OutcomeUnknown, PermanentSendError, TransientSendError
from notifier.sms_parts import Segments, split

DEFAULT_PORT = 2775
CLIENT_LOG = "notifier.smpp.client"
# smpplib warns of every socket error and of closing a bound connection: the delivery reports
# each outcome itself, so only its errors are kept
logging.getLogger(CLIENT_LOG).setLevel(logging.ERROR)
# answers that say "not now": the same segment may well be taken later
TEMPORARY = frozenset(
    {
        consts.SMPP_ESME_RSYSERR,
        consts.SMPP_ESME_RMSGQFUL,
        consts.SMPP_ESME_RSUBMITFAIL,
        consts.SMPP_ESME_RTHROTTLED,
        consts.SMPP_ESME_RX_T_APPN,
    }
)


@dataclass(frozen=True)
class SmppConfig:
    """Where the SMSC is and how to bind to it."""

    host: str
    port: int = DEFAULT_PORT
    system_id: str = ""
    password: str = ""
    system_type: str = ""
    source: str = "Kabinet"
    timeout: float = 5.0
    binds: int = 2  # SMPP sessions at once (SMSCs cap them per system_id); senders beyond wait
    tls: bool = False
    cafile: str | None = None  # CAs the SMSC's certificate is checked against (the system's when None)
    receipts: bool = False  # ask for delivery receipts (and take them on a receiver bind)

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 5.0) -> SmppConfig:
        """`smpp[s]://id:password@host:port?source=…&system_type=…&timeout=…&cafile=…`."""
        parts = urlsplit(url)
        if parts.scheme not in ("smpp", "smpps") or not parts.hostname:
            raise ValueError(f"an SMPP gateway URL is smpp[s]://id:password@host:port, got {url!r}")
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return cls(
            host=parts.hostname,
            port=parts.port or DEFAULT_PORT,
            system_id=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            system_type=query.get("system_type", ""),
            source=query.get("source", "Kabinet"),
            timeout=float(query.get("timeout", timeout)),
            binds=max(1, int(query.get("binds", 2))),
            tls=parts.scheme == "smpps",
            cafile=query.get("cafile") or None,
            receipts=query.get("receipts", "0") in ("1", "true", "yes"),
        )

    def tls_context(self) -> ssl.SSLContext | None:
        """The client's TLS settings for `smpps://` (certificate and host name checked)."""
        return ssl.create_default_context(cafile=self.cafile) if self.tls else None


class _Connection(Client):  # type: ignore[misc]
    """smpplib's client, plus a look at what the SMSC sent while the connection sat idle, and TLS
    that checks the SMSC's host name (smpplib wraps its socket without one)."""

    def _create_socket(self) -> socket.socket:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.settimeout(self.timeout)
        if self._ssl_context is None:
            return raw
        return self._ssl_context.wrap_socket(raw, server_hostname=self.host)

    def pending(self) -> bool:
        """Whether the SMSC sent something (or closed the connection) since the last read."""
        sock = self._socket
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)


class _Refused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _NoAnswer(Exception):
    pass


class Submissions(Protocol):
    """Where the ids of a notice's accepted segments go (`notifier.sms_receipts.ReceiptBook`)."""

    def submitted(self, notification_id: str, message_ids: Sequence[str]) -> None: ...


class SmppGateway:
    """Sends an SMS through an SMSC over SMPP (see the module)."""

    idempotent = False  # SMPP has no request id: a repeated submit is a second SMS

    def __init__(
        self, config: SmppConfig, *, reuse_seconds: float = 20.0, receipts: Submissions | None = None
    ) -> None:
        self._c = config
        self._receipts = receipts if config.receipts else None
        self._reuse = reuse_seconds
        self._source = _address(config.source)
        self._slots = threading.BoundedSemaphore(config.binds)  # binds open at once, busy or idle
        self._idle: list[tuple[_Connection, float]] = []  # bound, not in use: (connection, last used)
        self._lock = threading.Lock()

    def send(self, message: Message, *, message_id: str) -> None:
        """Submit every segment of one SMS on one of the binds; the segments of one message share a
        reference taken from its notification id."""
        segments = split(message.text, ref=uuid.UUID(message_id).int & 0xFF)
        if not self._slots.acquire(timeout=self._c.timeout):
            raise TransientSendError(f"all {self._c.binds} SMPP binds stayed busy for {self._c.timeout:g} s")
        try:
            ids = self._send_on(self._connection(), message.to, segments)
        finally:
            self._slots.release()
        if self._receipts is not None:
            self._receipts.submitted(message_id, ids)

    def _send_on(self, connection: _Connection, to: str, segments: Segments) -> list[str]:
        """The segments on one bind, in order, and the SMSC's ids of them; the bind goes back to
        the idle ones after a clean answer, and is closed after anything else."""
        ids: list[str] = []
        try:
            for part in segments.parts:
                ids.append(self._submit(connection, to, part, segments.data_coding, segments.esm_class))
        except _Refused as exc:  # a clean answer: the bind stays good for the next message
            accepted = len(ids)
            self._release(connection)
            text = f"SMSC refused segment {accepted + 1} of {len(segments.parts)}: {_describe(exc.status)}"
            if accepted:
                raise OutcomeUnknown(f"{text}, after {accepted} left") from exc
            raise (TransientSendError if exc.status in TEMPORARY else PermanentSendError)(text) from exc
        except _NoAnswer as exc:
            _close(connection)
            raise OutcomeUnknown(f"SMSC gave no answer to segment {len(ids) + 1}: {exc}") from exc
        except exceptions.ConnectionError as exc:  # the segment could not be written
            _close(connection)
            if ids:
                raise OutcomeUnknown(f"SMSC connection lost after {len(ids)} segments left") from exc
            raise TransientSendError(f"SMSC connection lost: {exc}") from exc
        self._release(connection)
        return ids

    def _submit(self, connection: _Connection, to: str, part: bytes, data_coding: int, esm_class: int) -> str:
        """Submit one segment; the SMSC's id of it."""
        source_ton, source_npi, source = self._source
        pdu = connection.send_message(
            source_addr_ton=source_ton,
            source_addr_npi=source_npi,
            source_addr=source,
            dest_addr_ton=consts.SMPP_TON_INTL,
            dest_addr_npi=consts.SMPP_NPI_ISDN,
            destination_addr=to.lstrip("+"),
            esm_class=esm_class,
            data_coding=data_coding,
            registered_delivery=1 if self._receipts is not None else 0,
            short_message=part,
        )
        answer = self._answer(connection, pdu.sequence)
        if answer.status != consts.SMPP_ESME_ROK:
            raise _Refused(int(answer.status))
        message_id = getattr(answer, "message_id", None) or b""
        return message_id.decode("latin-1") if isinstance(message_id, bytes) else str(message_id)

    def _answer(self, connection: _Connection, sequence: int) -> Any:
        """The answer to `sequence` (its status, and the segment's id), answering the SMSC's own
        requests meanwhile."""
        deadline = time.monotonic() + self._c.timeout
        while True:
            try:
                pdu = connection.read_pdu()
            except (TimeoutError, exceptions.ConnectionError, exceptions.PDUError) as exc:
                raise _NoAnswer(type(exc).__name__) from exc
            if pdu.sequence == sequence and pdu.command in ("submit_sm_resp", "generic_nack"):
                return pdu
            if not _serve(connection, pdu):
                raise _NoAnswer("the SMSC unbound")
            if time.monotonic() > deadline:
                raise _NoAnswer("timeout")

    def _connection(self) -> _Connection:
        """An idle bind that is fresh and clean (the most recently used first), else a new one.
        The caller holds a slot, so a new bind never exceeds `binds`."""
        while True:
            with self._lock:
                connection, used_at = self._idle.pop() if self._idle else (None, 0.0)
            if connection is None:
                return self._bind()
            if time.monotonic() - used_at <= self._reuse and self._settled(connection):
                return connection
            end_bind(connection)

    def _release(self, connection: _Connection) -> None:
        with self._lock:
            self._idle.append((connection, time.monotonic()))

    def _settled(self, connection: _Connection) -> bool:
        """Read what the SMSC sent while the connection was idle; whether it is still usable."""
        try:
            while connection.pending():
                if not _serve(connection, connection.read_pdu()):
                    return False
        except (OSError, exceptions.ConnectionError, exceptions.PDUError):
            return False
        return True

    def bind_receiver(self) -> _Connection:
        """A receiver bind, for the delivery receipts (`notifier.sms_receipts.ReceiptListener`)."""
        return self._bind("receiver")

    def _bind(self, mode: str = "transmitter") -> _Connection:
        c = self._c
        connection = _Connection(
            c.host,
            c.port,
            timeout=c.timeout,
            logger_name=CLIENT_LOG,
            ssl_context=c.tls_context(),
            allow_unknown_opt_params=True,
        )
        try:
            connection.connect()
            bind = connection.bind_receiver if mode == "receiver" else connection.bind_transmitter
            bind(system_id=c.system_id, password=c.password, system_type=c.system_type)
        except exceptions.PDUError as exc:
            _close(connection)
            status = exc.args[1] if len(exc.args) > 1 else None
            raise TransientSendError(f"SMSC refused the bind: {_describe(status)}") from exc
        except (OSError, exceptions.ConnectionError) as exc:
            _close(connection)
            cause = exc.__context__ or exc  # smpplib reports any failed connect as "Connection refused"
            raise TransientSendError(f"SMSC unreachable: {type(cause).__name__}: {cause}") from exc
        return connection


def _serve(connection: _Connection, pdu: Any) -> bool:
    """Answer a request of the SMSC's own; False when it is an `unbind` (the bind is over)."""
    if pdu.command == "enquire_link":
        reply = smpp.make_pdu("enquire_link_resp", client=connection)
    elif pdu.command == "unbind":
        reply = smpp.make_pdu("unbind_resp", client=connection)
    else:
        return True  # a late answer, a receipt: nothing to do on a transmitter
    reply.sequence = pdu.sequence
    connection.send_pdu(reply)
    return pdu.command != "unbind"


def end_bind(connection: _Connection) -> None:
    """End a bind politely (it is stale or the SMSC ended it), then close it."""
    with contextlib.suppress(OSError, exceptions.ConnectionError, exceptions.PDUError):
        connection.unbind()
    _close(connection)


def _close(connection: _Connection) -> None:
    with contextlib.suppress(OSError):
        connection.disconnect()


def _address(source: str) -> tuple[int, int, str]:
    """TON, NPI and digits of a source: alphanumeric, international (`+…`) or plain digits."""
    if source.startswith("+") and source[1:].isdigit():
        return consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN, source[1:]
    if source.isdigit():
        return consts.SMPP_TON_UNK, consts.SMPP_NPI_ISDN, source
    return consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK, source


def _describe(status: int | None) -> str:
    if status is None:
        return "no status"
    return f"{status:#04x} {consts.DESCRIPTIONS.get(status, 'unknown status')}"
