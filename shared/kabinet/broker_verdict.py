"""Whether Kafka can take a service's events now: a pure judgement over topic metadata.

A topic is writable when every partition has a leader and at least `min.insync.replicas`
live replicas in sync, which is what a producer with `acks=all` needs. "Live" is what the
caller saw answer: a broker the metadata still lists may be gone (with 2 of 3 KRaft nodes
down the controller quorum is lost, so nobody fences the dead ones or shrinks the ISRs and
the survivor keeps serving the old metadata). A leader that just died is no reason to
refuse while enough in-sync replicas live: Kafka elects one of them within seconds, and
the relay's producer retries until it has. A topic not created yet is judged by the live
brokers: it can be created with the configured replication.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NO_ERROR = 0
UNKNOWN_TOPIC = 3  # UNKNOWN_TOPIC_OR_PARTITION


@dataclass(frozen=True)
class Verdict:
    """Whether commands may be acknowledged, why, and when it was decided (monotonic seconds)."""

    writable: bool
    reason: str
    checked_at: float


@dataclass(frozen=True)
class PartitionState:
    """One partition as the metadata shows it: its leader (-1: none) and in-sync replicas."""

    partition: int
    leader: int
    isr: tuple[int, ...]


@dataclass(frozen=True)
class TopicState:
    """One topic as the metadata shows it: its Kafka error code and its partitions."""

    name: str
    error: int
    partitions: tuple[PartitionState, ...] = ()

    @property
    def missing(self) -> bool:
        """The cluster does not know the topic."""
        return self.error == UNKNOWN_TOPIC


def topic_states(described: Iterable[Mapping[str, Any]]) -> list[TopicState]:
    """Parse kafka-python's `describe_topics()` answer."""
    return [
        TopicState(
            name=str(t["topic"]),
            error=int(t.get("error_code", NO_ERROR)),
            partitions=tuple(
                PartitionState(
                    partition=int(p["partition"]),
                    leader=int(p.get("leader", -1)),
                    isr=tuple(int(n) for n in p.get("isr") or ()),
                )
                for p in sorted(t.get("partitions") or (), key=lambda p: int(p["partition"]))
            ),
        )
        for t in described
    ]


def judge(
    topics: Sequence[TopicState],
    min_isr: Mapping[str, int],
    *,
    live: frozenset[int],
    replication: int,
    checked_at: float,
) -> Verdict:
    """The verdict on `topics`: writable only if none has a problem (the first one is the reason).

    `min_isr` is each topic's `min.insync.replicas` (1 when absent); `live` holds the ids of
    the brokers that are unfenced and answer.
    """
    problems: list[str] = []
    notes: list[str] = []
    for topic in topics:
        if topic.missing:
            problem = _missing(topic.name, len(live), replication)
            if problem is None:
                notes.append(f"{topic.name} not created yet")
        else:
            problem = _topic_problem(topic, min_isr.get(topic.name, 1), live)
        if problem:
            problems.append(problem)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Verdict(False, problems[0] + more, checked_at)
    return Verdict(True, "; ".join(["ok", *notes]), checked_at)


def _topic_problem(topic: TopicState, min_isr: int, live: frozenset[int]) -> str | None:
    if topic.error != NO_ERROR:
        return f"{topic.name}: metadata error {topic.error}"
    if not topic.partitions:
        return f"{topic.name} has no partitions"
    leaderless = [p.partition for p in topic.partitions if p.leader < 0]
    if leaderless:
        return f"{topic.name}{_list(leaderless)} without a leader"
    in_sync = {p.partition: len(live.intersection(p.isr)) for p in topic.partitions}
    short = [n for n, count in in_sync.items() if count < min_isr]
    if short:
        fewest = min(in_sync[n] for n in short)
        return (
            f"{topic.name}{_list(short)}: {fewest} live in-sync "
            f"{'replica' if fewest == 1 else 'replicas'}, min.insync.replicas is {min_isr}"
        )
    return None


def _missing(name: str, live_brokers: int, replication: int) -> str | None:
    if live_brokers < replication:
        return f"{name} does not exist and {live_brokers} of the {replication} brokers it needs are up"
    return None


def _list(partitions: Sequence[int]) -> str:
    return "[" + ",".join(str(p) for p in partitions) + "]"
