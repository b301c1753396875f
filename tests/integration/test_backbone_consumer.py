"""The consumer loop on the real broker: redelivery is harmless, poison goes to the DLQ."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from support import drive, read_topic

from kabinet import kafka as kafka_clients
from kabinet.consumer import ConsumerLoop
from kabinet.contracts import REGISTRY, Envelope, encode, new_envelope
from kabinet.contracts.topics import ACCOUNTS, dlq
from kabinet.idempotence import apply_versioned

pytestmark = pytest.mark.integration


def password_changed(stream_id: str, version: int) -> Envelope:
    return new_envelope(
        "PasswordChanged", REGISTRY.latest("PasswordChanged").example, event_version=1,
        producer="identity", stream_id=stream_id, stream_version=version, correlation_id="c",
    )  # fmt: skip


@pytest.fixture
def topic(kafka_bootstrap: str, topic_prefix: str) -> str:
    name = topic_prefix + ACCOUNTS
    kafka_clients.ensure_topics(kafka_bootstrap, [name], partitions=1, replication=1)
    return name


@pytest.fixture
def producer(kafka_bootstrap: str):
    p = kafka_clients.producer(kafka_bootstrap, client_id="test-producer")
    yield p
    p.close(timeout=5)


def send(producer, topic: str, env: Envelope) -> None:
    wire = encode(env)
    producer.send(topic, key=wire.key, value=wire.value, headers=wire.headers).get(timeout=10)


def counting_handler(db):
    """A projection counting password changes per account, idempotent by stream version."""

    def handle(env: Envelope, record: object) -> None:
        apply_versioned(db.changes, env.stream_id, env.stream_version, {"$inc": {"count": 1}})

    return handle


def new_loop(kafka_bootstrap: str, topic: str, group: str, producer, handler) -> tuple[object, ConsumerLoop]:
    consumer = kafka_clients.consumer(kafka_bootstrap, group_id=group, topics=[topic], client_id="test")
    return consumer, ConsumerLoop(consumer=consumer, producer=producer, handler=handler, group_id=group)


def test_a_redelivered_event_changes_nothing(db, topic, producer, kafka_bootstrap):
    stream = f"acc-{uuid.uuid4()}"
    first, second = password_changed(stream, 1), password_changed(stream, 2)
    for env in (first, second, first, second):  # the relay re-sent both after a crash
        send(producer, topic, env)
    consumer, loop = new_loop(kafka_bootstrap, topic, f"g-{uuid.uuid4()}", producer, counting_handler(db))
    try:
        drive(loop, lambda: loop.stats.handled >= 4, what="four deliveries")
    finally:
        consumer.close()
    assert db.changes.find_one({"_id": stream})["count"] == 2


def test_a_poison_message_lands_in_the_dlq_and_the_consumer_goes_on(db, topic, producer, kafka_bootstrap):
    stream = f"acc-{uuid.uuid4()}"
    producer.send(topic, key=stream.encode(), value=b"\xff not an event").get(timeout=10)
    send(producer, topic, password_changed(stream, 1))
    group = f"g-{uuid.uuid4()}"
    consumer, loop = new_loop(kafka_bootstrap, topic, group, producer, counting_handler(db))
    try:
        drive(loop, lambda: db.changes.find_one({"_id": stream}), what="the good event applied")
    finally:
        consumer.close()
    (dead,) = read_topic(kafka_bootstrap, dlq(topic), expect=1)
    headers = dict(dead.headers)
    assert dead.value == b"\xff not an event"
    assert headers["dlq_origin_topic"] == topic.encode()
    assert headers["dlq_origin_offset"] == b"0"
    assert headers["dlq_consumer_group"] == group.encode()
    # both offsets are committed: the group does not see them again
    again, loop2 = new_loop(kafka_bootstrap, topic, group, producer, counting_handler(db))
    try:
        assert sum(loop2.poll_once(timeout_ms=3000) for _ in range(2)) == 0
    finally:
        again.close()


def test_a_failing_handler_commits_nothing_and_the_event_is_read_again_after_restart(
    db, topic, producer, kafka_bootstrap
):
    stream = f"acc-{uuid.uuid4()}"
    send(producer, topic, password_changed(stream, 1))
    group = f"g-{uuid.uuid4()}"

    def mongo_is_down(env: Envelope, record: object) -> None:
        raise ConnectionError("mongo down")

    consumer, loop = new_loop(kafka_bootstrap, topic, group, producer, mongo_is_down)
    with pytest.raises(ConnectionError):
        drive(loop, lambda: False, what="the failure")
    consumer.close()
    restarted, loop2 = new_loop(kafka_bootstrap, topic, group, producer, counting_handler(db))
    try:
        drive(loop2, lambda: db.changes.find_one({"_id": stream}), what="the retry after restart")
    finally:
        restarted.close()
    assert db.changes.find_one({"_id": stream})["count"] == 1


def test_a_busy_stream_is_fetched_in_lingers_and_a_trickle_record_by_record(
    db, topic, producer, kafka_bootstrap
):
    """The pacer's settings reach kafka-python's fetch requests: bursts of three records every
    60 ms (50/s, 15 per 300 ms linger) come, once the rate is known, about five bursts per poll;
    without lingering, a poll or more per burst."""

    def polls_with_records(linger_ms: int, already: int) -> int:
        group = f"g-{uuid.uuid4()}"
        consumer = kafka_clients.consumer(kafka_bootstrap, group_id=group, topics=[topic], client_id="test")
        loop = ConsumerLoop(
            consumer=consumer, producer=producer, handler=lambda env, rec: None, group_id=group,
            fetch_linger_ms=linger_ms,
        )  # fmt: skip
        try:
            drive(loop, lambda: loop.stats.handled >= already, what="the topic so far")
            polls, target = 0, already + 90

            def bursts() -> None:
                for _ in range(30):
                    for version in (1, 2, 3):
                        wire = encode(password_changed(f"acc-{uuid.uuid4()}", version))
                        producer.send(topic, key=wire.key, value=wire.value, headers=wire.headers)
                    producer.flush(10)
                    time.sleep(0.06)

            sender = threading.Thread(target=bursts)
            sender.start()
            deadline = time.monotonic() + 30
            while loop.stats.handled < target and time.monotonic() < deadline:
                polls += 1 if loop.poll_once() else 0
            sender.join()
            assert loop.stats.handled == target
            return polls
        finally:
            consumer.close()

    with_linger = polls_with_records(300, already=0)
    without = polls_with_records(0, already=90)

    assert with_linger <= 15  # ~10: a burst a poll until the rate is known, then ~5 bursts a poll
    assert without >= 22  # ~30: each burst answers the waiting fetch on its own
