"""The outbox relay's doorbell: an append rings it, and the relay publishes at once.

Without it the relay finds new appends by polling its store: every poll costs the Mongo
server a query whether or not anything is there, and each hop of a chain of services waits
up to a poll interval. With it, whoever appends sends one UDP datagram to the relay's
address (`RELAY_DOORBELL`, e.g. `127.0.0.1:8001`: the service's HTTP port number, on UDP),
and the relay waits on its socket between batches.

A ring is only a hint: it is sent after the append is stored, never blocks, and may be lost
(no relay listening, a full socket buffer, another host). The relay still polls every
`idle` seconds, so a lost ring costs latency, never an event.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket

log = logging.getLogger(__name__)

Address = tuple[str, int]


def parse(text: str) -> Address | None:
    """`host:port` → an address; empty → None (no doorbell)."""
    if not text:
        return None
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"a doorbell address is host:port, got {text!r}")
    return host, int(port)


class Bell:
    """The ringing side, used by appenders. One unconnected datagram socket: sending on it is
    safe from any thread, and from forked workers sharing it."""

    def __init__(self, address: Address | None) -> None:
        self.address = address
        self._sock: socket.socket | None = None
        if address is not None:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._sock.setblocking(False)

    def ring(self) -> None:
        """Send one datagram; any failure is ignored (the relay's poll covers it)."""
        if self._sock is not None and self.address is not None:
            with contextlib.suppress(OSError):
                self._sock.sendto(b"!", self.address)


class Door:
    """The listening side, held by the relay."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    @classmethod
    def open(cls, address: Address | None) -> Door | None:
        """Listen at `address`; None when there is none or it is taken (the relay then polls)."""
        if address is None:
            return None
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind(address)
        except OSError as exc:
            sock.close()
            log.warning(
                "relay doorbell not listening, polling only", extra={"address": address, "error": str(exc)}
            )
            return None
        sock.setblocking(False)
        return cls(sock)

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` s for a ring; True when rung. Every ring waiting is taken."""
        ready, _, _ = select.select([self._sock], [], [], timeout)
        if not ready:
            return False
        while True:
            try:
                self._sock.recv(16)
            except OSError:  # BlockingIOError: no more rings waiting
                return True

    def close(self) -> None:
        """Stop listening."""
        self._sock.close()
