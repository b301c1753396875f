"""Event → other services' projections: lag at a fixed event rate, measured on Kafka alone.

UserRegistered events are appended to identity's event store (the outbox) at `rate` per
second, as the gateway does after hashing; the relay publishes them and the other services
project them. Or BalanceChanged records are published to the billing feed, as the operator's
billing system does, and billing-link and the gateway's service view project them.
The lag of an event to a projection is the time from its append until the
projecting consumer group has *committed an offset past its record*.

Why commits: the consumer loop (kabinet.consumer) writes the projection, then commits each
partition after its polled batch, so a committed offset past a record means the record's
write is durable. That is an honest, slightly pessimistic "applied" time: a record also
waits for the rest of its partition's batch (under a backlog, up to `max_poll_records`).
Measuring it costs the Mongo server nothing. The earlier instrument polled each projection
collection every 10 ms with `{key: {"$in": pending}}`; FerretDB does not push `$in` down to
an index, so each poll scanned and decoded the whole collection, three pollers saturated
the server, and the lag reported was mostly the instrument's own load.

How: a group-less consumer tails every partition of the accounts topic from its end and
maps each appended account (record key `account-<id>`) to (partition, offset), noting when
it read it (the relay's share of the lag). A poller fetches the watched groups' committed
offsets (one OffsetFetch per `every`: ~0.3 ms of broker CPU, ~0.5 ms of this process) and
keeps, per group and partition, when the committed offset first rose to each value. An
account is seen by a group at the first poll whose committed offset on its partition is
past its record: late by at most `every` plus a round trip, never early, and independent
of how late the tail read the record. Appends start once every watched group is Stable, so
a fresh suite's consumers joining their groups is not counted as lag.
"""

from __future__ import annotations

import bisect
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from kabinet import kafka as kafka_clients
from kabinet import kafka_cluster
from kabinet.contracts import encode, new_envelope
from kabinet.eventstore import EventStore

KEY_PREFIX = "account-"


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
    """One consumer group: when its committed offsets rose, and when each account was seen."""

    name: str
    group: str  # the group's full id, in the suite's namespace
    seen: dict[str, float] = field(default_factory=dict)
    # partition → [(observed at, committed offset)], both strictly increasing
    steps: dict[int, list[tuple[float, int]]] = field(default_factory=dict)

    def note(self, partition: int, committed: int, at: float) -> None:
        """Record a poll's committed offset on a partition (kept only when it rose)."""
        steps = self.steps.setdefault(partition, [])
        if committed >= 0 and (not steps or committed > steps[-1][1]):
            steps.append((at, committed))

    def passed_at(self, partition: int, offset: int) -> float | None:
        """When the committed offset was first seen past `offset` (None: not yet)."""
        steps = self.steps.get(partition, [])
        i = bisect.bisect_right(steps, offset, key=lambda step: step[1])
        return steps[i][0] if i < len(steps) else None


@dataclass
class LagRun:
    """Appended-at times and record positions per account, and the watches."""

    appended: dict[str, float] = field(default_factory=dict)
    published: dict[str, float] = field(default_factory=dict)  # account → when the tail read its record
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)  # account → (partition, offset)
    watches: list[Watch] = field(default_factory=list)
    offered_rate: float = 0.0
    achieved_rate: float = 0.0
    errors: int = 0
    last_error: str = ""
    probe_errors: int = 0  # failed OffsetFetch polls (retried)

    def lags(self, watch: Watch) -> list[float]:
        """Seconds from append to first sight, for the ids seen."""
        return [watch.seen[a] - t for a, t in self.appended.items() if a in watch.seen]

    def relay_lags(self) -> list[float]:
        """Seconds from append to the record read back from the topic (the relay's share, and the tail's)."""
        return [self.published[a] - t for a, t in self.appended.items() if a in self.published]

    def last_offsets(self) -> dict[int, int] | None:
        """Per partition, the last record of the appended accounts (None: some not read back yet)."""
        last: dict[int, int] = {}
        for account in self.appended:
            pos = self.positions.get(account)
            if pos is None:
                return None
            last[pos[0]] = max(last.get(pos[0], -1), pos[1])
        return last

    def complete(self, last: dict[int, int]) -> bool:
        """Every group committed past every partition's last record (committed offsets only rise)."""
        return all(w.passed_at(p, o) is not None for w in self.watches for p, o in last.items())

    def resolve(self) -> None:
        """Each group's first-seen time of each account it has committed past."""
        for w in self.watches:
            for account in self.appended:
                pos = self.positions.get(account)
                at = None if pos is None else w.passed_at(*pos)
                if at is not None:
                    w.seen[account] = at


class Tail:
    """A group-less consumer on every partition of a topic, from its end: key → (partition, offset)."""

    def __init__(self, bootstrap: str, topic: str, key_prefix: str = KEY_PREFIX) -> None:
        self._prefix = key_prefix
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=100
        )
        self.partitions = [TopicPartition(topic, p) for p in _partitions(self._consumer, topic)]
        self._consumer.assign(self.partitions)
        self._consumer.seek_to_end(*self.partitions)
        for tp in self.partitions:  # resolve the end now: records appended later are all read
            self._consumer.position(tp)

    def run(self, result: LagRun, lock: threading.Lock, stop: threading.Event) -> None:
        """Map each `<prefix><id>` key to its first record (and when it was read) until `stop`."""
        try:
            while not stop.is_set():
                for records in self._consumer.poll(timeout_ms=50).values():
                    now = time.time()
                    with lock:
                        for r in records:
                            key = (r.key or b"").decode()
                            account = key[len(self._prefix) :]  # the first record wins over a duplicate
                            if key.startswith(self._prefix) and account not in result.positions:
                                result.positions[account] = (r.partition, r.offset)
                                result.published[account] = now
        finally:
            self._consumer.close()


def _partitions(consumer: KafkaConsumer, topic: str, timeout: float = 30.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return sorted(parts)
        if time.monotonic() > deadline:
            raise RuntimeError(f"no partitions for {topic} after {timeout}s")
        time.sleep(0.2)


def wait_stable(admin: Any, groups: list[str], timeout: float = 120.0) -> None:
    """Until every group has members and no rebalance under way: a fresh suite's first events
    would otherwise wait for its consumers to join, which is start-up, not lag."""
    deadline = time.monotonic() + timeout
    while True:
        states = kafka_cluster.group_states(admin)
        if all(states.get(g) == "Stable" for g in groups):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"consumer groups not stable after {timeout}s: {states}")
        time.sleep(0.5)


def wait_quiet(bootstrap: str, prefix: str, timeout: float = 180.0) -> float:
    """Until every consumer group of the suite (named `<prefix>…`) has committed up to the end of
    each partition of the suite's topics it reads; the seconds it took.

    A phase then measures its own events, not the tail of the previous phase's (the notify chain
    of a registration phase goes on after its projections are past it). Skip-only partitions are
    committed lazily (within seconds), so a quiet suite may take that long to read as one.
    """
    admin = kafka_clients.admin(bootstrap, client_id="bench-quiet", timeout_ms=5000)
    reader = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    t0 = time.monotonic()
    try:
        while True:
            committed = kafka_cluster.committed(admin, list(kafka_cluster.group_states(admin, prefix)))
            read = {tp for offsets in committed.values() for tp in offsets if tp.topic.startswith(prefix)}
            ends = reader.end_offsets(sorted(read)) if read else {}
            behind = sum(
                max(0, ends[tp] - max(offset, 0))
                for offsets in committed.values()
                for tp, offset in offsets.items()
                if tp in ends
            )
            if not behind:
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"the suite's consumers still {behind} records behind after {timeout}s")
            time.sleep(0.5)
    finally:
        reader.close()
        admin.close()


def poll_commits(
    result: LagRun, offsets: kafka_cluster.GroupOffsets, partitions: list[TopicPartition]
) -> None:
    """One OffsetFetch for every watched group; note each partition's committed offset."""
    committed = offsets.committed(partitions)
    at = time.time()
    for w in result.watches:
        for tp, offset in committed[w.group].items():
            w.note(tp.partition, offset, at)


Emit = Callable[[], str]  # sends one event; the id its record's key carries after the prefix


def registrations(store: EventStore) -> Emit:
    """UserRegistered appended to identity's event store (the outbox), as the gateway appends it."""

    def emit() -> str:
        account_id = str(uuid.uuid4())
        env = new_envelope(
            "UserRegistered", registered(account_id), event_version=1, producer="identity",
            stream_id=f"{KEY_PREFIX}{account_id}", stream_version=1, correlation_id=str(uuid.uuid4()),
        )  # fmt: skip
        store.append(env)
        return account_id

    return emit


def balance_changes(producer: Any, topic: str) -> Emit:
    """BalanceChanged of a fresh account number, published (acks=all) as the billing system does."""

    def emit() -> str:
        number = str(random.randrange(10**11, 10**12))
        payload = {
            "account_number": number,
            "balance": {"amount": "10.00", "currency": "RUB"},
            "reason": "lag",
        }
        env = new_envelope(
            "BalanceChanged", payload, event_version=1, producer="billing",
            stream_id=number, stream_version=1, correlation_id=str(uuid.uuid4()),
        )  # fmt: skip
        wire = encode(env)
        producer.send(topic, key=wire.key, value=wire.value, headers=wire.headers).get(timeout=10)
        return number

    return emit


def run(
    emit: Emit,
    watches: list[Watch],
    *,
    bootstrap: str,
    topic: str,
    rate: float,
    seconds: float,
    settle: float = 30.0,
    every: float = 0.01,
    appenders: int = 4,
    key_prefix: str = KEY_PREFIX,
) -> LagRun:
    """Emit at `rate`/s for `seconds` events whose records land on `topic`; watch every group's
    commits until each has committed past every event (or `settle` passes after the last one)."""
    result = LagRun(watches=watches, offered_rate=rate)
    lock, stop = threading.Lock(), threading.Event()
    tail = Tail(bootstrap, topic, key_prefix)
    reader = threading.Thread(target=tail.run, args=(result, lock, stop), daemon=True)
    reader.start()
    admin = None
    try:
        admin = kafka_clients.admin(bootstrap, client_id="bench-lag", timeout_ms=5000)
        wait_stable(admin, [w.group for w in watches])
        _drive(
            result, emit, admin, tail.partitions, lock,
            rate=rate, seconds=seconds, settle=settle, every=every, appenders=appenders,
        )  # fmt: skip
    finally:
        stop.set()
        reader.join(10)
        if admin is not None:
            admin.close()
    with lock:
        result.resolve()
    return result


def _drive(
    result: LagRun,
    emit: Emit,
    admin: Any,
    partitions: list[TopicPartition],
    lock: threading.Lock,
    *,
    rate: float,
    seconds: float,
    settle: float,
    every: float,
    appenders: int,
) -> None:
    """Append while polling the groups' commits, until every group is past every account or
    `settle` seconds have passed since the last append."""
    done, done_at = threading.Event(), [0.0]
    offsets = kafka_cluster.GroupOffsets(admin, [w.group for w in result.watches])

    def poller() -> None:
        last: dict[int, int] | None = None
        while True:
            try:
                poll_commits(result, offsets, partitions)
            except Exception as exc:  # a coordinator moving, a slow broker: counted, retried
                result.probe_errors += 1
                result.last_error = f"offset fetch: {type(exc).__name__}: {exc}"[:300]
            if done.is_set():  # the steps alone time the accounts: resolved once, at the end
                with lock:
                    last = last or result.last_offsets()
                if (last is not None and result.complete(last)) or time.time() > done_at[0] + settle:
                    return
            time.sleep(every)

    thread = threading.Thread(target=poller, daemon=True)
    thread.start()
    try:
        _append(emit, result, lock, rate=rate, seconds=seconds, appenders=appenders)
    finally:
        done_at[0] = time.time()
        done.set()
    thread.join(settle + 60)


def _append(
    emit: Emit, result: LagRun, lock: threading.Lock, *, rate: float, seconds: float, appenders: int
) -> None:
    """`rate`/s events for `seconds` by `appenders` threads; times into `result`."""
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
            try:
                account_id = emit()
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
