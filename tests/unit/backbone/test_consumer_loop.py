"""The consumer loop's failure policy, with in-memory Kafka stand-ins."""

from __future__ import annotations

import pytest
from kafka.structs import TopicPartition
from kafka_fakes import FakeConsumer, FakeProducer, FakeRecord

from kabinet.consumer import ConsumerLoop, Poison, TooManyDeadLetters
from kabinet.contracts import REGISTRY, Envelope, encode, new_envelope

TOPIC = "kabinet.accounts.events"
TP = TopicPartition(TOPIC, 0)


def event_record(offset: int, **payload_overrides: object) -> FakeRecord:
    spec = REGISTRY.latest("PasswordChanged")
    env = new_envelope(
        "PasswordChanged", {**spec.example, **payload_overrides}, event_version=1,
        producer="identity", stream_id="acc-1", stream_version=offset + 1, correlation_id="c",
    )  # fmt: skip
    wire = encode(env)
    return FakeRecord(TOPIC, 0, offset, wire.key, wire.value, wire.headers)


def garbage(offset: int) -> FakeRecord:
    return FakeRecord(TOPIC, 0, offset, b"k", b"{not json")


def make_loop(records: list[FakeRecord], handler, max_dead: int = 10):
    consumer, producer = FakeConsumer(records), FakeProducer()
    loop = ConsumerLoop(
        consumer=consumer, producer=producer, handler=handler, group_id="g", max_dead_in_a_row=max_dead
    )
    return loop, consumer, producer


def test_handled_batch_is_committed_after_the_handler_ran():
    seen: list[Envelope] = []
    loop, consumer, _ = make_loop([event_record(0), event_record(1)], lambda env, rec: seen.append(env))
    assert loop.poll_once() == 2
    assert [e.stream_version for e in seen] == [1, 2]
    assert consumer.committed[TP] == 2


def test_undecodable_message_goes_to_the_dead_letter_topic_with_its_origin_and_the_loop_goes_on():
    seen: list[Envelope] = []
    loop, consumer, producer = make_loop([garbage(0), event_record(1)], lambda env, rec: seen.append(env))
    loop.poll_once()
    (topic, sent), = producer.sent  # fmt: skip
    headers = dict(sent["headers"])
    assert topic == f"{TOPIC}.dlq"
    assert sent["value"] == b"{not json"
    assert headers["dlq_origin_topic"] == TOPIC.encode()
    assert headers["dlq_origin_offset"] == b"0"
    assert b"DecodeError" in headers["dlq_error"]
    assert len(seen) == 1
    assert consumer.committed[TP] == 2


def test_handler_poison_goes_to_the_dead_letter_topic():
    def refuse(env: Envelope, rec: object) -> None:
        raise Poison("account unknown forever")

    loop, consumer, producer = make_loop([event_record(0)], refuse)
    loop.poll_once()
    assert producer.sent[0][0] == f"{TOPIC}.dlq"
    assert consumer.committed[TP] == 1


def test_other_errors_propagate_and_commit_only_what_was_fully_handled():
    def flaky(env: Envelope, rec: object) -> None:
        if env.stream_version == 2:
            raise ConnectionError("mongo down")

    loop, consumer, producer = make_loop([event_record(0), event_record(1), event_record(2)], flaky)
    with pytest.raises(ConnectionError):
        loop.poll_once()
    assert consumer.committed[TP] == 1  # offset 1 will be read again
    assert producer.sent == []


def test_too_many_dead_letters_in_a_row_stop_the_loop_after_committing_them():
    loop, consumer, producer = make_loop([garbage(i) for i in range(5)], lambda e, r: None, max_dead=3)
    with pytest.raises(TooManyDeadLetters):
        loop.poll_once()
    assert len(producer.sent) == 3
    assert consumer.committed[TP] == 3


def test_a_good_message_resets_the_dead_letter_streak():
    records = [garbage(0), garbage(1), event_record(2), garbage(3), garbage(4)]
    loop, consumer, producer = make_loop(records, lambda e, r: None, max_dead=3)
    loop.poll_once()
    assert len(producer.sent) == 4
    assert consumer.committed[TP] == 5


def test_an_event_type_this_deployment_does_not_know_is_skipped_not_dead_lettered():
    record = event_record(0)
    record.value = record.value.replace(b'"event_type":"PasswordChanged"', b'"event_type":"AddedNextYear"')
    seen: list[Envelope] = []
    loop, consumer, producer = make_loop([record, event_record(1)], lambda env, rec: seen.append(env))
    loop.poll_once()
    assert producer.sent == []
    assert loop.stats.skipped == 1
    assert len(seen) == 1
    assert consumer.committed[TP] == 2


def test_a_loop_told_its_types_skips_the_others_without_decoding_them():
    decoded: list[bytes | None] = []

    def decoder(value: bytes | None) -> Envelope:
        decoded.append(value)
        from kabinet.contracts import decode

        return decode(value)

    unwanted = event_record(0)  # PasswordChanged, named in its event_type header
    headerless = event_record(1)
    headerless.headers = []  # judged by decoding, as before
    seen: list[Envelope] = []
    consumer = FakeConsumer([unwanted, headerless])
    loop = ConsumerLoop(
        consumer=consumer, producer=FakeProducer(), handler=lambda env, rec: seen.append(env),
        group_id="g", decoder=decoder, wanted={"UserRegistered"},
    )  # fmt: skip
    assert loop.poll_once() == 2
    assert decoded == [headerless.value]
    assert [e.stream_version for e in seen] == [2]
    assert loop.stats.skipped == 1
    assert consumer.committed[TP] == 2


def partition_records(partition: int, count: int) -> list[FakeRecord]:
    out = []
    for offset in range(count):
        r = event_record(offset)
        out.append(FakeRecord(TOPIC, partition, offset, r.key, r.value, r.headers))
    return out


def test_partitions_of_a_batch_are_handled_side_by_side_each_in_its_order():
    import threading

    both_inside = threading.Barrier(2, timeout=5)  # passes only if two partitions are handled at once
    seen: dict[int, list[int]] = {0: [], 1: []}

    def handler(env: Envelope, rec: FakeRecord) -> None:
        if rec.offset == 0:
            both_inside.wait()
        seen[rec.partition].append(env.stream_version)

    consumer = FakeConsumer(partition_records(0, 3) + partition_records(1, 3))
    loop = ConsumerLoop(consumer=consumer, producer=FakeProducer(), handler=handler, group_id="g", threads=2)
    assert loop.poll_once() == 6
    assert seen == {0: [1, 2, 3], 1: [1, 2, 3]}
    assert consumer.committed == {TP: 3, TopicPartition(TOPIC, 1): 3}
    assert loop.stats.handled == 6


def test_a_failing_partition_leaves_the_others_committed_and_then_raises():
    def handler(env: Envelope, rec: FakeRecord) -> None:
        if rec.partition == 1 and rec.offset == 1:
            raise ConnectionError("mongo down")

    consumer = FakeConsumer(partition_records(0, 3) + partition_records(1, 3))
    loop = ConsumerLoop(consumer=consumer, producer=FakeProducer(), handler=handler, group_id="g", threads=2)
    with pytest.raises(ConnectionError):
        loop.poll_once()
    assert consumer.committed == {TP: 3, TopicPartition(TOPIC, 1): 1}  # partition 1 resumes at offset 1


def keyed_records(keys: list[str]) -> list[FakeRecord]:
    """One partition's records, in this order, each of the given stream (record key)."""
    out = []
    for offset, key in enumerate(keys):
        r = event_record(offset)
        out.append(FakeRecord(TOPIC, 0, offset, key.encode(), r.value, r.headers))
    return out


def test_keys_of_one_partition_are_handled_side_by_side_each_key_in_its_order():
    import threading

    both_inside = threading.Barrier(2, timeout=5)  # passes only if two keys are handled at once
    seen: dict[bytes, list[int]] = {b"a": [], b"b": []}

    def handler(env: Envelope, rec: FakeRecord) -> None:
        if rec.offset in (0, 1):  # the first record of each key
            both_inside.wait()
        seen[rec.key].append(rec.offset)

    consumer = FakeConsumer(keyed_records(["a", "b", "a", "b", "a"]))
    loop = ConsumerLoop(consumer=consumer, producer=FakeProducer(), handler=handler, group_id="g", threads=2)
    assert loop.poll_once() == 5
    assert seen == {b"a": [0, 2, 4], b"b": [1, 3]}
    assert consumer.committed == {TP: 5}


def failing_at_offset_2(threads: int) -> tuple[list[int], dict[TopicPartition, int]]:
    """Keys a, b, a, b, a on one partition, offset 2 (key a) failing: what was handled, what committed."""
    seen: list[int] = []

    def handler(env: Envelope, rec: FakeRecord) -> None:
        if rec.offset == 2:
            raise ConnectionError("mongo down")
        seen.append(rec.offset)

    consumer = FakeConsumer(keyed_records(["a", "b", "a", "b", "a"]))
    loop = ConsumerLoop(
        consumer=consumer, producer=FakeProducer(), handler=handler, group_id="g", threads=threads
    )
    with pytest.raises(ConnectionError):
        loop.poll_once()
    return seen, consumer.committed


def test_a_failing_key_stops_its_lane_and_the_partition_is_committed_up_to_it():
    seen, committed = failing_at_offset_2(threads=2)
    assert 4 not in seen  # key a's records after its failure wait, in order
    assert sorted(seen) == [0, 1, 3]  # key b went on; offset 3 is read (and absorbed) again
    assert committed == {TP: 2}


def test_one_thread_keeps_the_whole_partition_in_order_and_stops_at_the_first_failure():
    seen, committed = failing_at_offset_2(threads=1)
    assert seen == [0, 1]
    assert committed == {TP: 2}


def loop_wanting(types: set[str], consumer: FakeConsumer, **kw) -> tuple[ConsumerLoop, list[Envelope]]:
    seen: list[Envelope] = []
    loop = ConsumerLoop(
        consumer=consumer, producer=FakeProducer(), handler=lambda env, rec: seen.append(env),
        group_id="g", wanted=types, **kw,
    )  # fmt: skip
    return loop, seen


def test_a_batch_this_loop_only_skipped_is_committed_with_the_next_one_it_handles():
    consumer = FakeConsumer([event_record(0), event_record(1)])  # PasswordChanged: not wanted
    loop, seen = loop_wanting({"UserRegistered"}, consumer)
    loop.poll_once()
    assert consumer.commits == 0 and consumer.committed == {}  # no commit for skipped records alone
    loop._wanted = {b"PasswordChanged"}  # from now on, a type it handles arrives
    consumer.records = [event_record(2)]
    loop.poll_once()
    assert len(seen) == 1
    assert consumer.commits == 1 and consumer.committed[TP] == 3


def test_skipped_offsets_alone_are_committed_once_they_are_old_enough():
    other = TopicPartition(TOPIC, 1)
    consumer = FakeConsumer([event_record(0)], assigned={TP, other})
    loop, _ = loop_wanting({"UserRegistered"}, consumer, skipped_commit_every=0.0)
    loop.poll_once()
    assert consumer.committed == {TP: 1}


def test_a_loop_ending_commits_the_skipped_offsets_it_kept():
    import threading

    consumer = FakeConsumer([event_record(0), event_record(1)])
    loop, _ = loop_wanting({"UserRegistered"}, consumer)
    stop = threading.Event()
    consumer_poll = consumer.poll

    def poll_then_stop(timeout_ms: int = 0):
        stop.set()
        return consumer_poll(timeout_ms)

    consumer.poll = poll_then_stop  # type: ignore[method-assign]
    loop.run(stop)
    assert consumer.committed == {TP: 2}


def test_kept_skipped_offsets_are_dropped_when_the_assignment_changes():
    consumer = FakeConsumer([event_record(0)])
    loop, _ = loop_wanting({"UserRegistered"}, consumer)
    loop.poll_once()
    consumer.assigned = {TopicPartition(TOPIC, 1)}  # a rebalance took partition 0 away
    loop.flush_skipped()
    assert consumer.committed == {}  # the new owner's commit is not moved by ours


def test_after_a_rebalance_a_handled_batch_does_not_carry_offsets_kept_from_before():
    other = TopicPartition(TOPIC, 1)
    consumer = FakeConsumer([event_record(0)])
    loop, _ = loop_wanting({"PasswordChanged"}, consumer)
    loop._wanted = {b"UserRegistered"}
    loop.poll_once()  # partition 0: skipped, kept
    consumer.assigned = {other}  # partition 0 went to another member
    loop._wanted = {b"PasswordChanged"}
    handled = event_record(5)
    handled.partition = 1
    consumer.records = [handled]
    loop.poll_once()
    assert consumer.committed == {other: 6}
