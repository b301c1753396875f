"""The gateway's hashing phases of `make bench`: registrations, failed-login timing, /me beside logins.

Each function drives one phase against a running gateway and records into a `load.Recorder`;
the caller names the phase (`Bench.phase`) and turns the samples into goals.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import load
import report
import requests

WRONG_PASSWORD = "Неверный-пароль-для-замера-2026"
Work = Callable[[requests.Session, int], object]


def login_work(rec: load.Recorder, gateway: str, subs: Sequence[load.Subscriber]) -> Work:
    """One successful sign-in per call, cycling over the subscribers (the login hammer's work)."""
    url = f"{gateway}/api/v1/sessions"

    def work(s: requests.Session, i: int) -> None:
        sub = subs[i % len(subs)]
        rec.call(s, "login", "POST", url, json={"login": sub.body["login"], "password": sub.body["password"]})

    return work


def registrations(rec: load.Recorder, gateway: str, seconds: float, threads: int) -> None:
    """A closed loop of registrations of fresh subscribers (each hashes one password)."""
    url = f"{gateway}/api/v1/registrations"

    def work(s: requests.Session, _i: int) -> None:
        rec.call(s, "register", "POST", url, json=load.person())

    load.hammer(threads, seconds, work, reconnect_every=1)


def failed_logins(
    rec: load.Recorder, gateway: str, subs: Sequence[load.Subscriber], seconds: float, threads: int
) -> None:
    """Wrong-password sign-ins of existing accounts (`login_known`) alternating with sign-ins of
    logins nobody holds (`login_unknown`), same password and login shape, so both meet one load."""
    url = f"{gateway}/api/v1/sessions"
    turn = itertools.count()  # next() is atomic under the GIL

    def unknown_login() -> str:
        return f"bench_{uuid.uuid4().hex[:10]}"  # the shape of load.person()'s logins

    def work(s: requests.Session, i: int) -> None:
        if next(turn) % 2:
            login, name = subs[i % len(subs)].body["login"], "login_known"
        else:
            login, name = unknown_login(), "login_unknown"
        rec.call(s, name, "POST", url, json={"login": login, "password": WRONG_PASSWORD})

    for _ in range(6):  # unrecorded, a connection each: every worker builds its dummy hash on first use
        requests.post(url, json={"login": unknown_login(), "password": WRONG_PASSWORD}, timeout=30)
    load.hammer(threads, seconds, work, reconnect_every=1)


def me_beside_logins(
    rec: load.Recorder,
    gateway: str,
    subs: Sequence[load.Subscriber],
    seconds: float,
    *,
    login_threads: int,
    readers: int,
    think: float,
    ramp: float = 1.0,
) -> None:
    """The login hammer for `ramp + seconds`; paced `/me` readers for the last `seconds` of it."""
    url = f"{gateway}/api/v1/me"

    def read(s: requests.Session, i: int) -> None:
        auth = {"Authorization": f"Bearer {subs[i % len(subs)].token}"}
        rec.call(s, "me", "GET", url, headers=auth)

    hammer = threading.Thread(
        target=load.hammer,
        args=(login_threads, ramp + seconds, login_work(rec, gateway, subs)),
        kwargs={"reconnect_every": 1},
        daemon=True,
    )
    hammer.start()
    time.sleep(ramp)  # the hash gates fill first
    load.hammer(readers, seconds, read, think=think)
    hammer.join()


def reply_times(rec: load.Recorder, phase: str, name: str, status: int = 401) -> dict[str, Any]:
    """Count and latency percentiles of the replies with `status` of one request name."""
    values = [s.latency for s in rec.of(phase, name) if s.status == status]
    return {"n": len(values), **report.latency(values)}
