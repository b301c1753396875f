"""The audit trail: follow topics with decoded events (`tail`), or one subject's history (`explain`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from kabinet.consumer import Record
from kabinet.contracts import DecodeError, Envelope, decode
from kabinet.contracts.topics import ALL
from kabinet.ops.infra import OpsError
from kabinet.ops.kafkaread import bounds, partitions, read_all

Sink = Callable[[Envelope | None, Record, DecodeError | None], None]


def resolve_topics(prefix: str, names: Sequence[str]) -> list[str]:
    """Topic names in the namespace; short names (`accounts`, `billing`) name contract topics."""
    short = {t.split(".")[1] if t.startswith("kabinet.") else t.split(".")[0]: t for t in ALL}
    out = []
    for name in names or ALL:
        full = short.get(name, name)
        out.append(full if prefix and full.startswith(prefix) else prefix + full)
    return out


@dataclass(frozen=True)
class EventFilter:
    """Stream ids and event types to keep (empty: keep all)."""

    streams: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()

    def matches(self, env: Envelope | None) -> bool:
        """Whether an event passes; undecodable records pass only an empty filter."""
        if env is None:
            return not (self.streams or self.types)
        return (not self.streams or env.stream_id in self.streams) and (
            not self.types or env.event_type in self.types
        )


def _decoded(record: Record) -> tuple[Envelope | None, DecodeError | None]:
    try:
        return decode(record.value), None
    except DecodeError as exc:
        return None, exc


def tail(
    consumer: KafkaConsumer,
    topics: Iterable[str],
    sink: Sink,
    *,
    flt: EventFilter,
    from_beginning: bool = False,
    follow: bool = True,
    limit: int | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Send matching records to `sink`: from now (or the beginning), until `limit`, `stop` or the end."""
    topics = list(topics)
    tps = partitions(consumer, topics)
    if not tps:
        raise OpsError(f"no such topic: {', '.join(topics)} (check --topic-prefix / KAFKA_TOPIC_PREFIX)")
    begin, end = bounds(consumer, tps)
    consumer.assign(tps)
    for tp in tps:
        consumer.seek(tp, begin[tp] if from_beginning else end[tp])
    shown = 0
    while not (stop and stop.is_set()) and (limit is None or shown < limit):
        polled: dict[Any, list[Any]] = consumer.poll(timeout_ms=500)
        for record in sorted((r for rs in polled.values() for r in rs), key=lambda r: r.timestamp):
            if not follow and record.offset >= end[TopicPartition(record.topic, record.partition)]:
                continue
            env, error = _decoded(record)
            if flt.matches(env) and (limit is None or shown < limit):
                sink(env, record, error)
                shown += 1
        if not follow and all(consumer.position(tp) >= end[tp] for tp in tps):
            break
    return shown


def mentions(env: Envelope, subject: str) -> bool:
    """Whether an event is about `subject`: its stream, ids, or any payload value equal to it."""
    if subject in (env.stream_id, env.correlation_id, env.causation_id, env.event_id):
        return True
    return _contains(env.payload, subject)


def _contains(value: Any, subject: str) -> bool:
    if isinstance(value, Mapping):
        return any(_contains(v, subject) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains(v, subject) for v in value)
    return str(value) == subject if value is not None else False


def explain(consumer: KafkaConsumer, topics: Iterable[str], subject: str) -> list[tuple[Envelope, Record]]:
    """Every decodable event that mentions `subject`, in the order they happened."""
    found = []
    for record in read_all(consumer, topics):
        env, _ = _decoded(record)
        if env is not None and mentions(env, subject):
            found.append((env, record))
    return sorted(found, key=lambda pair: (pair[0].occurred_at, pair[0].stream_id, pair[0].stream_version))
