"""Dead letters: read them from `<topic>.dlq`, replay them onto their origin topic, purge them.

Kafka topics cannot be truncated per message, so "purged" and "replayed" are marks in the
ops database (`dlq_marks` per letter, `dlq_watermarks` per partition for a purge of all);
`purge --delete-records` also deletes the records below the watermark from Kafka.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from pymongo.database import Database

from kabinet.consumer import Record
from kabinet.contracts.topics import ALL, dlq
from kabinet.mongo import Doc
from kabinet.ops.infra import OpsError
from kabinet.ops.kafkaread import read_all, read_batches

HEADER_PREFIX = "dlq_"


@dataclass(frozen=True)
class DeadLetter:
    """One record of a dead-letter topic, with its origin headers."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, record: Record) -> DeadLetter:
        """The letter of a consumed DLQ record."""
        headers = tuple((k, v or b"") for k, v in record.headers or [])
        return cls(record.topic, record.partition, record.offset, record.key, record.value, headers)

    @property
    def id(self) -> str:
        """`<dlq topic>:<partition>:<offset>`: how operators name a letter."""
        return f"{self.topic}:{self.partition}:{self.offset}"

    def header(self, name: str) -> str:
        """A header as text ('' when absent)."""
        return next((v.decode(errors="replace") for k, v in self.headers if k == name), "")

    @property
    def origin(self) -> str:
        """The topic the record failed on (the DLQ name without `.dlq` when the header is missing)."""
        return self.header("dlq_origin_topic") or self.topic.removesuffix(".dlq")

    def original_headers(self) -> list[tuple[str, bytes]]:
        """The headers the record had on its origin topic."""
        return [(k, v) for k, v in self.headers if not k.startswith(HEADER_PREFIX)]

    def summary(self) -> dict[str, Any]:
        """The fields `dlq list` shows."""
        return {
            "id": self.id,
            "origin": ":".join(
                (self.origin, self.header("dlq_origin_partition"), self.header("dlq_origin_offset"))
            ),
            "group": self.header("dlq_consumer_group"),
            "event_type": self.header("event_type"),
            "failed_at": self.header("dlq_failed_at"),
            "error": self.header("dlq_error"),
        }


def parse_id(letter_id: str) -> tuple[str, int, int]:
    """(topic, partition, offset) of `<dlq topic>:<partition>:<offset>`."""
    try:
        topic, partition, offset = letter_id.rsplit(":", 2)
        return topic, int(partition), int(offset)
    except ValueError:
        raise OpsError(f"not a dead-letter id (<dlq topic>:<partition>:<offset>): {letter_id!r}") from None


def dlq_topics(consumer: KafkaConsumer, prefix: str, origins: Sequence[str] = ()) -> list[str]:
    """The existing dead-letter topics of `origins` (default: every contract topic) in the namespace."""
    wanted = [_dlq_name(prefix, o) for o in origins] or [prefix + dlq(t) for t in ALL]
    existing = consumer.topics()
    return [t for t in wanted if t in existing]


def _dlq_name(prefix: str, name: str) -> str:
    name = name if name.startswith(prefix) else prefix + name
    return name if name.endswith(".dlq") else dlq(name)


class Marks:
    """What operators did to letters: per-letter marks and per-partition purge watermarks."""

    def __init__(self, db: Database[Doc]) -> None:
        self._marks = db["dlq_marks"]
        self._water = db["dlq_watermarks"]

    def watermarks(self) -> dict[TopicPartition, int]:
        """Offsets below which every letter of a partition is purged."""
        out = {}
        for d in self._water.find():
            topic, partition = d["_id"].rsplit(":", 1)
            out[TopicPartition(topic, int(partition))] = int(d["purged_below"])
        return out

    def states(self) -> dict[str, Doc]:
        """Marks by letter id."""
        return {d["_id"]: d for d in self._marks.find()}

    def mark(self, letter_id: str, state: str, **extra: Any) -> None:
        """Record that a letter was replayed or purged."""
        fields = {"state": state, "at": datetime.now(UTC), **extra}
        self._marks.update_one({"_id": letter_id}, {"$set": fields}, upsert=True)

    def purge_below(self, tp: TopicPartition, offset: int) -> None:
        """Purge every letter of a partition below `offset` (never lowers the watermark)."""
        key = f"{tp.topic}:{tp.partition}"
        current = self._water.find_one({"_id": key})
        if current is None or int(current["purged_below"]) < offset:
            self._water.update_one(
                {"_id": key}, {"$set": {"purged_below": offset, "at": datetime.now(UTC)}}, upsert=True
            )


@dataclass(frozen=True)
class Selection:
    """Which letters a command works on."""

    groups: frozenset[str] = frozenset()
    include_purged: bool = False

    def matches(self, letter: DeadLetter, prefix: str) -> bool:
        """Whether the letter's consumer group is selected (with or without the namespace prefix)."""
        group = letter.header("dlq_consumer_group")
        return not self.groups or group in self.groups or group.removeprefix(prefix) in self.groups


def load(
    consumer: KafkaConsumer, marks: Marks, topics: Iterable[str], selection: Selection, prefix: str
) -> list[tuple[DeadLetter, str]]:
    """Selected letters with their state ('', 'replayed' or 'purged'), oldest first per partition."""
    states = marks.states()
    start = {} if selection.include_purged else marks.watermarks()
    out = []
    for record in read_all(consumer, topics, from_offsets=start):
        letter = DeadLetter.of(record)
        state = str(states.get(letter.id, {}).get("state", ""))
        if selection.matches(letter, prefix) and (selection.include_purged or state != "purged"):
            out.append((letter, state))
    return out


def fetch(consumer: KafkaConsumer, marks: Marks, ids: Iterable[str]) -> list[tuple[DeadLetter, str]]:
    """The named letters (reading just their offsets) with their state."""
    wanted = {parse_id(i) for i in ids}
    states = marks.states()
    out = []
    for topic, partition, offset in sorted(wanted):
        tp = TopicPartition(topic, partition)
        for _, records in read_batches(consumer, {tp: offset}, {tp: offset + 1}, idle_timeout=5):
            for r in records:
                letter = DeadLetter.of(r)
                out.append((letter, str(states.get(letter.id, {}).get("state", ""))))
    return out


def replay(producer: Any, marks: Marks, letters: Iterable[DeadLetter]) -> list[tuple[DeadLetter, int]]:
    """Re-produce each letter's original key, value and headers onto its origin topic."""
    done = []
    for letter in letters:
        meta = producer.send(
            letter.origin, key=letter.key, value=letter.value, headers=letter.original_headers()
        )
        offset = int(meta.get(timeout=30).offset)  # durable before it is marked
        marks.mark(letter.id, "replayed", replayed_to=f"{letter.origin}:{meta.get().partition}:{offset}")
        done.append((letter, offset))
    return done
