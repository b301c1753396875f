"""A small load driver: threads with keep-alive `requests` sessions, every request recorded.

`Recorder` keeps one sample per request (phase, name, start, latency, status); `hammer` runs a
closed loop of `threads` callers for a fixed time; `paced` an open loop at a fixed rate;
`journey` is one virtual subscriber registering, confirming by the SMS code from the dev inbox,
signing in, adding a service and reading the dashboard.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
from registrations import subscriber

CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Sample:
    """One request."""

    phase: str
    name: str
    start: float  # time.time()
    latency: float  # seconds
    status: int  # HTTP status, 0 for a transport error


class Recorder:
    """Thread-safe enough (list.append under the GIL) sample sink."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.phase = "setup"

    def call(
        self, session: requests.Session, name: str, method: str, url: str, **kwargs: Any
    ) -> requests.Response | None:
        """Send one request and record it; None on a transport error.

        `due` (a `time.perf_counter()` value): when an open-loop schedule meant to send it; the
        latency is counted from then, so a late sender's wait counts (no coordinated omission).
        """
        kwargs.setdefault("timeout", 30)
        t0, wall = kwargs.pop("due", None) or time.perf_counter(), time.time()
        try:
            resp = session.request(method, url, **kwargs)
        except requests.RequestException:
            self.samples.append(Sample(self.phase, name, wall, time.perf_counter() - t0, 0))
            return None
        self.samples.append(Sample(self.phase, name, wall, time.perf_counter() - t0, resp.status_code))
        return resp

    def of(self, phase: str | None = None, name: str | None = None) -> list[Sample]:
        """Samples of a phase and/or request name."""
        return [
            s
            for s in self.samples
            if (phase is None or s.phase == phase) and (name is None or s.name == name)
        ]


def hammer(
    threads: int,
    seconds: float,
    work: Callable[[requests.Session, int], object],
    *,
    max_requests: int = 200_000,
    reconnect_every: int = 20,
    think: float = 0.0,
) -> float:
    """Run `work(session, i)` in a closed loop on `threads` threads for `seconds`; the wall time.

    Each thread keeps its connection alive for `reconnect_every` requests, then opens a new one,
    so that the connections spread over the gunicorn workers as many different clients' would.
    `think` seconds pass between one thread's requests (a paced reader rather than a hammer).
    """
    stop = threading.Event()
    count = [0]

    def loop(k: int) -> None:
        session = requests.Session()
        i = k
        try:
            while not stop.is_set() and count[0] < max_requests:
                work(session, i)
                count[0] += 1
                if think:
                    stop.wait(think)
                i += threads
                if i // threads % reconnect_every == 0:  # spread connections over the workers again
                    session.close()
                    session = requests.Session()
        finally:
            session.close()

    def until_time_is_up() -> None:
        stop.wait(seconds)
        stop.set()

    t0 = time.perf_counter()
    on_threads(threads, loop, meanwhile=until_time_is_up, join_timeout=60)
    return time.perf_counter() - t0


def paced(
    rate: float,
    seconds: float,
    work: Callable[[requests.Session, int, float], object],
    *,
    threads: int = 32,
    reconnect_every: int = 20,
) -> float:
    """An open loop: request i is due at start + i/rate for `seconds`, whatever the replies do.

    `work(session, i, due)` sends it (record with `Recorder.call(..., due=due)`); `threads`
    senders take the next due request each, so slow replies delay no schedule until all of
    them are busy, and then their lateness is counted in the latency. The wall time.
    """
    total = int(rate * seconds)
    turn = itertools.count()
    t0 = time.perf_counter()

    def loop(_k: int) -> None:
        session, sent = requests.Session(), 0
        try:
            while (i := next(turn)) < total:
                due = t0 + i / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                work(session, i, due)
                sent += 1
                if sent % reconnect_every == 0:  # spread connections over the workers
                    session.close()
                    session = requests.Session()
        finally:
            session.close()

    on_threads(threads, loop, join_timeout=seconds + 120)
    return time.perf_counter() - t0


def run_each(items: Iterable[Any], threads: int, work: Callable[[requests.Session, Any], None]) -> None:
    """Give every item to one of `threads` workers (each with its own session)."""
    queue = list(items)
    lock = threading.Lock()

    def loop(_k: int) -> None:
        session = requests.Session()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    item = queue.pop(0)
                work(session, item)
        finally:
            session.close()

    on_threads(threads, loop)


def on_threads(
    count: int,
    target: Callable[[int], None],
    *,
    meanwhile: Callable[[], None] | None = None,
    join_timeout: float | None = None,
) -> None:
    """`target(k)` for k in range(count), each on a daemon thread; `meanwhile` runs before the joins."""
    pool = [threading.Thread(target=target, args=(k,), daemon=True) for k in range(count)]
    for t in pool:
        t.start()
    if meanwhile is not None:
        meanwhile()
    for t in pool:
        t.join(join_timeout)


# ---------------------------------------------------------------------- the subscriber journey


def person(**overrides: Any) -> dict[str, Any]:
    """A new subscriber's registration body."""
    return subscriber("bench", **overrides)


def billing_account(p: dict[str, Any]) -> dict[str, Any]:
    """A billing feed record whose holder is this subscriber (so "Add service" links at once)."""
    return {
        "account_number": str(random.randint(10**11, 10**12 - 1)),
        "region": p["region"],
        "service_type": "internet",
        "identifiers": [],
        "holder": {k: p[k] for k in ("last_name", "first_name", "middle_name", "birth_date")},
        "contract_phone": p["phone"],
        "balance": {"amount": "250.00", "currency": "RUB"},
        "status": "active",
        "plan": "Домашний 500",
        "options": [],
    }


@dataclass
class Subscriber:
    """A virtual subscriber and what the journey learnt."""

    body: dict[str, Any]
    account: dict[str, Any]
    account_id: str | None = None
    token: str | None = None
    link_id: str | None = None
    failed: str | None = None


def poll(probe: Callable[[], Any], timeout: float, every: float = 0.1) -> Any:
    """Poll until `probe` returns something truthy (None after `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = probe()
        if got:
            return got
        time.sleep(every)
    return None


def journey(
    rec: Recorder, s: requests.Session, gateway: str, inbox: str, sub: Subscriber, reads: int = 5
) -> None:
    """Register → SMS code → confirm → sign in → add service → read /me and /services."""
    api = f"{gateway}/api/v1"
    r = rec.call(s, "register", "POST", f"{api}/registrations", json=sub.body)
    if r is None or r.status_code != 201:
        sub.failed = f"register {r.status_code if r is not None else 'transport'}"
        return
    sub.account_id = r.json()["account_id"]
    phone = sub.body["phone"]

    def code() -> str | None:
        msgs = s.get(f"{inbox}/api/messages", params={"to": phone}, timeout=10).json()
        m = CODE.search(msgs[0]["body"]) if msgs else None
        return m.group(1) if m else None

    got = poll(code, 60, 0.2)
    if not got:
        sub.failed = "no code"
        return
    body = {"account_id": sub.account_id, "channel": "sms", "code": got}
    r = rec.call(s, "confirm", "POST", f"{api}/confirmations", json=body)
    if r is None or r.status_code != 200:
        sub.failed = f"confirm {r.status_code if r is not None else 'transport'}"
        return
    creds = {"login": sub.body["login"], "password": sub.body["password"]}

    def signed_in() -> str | None:  # the activation reaches the account stream through Kafka
        resp = rec.call(s, "login", "POST", f"{api}/sessions", json=creds)
        return resp.json()["access_token"] if resp is not None and resp.status_code == 200 else None

    sub.token = poll(signed_in, 30, 0.2)
    if not sub.token:
        sub.failed = "login"
        return
    auth = {"Authorization": f"Bearer {sub.token}"}
    service = {"region": sub.body["region"], "type": "internet", "identifier": sub.account["account_number"]}

    def linked() -> str | None:
        resp = rec.call(s, "add_service", "POST", f"{api}/services", json=service, headers=auth)
        ok = resp is not None and resp.status_code == 202 and resp.json()["status"] == "linked"
        return resp.json()["link_id"] if ok and resp is not None else None

    sub.link_id = poll(linked, 30, 0.3)
    if not sub.link_id:
        sub.failed = "add service"
        return
    for _ in range(reads):
        rec.call(s, "me", "GET", f"{api}/me", headers=auth)
        rec.call(s, "services", "GET", f"{api}/services", headers=auth)
