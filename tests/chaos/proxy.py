"""A TCP proxy in front of the shared Mongo server: `down()` makes the server look stopped.

Stopping the real server would break every other user of this machine, so the suite under
test reaches Mongo through this proxy. `down()` closes the listening socket (new connections
are refused, as with a stopped server) and resets every open connection; `up()` listens again
on the same port.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class TcpProxy:
    """127.0.0.1:<port> → target host:port, one pair of pump threads per connection."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self.port = 0
        self._listen()

    def _listen(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(256)
        self.port = s.getsockname()[1]
        self._listener = s
        threading.Thread(target=self._accept, args=(s,), name="proxy-accept", daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([listener], [], [], 0.2)
                if not ready:
                    continue
                client, _ = listener.accept()
            except (OSError, ValueError):  # closed by down()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                self._close(s)

    def _close(self, s: socket.socket) -> None:
        with self._lock:
            self._conns.discard(s)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            s.close()

    @property
    def uri(self) -> str:
        """A Mongo URI through the proxy."""
        return f"mongodb://127.0.0.1:{self.port}"

    def down(self) -> None:
        """Refuse new connections and reset the open ones."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            conns = list(self._conns)
        for s in conns:
            self._close(s)

    def up(self) -> None:
        """Accept connections again on the same port."""
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        """Stop for good."""
        self._stop.set()
        self.down()
