"""Event → other services' projections: lag at a fixed event rate.

UserRegistered events are appended to identity's event store (the outbox) at `rate` per
second, as the gateway does after hashing; the relay publishes them and the other services
project them. Pollers note when each account first appears in verification's `challenges`
(a code was issued), billing-link's `subscribers` and identity's own `accounts`.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from pymongo.collection import Collection

from kabinet.contracts import new_envelope
from kabinet.eventstore import EventStore


def registered(account_id: str) -> dict[str, Any]:
    """A UserRegistered payload."""
    tag = uuid.uuid4().hex[:10]
    return {
        "account_id": account_id,
        "login": f"lag_{tag}",
        "last_name": "Иванов",
        "first_name": "Пётр",
        "middle_name": "Сергеевич",
        "birth_date": "1985-04-12",
        "region": "RU-MOW",
        "phone": f"+7917{random.randint(1000000, 9999999)}",
        "email": f"lag.{tag}@example.ru",
        "confirm_via": "sms",
        "locale": "ru",
        "contact_in_use": False,
    }


@dataclass
class Watch:
    """When each id first showed up in one collection."""

    name: str
    coll: Collection[Any]
    key: str  # field holding the account id
    seen: dict[str, float] = field(default_factory=dict)


@dataclass
class LagRun:
    """Appended-at times per account, and the watches."""

    appended: dict[str, float] = field(default_factory=dict)
    watches: list[Watch] = field(default_factory=list)
    offered_rate: float = 0.0
    achieved_rate: float = 0.0
    errors: int = 0
    last_error: str = ""

    def lags(self, watch: Watch) -> list[float]:
        """Seconds from append to first sight, for the ids seen."""
        return [watch.seen[a] - t for a, t in self.appended.items() if a in watch.seen]


def run(
    store: EventStore,
    watches: list[Watch],
    *,
    rate: float,
    seconds: float,
    settle: float = 30.0,
    every: float = 0.01,
    appenders: int = 4,
) -> LagRun:
    """Append at `rate`/s for `seconds`, poll every watch until all ids are seen (or `settle` passes)."""
    result = LagRun(watches=watches, offered_rate=rate)
    done = threading.Event()
    lock = threading.Lock()

    def poller(w: Watch) -> None:
        while True:
            with lock:
                pending = [a for a in result.appended if a not in w.seen]
            finished = done.is_set()
            for k in range(0, len(pending), 500):
                chunk = pending[k : k + 500]
                query = {w.key: {"$in": chunk}}
                now = time.time()
                for doc in w.coll.find(query, projection=[w.key]):
                    w.seen.setdefault(str(doc[w.key]), now)
            if finished and not [a for a in pending if a not in w.seen]:
                return
            if finished and time.time() > done_at[0] + settle:
                return
            time.sleep(every)

    done_at = [0.0]
    threads = [threading.Thread(target=poller, args=(w,), daemon=True) for w in watches]
    for t in threads:
        t.start()
    total = int(rate * seconds)
    t0 = time.perf_counter()

    deadline = t0 + seconds + 1.0  # what the store cannot take in time is not offered late

    def appender(k: int) -> None:
        for i in range(k, total, appenders):
            if time.perf_counter() > deadline:
                return
            pause = t0 + i / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            account_id = str(uuid.uuid4())
            env = new_envelope(
                "UserRegistered", registered(account_id), event_version=1, producer="identity",
                stream_id=f"account-{account_id}", stream_version=1, correlation_id=str(uuid.uuid4()),
            )  # fmt: skip
            try:
                store.append(env)
            except Exception as exc:  # counted and shown; the run goes on
                with lock:
                    result.errors += 1
                    result.last_error = f"{type(exc).__name__}: {exc}"[:300]
                continue
            with lock:
                result.appended[account_id] = time.time()

    writers = [threading.Thread(target=appender, args=(k,), daemon=True) for k in range(appenders)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    result.achieved_rate = len(result.appended) / (time.perf_counter() - t0)
    done_at[0] = time.time()
    done.set()
    for t in threads:
        t.join(settle + 60)
    return result
