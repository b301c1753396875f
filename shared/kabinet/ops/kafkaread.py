"""Reading topics by hand-assigned partitions: from given offsets up to end offsets taken at start."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from kabinet.consumer import Record

Offsets = dict[TopicPartition, int]


def partitions(consumer: KafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of the topics that exist (missing topics have none)."""
    out = []
    for topic in sorted(set(topics)):
        out += [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    return out


def bounds(consumer: KafkaConsumer, tps: list[TopicPartition]) -> tuple[Offsets, Offsets]:
    """(beginning, end) offsets of each partition, as of now."""
    if not tps:
        return {}, {}
    return dict(consumer.beginning_offsets(tps)), dict(consumer.end_offsets(tps))


def read_batches(
    consumer: KafkaConsumer,
    starts: Mapping[TopicPartition, int],
    ends: Mapping[TopicPartition, int],
    *,
    idle_timeout: float = 30.0,
) -> Iterator[tuple[TopicPartition, list[Record]]]:
    """Polled batches of records with `starts[tp] <= offset < ends[tp]`, until every partition is done."""
    todo = {tp for tp, end in ends.items() if starts.get(tp, 0) < end}
    consumer.assign(sorted(todo, key=lambda tp: (tp.topic, tp.partition)))
    for tp in todo:
        consumer.seek(tp, starts.get(tp, 0))
    consumer.resume(*todo)  # a consumer reused from an earlier read has them paused
    last_progress = time.monotonic()
    while todo:
        polled: dict[TopicPartition, list[Any]] = consumer.poll(timeout_ms=500)
        for tp, records in polled.items():
            wanted = [r for r in records if r.offset < ends[tp]]
            if wanted:
                last_progress = time.monotonic()
                yield tp, wanted
        for tp in list(todo):
            if consumer.position(tp) >= ends[tp]:  # gaps (compaction, markers) end a partition too
                todo.discard(tp)
                consumer.pause(tp)
        if todo and time.monotonic() - last_progress > idle_timeout:
            raise TimeoutError(f"no records for {idle_timeout:.0f}s before the end offsets of {sorted(todo)}")


def read_all(
    consumer: KafkaConsumer,
    topics: Iterable[str],
    *,
    from_offsets: Mapping[TopicPartition, int] | None = None,
) -> Iterator[Record]:
    """Every record of `topics` from the beginning (or `from_offsets`) to the end offsets at start."""
    tps = partitions(consumer, topics)
    begin, end = bounds(consumer, tps)
    starts = {tp: max(begin[tp], (from_offsets or {}).get(tp, 0)) for tp in tps}
    for _tp, records in read_batches(consumer, starts, end):
        yield from records
