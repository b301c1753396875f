"""The SMPP sink: a development SMSC (SMPP 3.4 over TCP) that files every submitted SMS in the inbox.

It answers what an ESME sending SMS needs: `bind_transmitter` / `bind_transceiver` /
`bind_receiver` (with `system_id` and `password` checked when `DEVSINK_SMPP_SYSTEM_ID` is set),
`submit_sm`, `enquire_link`, `unbind`; anything else gets `generic_nack`. A message is decoded
from its data coding (GSM 7-bit, Latin-1, UCS-2) or its `message_payload`, and the segments of
a long one (UDH concatenation) are joined before it is stored, under the destination number as
`+<digits>`. Each accepted segment is answered with a fresh `message_id`.

A segment submitted with `registered_delivery` gets a delivery receipt once filed: a
`deliver_sm` (esm_class 0x04, the `id:… stat:DELIVRD …` text and the `receipted_message_id`
and `message_state` TLVs) on a receiver or transceiver bind, the one bound longest, sent by a
courier thread of its own (as an SMSC's, never holding up the submitting session); receipts
wait (up to 1,000) while no such bind is open. A test's `fate` hook may answer another state.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import socket
import socketserver
import ssl
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from smpplib import consts, exceptions, smpp

from notifier.devsink.store import MessageStore
from notifier.sms_parts import decode, read_header
from notifier.sms_receipts import RECEIPT_ESM_CLASS, STATES

log = logging.getLogger(__name__)
SYSTEM_ID = "kabinet-sink"
MAX_PDU = 64 * 1024
PARTS_KEPT_SECONDS = 300.0  # segments of a long message whose others never came are dropped then
Refusal = Callable[[str], int]  # destination → SMPP status (0 accepts): test doubles of an SMSC's moods
Fate = Callable[[str], str]  # destination → the receipt's final state (DELIVRD, UNDELIV, EXPIRED…)
RECEIPTS_KEPT = 1000  # receipts waiting for a receiver bind
MESSAGE_STATES = {word: number for number, word in STATES.items()}  # the receipt's state word → TLV


class _Sequence:
    """What smpplib's PDUs ask of a client: a sequence number (the answers copy the request's)."""

    sequence = 0

    def next_sequence(self) -> int:
        return 0


class _Parts:
    """Segments of long messages waiting for their siblings, keyed by sender, destination and reference."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[tuple[str, str, int, int], tuple[float, dict[int, str]]] = {}

    def add(self, key: tuple[str, str, int, int], seq: int, text: str) -> str | None:
        """Keep one segment; the whole text once every segment of `key` is here."""
        now, total = time.monotonic(), key[3]
        with self._lock:
            for stale in [k for k, (at, _) in self._waiting.items() if now - at > PARTS_KEPT_SECONDS]:
                del self._waiting[stale]
            _, parts = self._waiting.setdefault(key, (now, {}))
            parts[seq] = text
            if len(parts) < total:
                return None
            del self._waiting[key]
        return "".join(parts[i] for i in sorted(parts))


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class SmscSink:
    """The SMPP server, in threads of this process; `start()` returns once it accepts connections."""

    def __init__(
        self,
        store: MessageStore,
        host: str = "127.0.0.1",
        port: int = 2775,
        *,
        system_id: str = "",
        password: str = "",
        refuse: Refusal | None = None,
        fate: Fate | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._store, self._address = store, (host, port)
        self._credentials = (system_id, password) if system_id else None
        self._refuse = refuse or (lambda _to: consts.SMPP_ESME_ROK)
        self._fate = fate or (lambda _to: "DELIVRD")
        self._receivers: list[socket.socket] = []  # receiver and transceiver binds, the oldest first
        self._waiting: deque[bytes] = deque(maxlen=RECEIPTS_KEPT)  # receipts no receiver was bound for yet
        self._outbox: queue.Queue[bytes | None] = queue.Queue()  # receipts for the courier to send
        self._writes: dict[socket.socket, threading.Lock] = {}  # a receipt and an answer never interleave
        self._sequence = itertools.count(1)
        self._parts = _Parts()
        self._tls = tls  # a server context: SMPP over TLS (a test's SMSC; the dev inbox speaks plain)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._sessions: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        """The port it listens on (the one the OS chose for port 0)."""
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    def start(self) -> SmscSink:
        sink = self

        class Session(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn = self.request
                if sink._tls is not None:
                    try:
                        conn = sink._tls.wrap_socket(conn, server_side=True)
                    except (ssl.SSLError, OSError):
                        return  # a client that does not trust us, or does not speak TLS
                with sink._lock:
                    sink._sessions.add(conn)
                try:
                    sink.serve(conn)
                finally:
                    with sink._lock:
                        sink._sessions.discard(conn)

        self._server = _Server(self._address, Session)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="devsink-smpp", daemon=True
        )
        self._thread.start()
        threading.Thread(target=self._courier, name="devsink-smpp-receipts", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening and end every open session, as an SMSC going down does."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            for conn in self._sessions:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._outbox.put(None)

    def serve(self, conn: socket.socket) -> None:
        """One ESME's session: request after request until it unbinds or goes away."""
        self._writes[conn] = threading.Lock()
        try:
            self._serve(conn)
        finally:
            with self._lock:
                if conn in self._receivers:
                    self._receivers.remove(conn)
            self._writes.pop(conn, None)

    def _serve(self, conn: socket.socket) -> None:
        bound = False
        while True:
            raw = _read_pdu(conn)
            if raw is None:
                return
            command_id, sequence = struct.unpack(">L", raw[4:8])[0], struct.unpack(">L", raw[12:16])[0]
            if command_id & 0x80000000:
                continue  # an answer (to nothing we asked): ignored, never answered
            try:
                pdu = smpp.parse_pdu(raw, client=_Sequence(), allow_unknown_opt_params=True)
            except (exceptions.UnknownCommandError, struct.error, ValueError, IndexError):
                pdu = None
            if pdu is None:
                self._reply(conn, "generic_nack", sequence, consts.SMPP_ESME_RINVCMDID)
                continue
            command = pdu.command
            if command in ("bind_transmitter", "bind_transceiver", "bind_receiver"):
                status = self._bind_status(pdu) if not bound else consts.SMPP_ESME_RALYBND
                bound = bound or status == consts.SMPP_ESME_ROK
                self._reply(conn, f"{command}_resp", sequence, status, system_id=SYSTEM_ID)
                if status == consts.SMPP_ESME_ROK and command != "bind_transmitter":
                    self._receiving(conn)
            elif command == "submit_sm":
                status, message_id = self._submit(pdu) if bound else (consts.SMPP_ESME_RINVBNDSTS, None)
                self._reply(conn, "submit_sm_resp", sequence, status, message_id=message_id)
                if message_id is not None and (pdu.registered_delivery or 0) & 0x01:
                    self._receipt(pdu, message_id)
            elif command == "enquire_link":
                self._reply(conn, "enquire_link_resp", sequence, consts.SMPP_ESME_ROK)
            elif command == "unbind":
                self._reply(conn, "unbind_resp", sequence, consts.SMPP_ESME_ROK)
                return
            else:
                self._reply(conn, "generic_nack", sequence, consts.SMPP_ESME_RINVCMDID)

    def _reply(self, conn: socket.socket, command: str, sequence: int, status: int, **fields: Any) -> None:
        pdu = smpp.make_pdu(command, client=_Sequence(), **{k: v for k, v in fields.items() if v is not None})
        pdu.sequence, pdu.status = sequence, status
        self._write(conn, pdu.generate())

    def _write(self, conn: socket.socket, raw: bytes) -> bool:
        """Send one PDU whole (a receipt from another session's thread may be going out too)."""
        try:
            with self._writes.get(conn) or threading.Lock():
                conn.sendall(raw)
        except OSError:
            log.info("an SMPP client went away before a PDU reached it")
            return False
        return True

    def _receiving(self, conn: socket.socket) -> None:
        """A receiver (or transceiver) bound: receipts go to it, those waiting first."""
        with self._lock:
            self._receivers.append(conn)
            waiting = list(self._waiting)
            self._waiting.clear()
        for raw in waiting:
            self._outbox.put(raw)

    def _receipt(self, submitted: Any, message_id: str) -> None:
        """The delivery receipt of one accepted segment, from the handset back to the sender."""
        to = _text(submitted.destination_addr)
        stat = self._fate("+" + to.lstrip("+"))
        now = datetime.now(UTC).strftime("%y%m%d%H%M")
        text = f"id:{message_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} submit date:{now} "
        text += f"done date:{now} stat:{stat} err:000 text:"
        pdu = smpp.make_pdu(
            "deliver_sm",
            client=_Sequence(),
            source_addr_ton=submitted.dest_addr_ton,
            source_addr_npi=submitted.dest_addr_npi,
            source_addr=to,
            dest_addr_ton=submitted.source_addr_ton,
            dest_addr_npi=submitted.source_addr_npi,
            destination_addr=_text(submitted.source_addr),
            esm_class=RECEIPT_ESM_CLASS,
            short_message=text.encode("ascii"),
            receipted_message_id=message_id,
            message_state=MESSAGE_STATES.get(stat, 7),
        )
        pdu.sequence = next(self._sequence)
        self._outbox.put(pdu.generate())

    def _courier(self) -> None:
        """Send the receipts one after another until the sink stops."""
        while (raw := self._outbox.get()) is not None:
            self._deliver(raw)

    def _deliver(self, raw: bytes) -> None:
        """To the receiver bound longest; kept for later while none is (or it just went away)."""
        with self._lock:
            oldest = self._receivers[0] if self._receivers else None
        if oldest is None or not self._write(oldest, raw):
            with self._lock:
                self._waiting.append(raw)

    def _bind_status(self, pdu: Any) -> int:
        if self._credentials is None:
            return consts.SMPP_ESME_ROK
        given = (_text(pdu.system_id), _text(pdu.password))
        if given[0] != self._credentials[0]:
            return consts.SMPP_ESME_RINVSYSID
        return consts.SMPP_ESME_ROK if given[1] == self._credentials[1] else consts.SMPP_ESME_RINVPASWD

    def _submit(self, pdu: Any) -> tuple[int, str | None]:
        """File one segment (the message, once complete); its status and message id."""
        to = "+" + _text(pdu.destination_addr).lstrip("+")
        status = self._refuse(to)
        if status != consts.SMPP_ESME_ROK:
            return status, None
        octets = pdu.short_message or getattr(pdu, "message_payload", None) or b""
        try:
            concat, body = read_header(pdu.esm_class or 0, octets)
            text = decode(pdu.data_coding or 0, body)
        except (ValueError, UnicodeDecodeError):
            return consts.SMPP_ESME_RINVMSGLEN, None
        if concat is not None and concat.total > 1:
            key = (_text(pdu.source_addr), to, concat.ref, concat.total)
            whole = self._parts.add(key, concat.seq, text)
            if whole is None:
                return consts.SMPP_ESME_ROK, uuid.uuid4().hex
            text = whole
        self._store.add("sms", to, "", text)
        return consts.SMPP_ESME_ROK, uuid.uuid4().hex


def _read_pdu(conn: socket.socket) -> bytes | None:
    """One whole PDU, or None when the peer is gone or sent something that is not SMPP."""
    head = _read_exact(conn, 4)
    if head is None:
        return None
    length = struct.unpack(">L", head)[0]
    if not 16 <= length <= MAX_PDU:
        return None
    rest = _read_exact(conn, length - 4)
    return None if rest is None else head + rest


def _read_exact(conn: socket.socket, size: int) -> bytes | None:
    chunks, got = [], 0
    while got < size:
        try:
            chunk = conn.recv(size - got)
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value or ""
