"""In-memory stand-ins for the kafka-python consumer and producer (unit tests only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kafka.structs import TopicPartition


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class FakeFuture:
    def get(self, timeout: float | None = None) -> None:
        return None


@dataclass
class FakeProducer:
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def send(self, topic: str, **kw: Any) -> FakeFuture:
        self.sent.append((topic, kw))
        return FakeFuture()

    def flush(self, timeout: float | None = None) -> None:
        pass


@dataclass
class FakeConsumer:
    """Serves queued records once, records commits."""

    records: list[FakeRecord] = field(default_factory=list)
    committed: dict[TopicPartition, int] = field(default_factory=dict)

    def poll(self, timeout_ms: int = 0) -> dict[TopicPartition, list[FakeRecord]]:
        batches: dict[TopicPartition, list[FakeRecord]] = {}
        for r in self.records:
            batches.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
        self.records = []
        return batches

    assigned: set[TopicPartition] = field(
        default_factory=lambda: {TopicPartition("kabinet.accounts.events", 0)}
    )
    commits: int = 0

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.commits += 1
        for tp, meta in offsets.items():
            self.committed[tp] = meta.offset

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)
