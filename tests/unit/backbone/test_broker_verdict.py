"""The Kafka verdict: every partition led and with enough in-sync replicas, or commands are refused."""

from __future__ import annotations

from typing import Any

from kabinet.broker_verdict import PartitionState, TopicState, judge, topic_states

TOPIC = "p.kabinet.accounts.events"


def described(name: str = TOPIC, *, error: int = 0, **partitions: tuple[int, list[int]]) -> dict[str, Any]:
    """A `describe_topics()` entry as kafka-python returns it: p<n>=(leader, isr)."""
    return {
        "error_code": error,
        "topic": name,
        "is_internal": False,
        "partitions": [
            {
                "error_code": 0,
                "partition": int(key[1:]),
                "leader": leader,
                "leader_epoch": 0,
                "replicas": [1, 2, 3],
                "isr": isr,
                "offline_replicas": [],
            }
            for key, (leader, isr) in partitions.items()
        ],
    }


ALL = frozenset({1, 2, 3})


def verdict(*entries: dict[str, Any], min_isr: int | None = 2, live=ALL, replication: int = 3):
    isr = {TOPIC: min_isr} if min_isr is not None else {}
    return judge(topic_states(entries), isr, live=frozenset(live), replication=replication, checked_at=42.0)


def test_the_metadata_answer_is_parsed_per_partition_in_order():
    states = topic_states([described(p1=(2, [2, 3]), p0=(-1, []))])
    assert states == [
        TopicState(TOPIC, 0, (PartitionState(0, -1, ()), PartitionState(1, 2, (2, 3)))),
    ]


def test_three_replicas_in_sync_are_writable():
    v = verdict(described(p0=(1, [1, 2, 3]), p1=(2, [2, 3, 1]), p2=(3, [3, 1, 2])))
    assert v.writable and v.reason == "ok" and v.checked_at == 42.0


def test_one_broker_down_still_meets_min_isr_two():
    assert verdict(described(p0=(1, [1, 3]), p1=(3, [3, 1]), p2=(3, [3, 1])), live={1, 3}).writable


def test_two_brokers_down_and_fenced_leave_too_few_in_sync_replicas():
    v = verdict(described(p0=(1, [1]), p1=(1, [1]), p2=(1, [1])), live={1})
    assert not v.writable
    assert v.reason == f"{TOPIC}[0,1,2]: 1 live in-sync replica, min.insync.replicas is 2"


def test_two_brokers_gone_but_still_listed_are_not_counted():
    # 2 of 3 KRaft nodes down: no controller quorum, so the survivor's metadata never changes
    stale = described(p0=(1, [1, 2, 3]), p1=(2, [2, 3, 1]), p2=(3, [3, 1, 2]))
    assert verdict(stale).writable
    v = verdict(stale, live={2})
    assert not v.writable
    assert v.reason == f"{TOPIC}[0,1,2]: 1 live in-sync replica, min.insync.replicas is 2"


def test_a_leader_that_just_died_is_replaced_from_the_live_in_sync_replicas():
    # not fenced yet, so still listed as the leader: Kafka elects broker 2 or 3 within seconds
    assert verdict(described(p0=(1, [1, 2, 3]), p1=(2, [2, 3, 1])), live={2, 3}).writable


def test_a_partition_without_a_leader_is_not_writable():
    v = verdict(described(p0=(1, [1, 2]), p1=(-1, [])))
    assert not v.writable and v.reason == f"{TOPIC}[1] without a leader"


def test_single_broker_dev_is_writable_iff_the_broker_is_up():
    topic = described(p0=(1, [1]), p1=(1, [1]))
    assert verdict(topic, min_isr=1, replication=1, live={1}).writable
    down = verdict(topic, min_isr=1, replication=1, live=set())
    assert down.reason == f"{TOPIC}[0,1]: 0 live in-sync replicas, min.insync.replicas is 1"


def test_min_isr_defaults_to_one_when_the_config_was_not_read():
    assert verdict(described(p0=(1, [1])), min_isr=None).writable


def test_a_topic_not_created_yet_is_judged_by_the_live_brokers():
    missing = described(error=3)
    ok = verdict(missing)
    assert ok.writable and ok.reason == f"ok; {TOPIC} not created yet"
    short = verdict(missing, live={2})
    assert not short.writable
    assert short.reason == f"{TOPIC} does not exist and 1 of the 3 brokers it needs are up"


def test_other_metadata_errors_and_empty_topics_are_not_writable():
    assert verdict(described(error=5)).reason == f"{TOPIC}: metadata error 5"
    assert verdict(described()).reason == f"{TOPIC} has no partitions"


def test_the_first_problem_is_the_reason_and_the_others_are_counted():
    other = "p.kabinet.other.events"
    v = judge(
        topic_states([described(p0=(-1, [])), described(other, p0=(1, [1]))]),
        {TOPIC: 2, other: 2},
        live=ALL,
        replication=3,
        checked_at=0.0,
    )
    assert not v.writable and v.reason == f"{TOPIC}[0] without a leader (and 1 more)"


def test_no_topics_is_writable():
    assert judge([], {}, live=frozenset({1}), replication=1, checked_at=0.0).writable
