"""Append + outbox on the real servers: nothing accepted is lost, order per stream holds."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
from support import read_topic

from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, Envelope, decode, new_envelope
from kabinet.contracts.topics import ACCOUNTS
from kabinet.doorbell import Bell, Door
from kabinet.eventstore import ConcurrencyConflict, EventStore
from kabinet.relay import Lease, OutboxRelay

pytestmark = pytest.mark.integration


class SimulatedCrash(Exception):
    """The process died at this instant."""


def password_changed(stream_id: str, version: int) -> Envelope:
    return new_envelope(
        "PasswordChanged", REGISTRY.latest("PasswordChanged").example, event_version=1,
        producer="identity", stream_id=stream_id, stream_version=version, correlation_id="c",
    )  # fmt: skip


@pytest.fixture
def topic(kafka_bootstrap: str, topic_prefix: str) -> str:
    name = topic_prefix + ACCOUNTS
    kafka_clients.ensure_topics(kafka_bootstrap, [name], partitions=3, replication=1, with_dlq=False)
    return name


@pytest.fixture
def store(db, topic_prefix: str) -> EventStore:
    s = EventStore(db, topic_prefix=topic_prefix)
    s.create_indexes()
    return s


@pytest.fixture
def producer(kafka_bootstrap: str):
    p = kafka_clients.producer(kafka_bootstrap, client_id="test-relay")
    yield p
    p.close(timeout=5)


def test_an_append_survives_a_crash_before_publish_and_is_published_once_after_restart(
    db, store, topic, producer, kafka_bootstrap, topic_prefix
):
    stream = f"acc-{uuid.uuid4()}"
    appended = [password_changed(stream, v) for v in (1, 2, 3)]
    for env in appended:
        store.append(env)
    # crash: the process dies before its relay ran; a restarted relay finds the appends
    restarted = OutboxRelay(EventStore(db, topic_prefix=topic_prefix), producer)
    assert restarted.publish_pending() == 3
    assert restarted.publish_pending() == 0
    records = read_topic(kafka_bootstrap, topic, expect=3)
    assert [decode(r.value).event_id for r in records] == [e.event_id for e in appended]


def test_a_crash_between_publish_and_mark_makes_a_duplicate_never_a_loss(
    db, store, topic, producer, kafka_bootstrap, topic_prefix, monkeypatch
):
    env = password_changed(f"acc-{uuid.uuid4()}", 1)
    store.append(env)
    crashing = EventStore(db, topic_prefix=topic_prefix)

    def die(ids: list[str]) -> None:
        raise SimulatedCrash

    monkeypatch.setattr(crashing, "mark_published", die)
    with pytest.raises(SimulatedCrash):
        OutboxRelay(crashing, producer).publish_pending()
    assert OutboxRelay(store, producer).publish_pending() == 1
    records = read_topic(kafka_bootstrap, topic, expect=2)
    assert [decode(r.value).event_id for r in records] == [env.event_id, env.event_id]


def test_a_failed_send_marks_nothing(db, store, topic, kafka_bootstrap, topic_prefix):
    store.append(password_changed(f"acc-{uuid.uuid4()}", 1))
    unreachable = kafka_clients.producer(kafka_bootstrap, client_id="test-broken")
    unreachable.close(timeout=1)
    with pytest.raises(Exception):  # noqa: B017 - any send failure must surface
        OutboxRelay(store, unreachable).publish_pending(timeout=5)
    assert len(store.unpublished(10)) == 1


def test_events_of_one_stream_are_published_in_order_to_one_partition(
    store, topic, producer, kafka_bootstrap
):
    streams = [f"acc-{uuid.uuid4()}" for _ in range(3)]
    for version in range(1, 21):
        for stream in streams:
            store.append(password_changed(stream, version))
    relay = OutboxRelay(store, producer, batch_size=7)
    while relay.publish_pending():
        pass
    records = read_topic(kafka_bootstrap, topic, expect=60)
    assert len(records) == 60
    for stream in streams:
        mine = [r for r in records if r.key == stream.encode()]
        assert [decode(r.value).stream_version for r in mine] == list(range(1, 21))
        assert len({r.partition for r in mine}) == 1


def test_two_writers_at_the_same_version_cannot_both_append(store):
    stream = f"login-{uuid.uuid4()}"
    results: list[str] = []

    def write() -> None:
        try:
            store.append(password_changed(stream, 1))
            results.append("ok")
        except ConcurrencyConflict:
            results.append("conflict")

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 7 + ["ok"]
    assert store.version(stream) == 1


def test_only_one_relay_holds_the_lease_until_it_expires(db):
    first = Lease(db, "relay-test", ttl=timedelta(seconds=30))
    second = Lease(db, "relay-test", ttl=timedelta(seconds=30))
    assert first.acquire()
    assert not second.acquire()
    assert first.acquire()  # renewing is fine
    first.release()
    assert second.acquire()


def test_a_stream_keeps_its_order_when_the_next_event_comes_from_a_process_with_a_slow_clock(
    db, store, topic_prefix, monkeypatch
):
    """`seq` is clock time, no counter round trip: a writer whose clock lags still appends after
    the stream's previous event (it reads that event's seq), so the relay's order holds."""
    import kabinet.eventstore as eventstore

    stream = f"acc-{uuid.uuid4()}"
    store.append(password_changed(stream, 1))
    other_process = EventStore(db, topic_prefix=topic_prefix)  # never read the stream
    real = eventstore.time.time_ns
    monkeypatch.setattr(eventstore.time, "time_ns", lambda: real() - 60 * 10**9)  # a minute behind
    other_process.append(password_changed(stream, 2))
    other_process.append(password_changed(f"acc-{uuid.uuid4()}", 1))  # a new stream: its own clock
    first, second = (db["events"].find_one({"_id": f"{stream}:{v}"})["seq"] for v in (1, 2))
    assert second > first
    assert [d["stream_version"] for d in store.unpublished(10) if d["stream_id"] == stream] == [1, 2]


def test_an_append_rings_the_relays_doorbell_and_is_published_without_waiting_for_a_poll(
    db, topic, producer, kafka_bootstrap, topic_prefix
):
    """The relay polls only every 60 s here: the record arrives because the append rang."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        address = probe.getsockname()
    door = Door.open(address)
    assert door is not None
    rung = EventStore(db, topic_prefix=topic_prefix, bell=Bell(address))
    relay, stop = OutboxRelay(rung, producer), threading.Event()
    while relay.publish_pending():  # earlier tests' leftovers, so the relay starts waiting
        pass
    lease = Lease(db, f"relay-doorbell-{uuid.uuid4()}")
    running = threading.Thread(target=relay.run, args=(stop, lease), kwargs={"door": door, "door_idle": 60.0})
    running.start()
    try:
        time.sleep(0.3)  # the relay's first read found nothing: it waits at its door
        env = password_changed(f"acc-{uuid.uuid4()}", 1)
        rung.append(env)
        seen: list[str] = []
        deadline = time.monotonic() + 20  # well before the relay's own poll
        while env.event_id not in seen and time.monotonic() < deadline:
            seen = [
                decode(r.value).event_id for r in read_topic(kafka_bootstrap, topic, expect=10**6, timeout=1)
            ]
        assert env.event_id in seen
    finally:
        stop.set()
        Bell(address).ring()  # let it see the stop now
        running.join(10)
        door.close()
