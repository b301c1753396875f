"""What the cluster says, read on the real broker: brokers, partitions, topic configs, groups."""

from __future__ import annotations

import pytest
from kafka import TopicPartition
from kafka.errors import CoordinatorLoadInProgressError
from support import wait_for

from kabinet import kafka as kafka_clients
from kabinet import kafka_cluster
from kabinet.broker_verdict import UNKNOWN_TOPIC

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(kafka_bootstrap: str):
    client = kafka_clients.admin(kafka_bootstrap, client_id="test-cluster", timeout_ms=5000)
    wait_for(lambda: _groups_listed(client), what="the group coordinator loaded (a fresh broker)")
    yield client
    client.close()


def _groups_listed(admin) -> bool:
    try:
        admin.list_consumer_groups()
    except CoordinatorLoadInProgressError:
        return False
    return True


@pytest.fixture
def topic(kafka_bootstrap: str, topic_prefix: str, admin) -> str:
    name = topic_prefix + "cluster.events"
    kafka_clients.ensure_topics(kafka_bootstrap, [name], partitions=3, replication=1, with_dlq=False)
    wait_for(  # a new topic's metadata reaches the broker's cache a moment after its creation
        lambda: all(len(t.partitions) == 3 for t in kafka_cluster.topics_and_cluster(admin, [name])[0]),
        what=f"{name} in the metadata",
    )
    return name


def test_the_brokers_and_the_controller_are_those_of_the_broker_we_reach(admin, kafka_bootstrap: str):
    cluster = kafka_cluster.cluster(admin)

    assert cluster.brokers, "a running cluster lists at least the broker that answered"
    ports = {b.port for b in cluster.brokers}
    assert int(kafka_bootstrap.split(",")[0].rsplit(":", 1)[1]) in ports
    assert cluster.controller in {b.id for b in cluster.brokers}


def test_a_topic_shows_every_partition_with_its_leader_in_sync_and_a_missing_one_its_error(
    admin, topic: str, topic_prefix: str
):
    missing = topic_prefix + "never.created"
    states, cluster = kafka_cluster.topics_and_cluster(admin, [topic, missing])
    by_name = {s.name: s for s in states}

    ids = {b.id for b in cluster.brokers}
    assert [p.partition for p in by_name[topic].partitions] == [0, 1, 2]
    assert all(p.leader in ids and p.leader in p.isr for p in by_name[topic].partitions)
    assert not by_name[topic].missing
    assert by_name[missing].error == UNKNOWN_TOPIC and by_name[missing].missing
    assert kafka_cluster.leaders(admin, topic) == {p.partition: p.leader for p in by_name[topic].partitions}


def test_a_topic_config_is_read_by_name(admin, topic: str):
    found = kafka_cluster.topic_config(admin, [topic], "min.insync.replicas")

    assert set(found) == {topic}
    assert found[topic] is not None and int(found[topic]) >= 1


def test_a_group_shows_its_state_and_the_offsets_it_committed_read_alone_or_polled_with_others(
    kafka_bootstrap: str, admin, topic: str
):
    group = f"{topic}.group"
    producer = kafka_clients.producer(kafka_bootstrap, client_id="test-cluster")
    for i in range(6):
        producer.send(topic, key=f"k{i}".encode(), value=b"v", partition=i % 3)
    producer.flush(timeout=10)
    producer.close(timeout=5)
    consumer = kafka_clients.consumer(
        kafka_bootstrap, group_id=group, topics=[topic], client_id="test-cluster"
    )
    try:
        seen = 0
        for _ in range(40):
            batches = consumer.poll(timeout_ms=500)
            seen += sum(len(records) for records in batches.values())
            if batches:
                consumer.commit()
            if seen >= 6:
                break
        assert seen == 6

        assert kafka_cluster.group_states(admin, prefix=group) == {group: "Stable"}
        committed = kafka_cluster.committed(admin, [group])
        assert committed == {group: {TopicPartition(topic, p): 2 for p in range(3)}}
        one = kafka_cluster.committed(admin, [group], [TopicPartition(topic, 1)])
        assert one == {group: {TopicPartition(topic, 1): 2}}

        never = f"{topic}.never"  # no member, no commit: -1 everywhere
        polled = kafka_cluster.GroupOffsets(admin, [group, never]).committed(
            [TopicPartition(topic, p) for p in range(3)]
        )
        assert polled == {
            group: {TopicPartition(topic, p): 2 for p in range(3)},
            never: {TopicPartition(topic, p): -1 for p in range(3)},
        }
    finally:
        consumer.close()
    assert kafka_cluster.group_states(admin, prefix=group) == {group: "Empty"}
