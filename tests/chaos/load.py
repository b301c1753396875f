"""Background command load for fault tests: registrations (and optional reads) at a steady pace."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from chaos.people import subscriber


@dataclass
class Outcome:
    """One request: when, what came back, how long it took."""

    kind: str
    at: float
    status: int  # 0: transport error or timeout
    seconds: float
    content_type: str = ""
    body: Any = None


@dataclass
class CommandLoad:
    """`threads` callers registering new subscribers, each at most `rate` per second, until stopped."""

    gateway: str
    threads: int = 3
    rate: float = 3.0
    timeout: float = 20.0
    reads: dict[str, str] | None = None  # an auth header: also GET /me in between
    outcomes: list[Outcome] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)  # {account_id, phone}
    _stop: threading.Event = field(default_factory=threading.Event)
    _pool: list[threading.Thread] = field(default_factory=list)

    def start(self) -> CommandLoad:
        """Begin in background threads."""
        self._pool = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for t in self._pool:
            t.start()
        return self

    def stop(self) -> None:
        """Stop and wait for the callers."""
        self._stop.set()
        for t in self._pool:
            t.join(self.timeout + 10)

    def _call(self, s: requests.Session, kind: str, method: str, url: str, **kw: Any) -> Outcome:
        t0 = time.monotonic()
        try:
            r = s.request(method, url, timeout=self.timeout, **kw)
        except requests.RequestException:
            out = Outcome(kind, time.time(), 0, time.monotonic() - t0)
        else:
            ctype = r.headers.get("Content-Type", "").split(";")[0]
            body = r.json() if ctype.endswith("json") and r.content else None
            out = Outcome(kind, time.time(), r.status_code, time.monotonic() - t0, ctype, body)
        self.outcomes.append(out)
        return out

    def _run(self) -> None:
        s = requests.Session()
        while not self._stop.is_set():
            t0 = time.monotonic()
            person = subscriber()
            out = self._call(s, "register", "POST", f"{self.gateway}/api/v1/registrations", json=person)
            if out.status == 201:
                self.accepted.append({"account_id": out.body["account_id"], "phone": person["phone"]})
            if out.status == 0:
                s.close()
                s = requests.Session()
            if self.reads:
                self._call(s, "me", "GET", f"{self.gateway}/api/v1/me", headers=self.reads)
            self._stop.wait(max(0.0, 1 / self.rate - (time.monotonic() - t0)))
        s.close()

    def of(self, kind: str) -> list[Outcome]:
        """Outcomes of one kind of request."""
        return [o for o in self.outcomes if o.kind == kind]
