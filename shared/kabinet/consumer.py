"""The consumer loop: decode → handle (durable, idempotent write) → commit offset.

A polled batch may be handled side by side (`threads` > 1) in lanes: one lane per partition
and record key, so one key's records (one stream's events) stay in order on one thread while
other keys' go on beside them (the "key" ordering of Confluent's parallel consumer). Kafka
orders a partition only because its keys hash there together: events of different keys share
no order a handler may rely on (the same two streams land on different partitions in another
topic layout, and several instances of a group handle partitions at once anyway), so handlers
must bear what those would do anyway — two keys' events writing one document at once (an
upsert race: `kabinet.mongo.upsert_one`). What the lanes buy is overlap of their round trips
(a handler spends most of its time waiting for the server or a provider), within a partition
too: a backlog on one partition no longer drains one record at a time.

A partition is committed up to its first record not fully handled, even when another
partition's lane fails; records of its other lanes past that point were handled and will be
read again after a restart (idempotent handlers absorb that, as they absorb any redelivery).

Unknown event types are skipped: topics grow by adding types. A loop told which types it
`wanted` skips the others by their `event_type` header, before decoding. Failure policy (arroyo's):
a message that can never succeed — it does not decode, or its handler raises `Poison` —
is copied to `<topic>.dlq` with origin headers, acknowledged by Kafka, and only then
committed past. Any other error propagates with nothing committed past it, so the message is
read again after a restart. Too many dead letters in a row stop the loop: that smells like a
bug, not bad data.

A partition whose records in a batch were all skipped (not this loop's types) is committed
lazily: with the next batch that handled something, or after `skipped_commit_every` seconds.
Most groups skip most events (a sign-in's audit event concerns none of them), and an offset
commit per skipped batch is most of what such a group costs the broker. Should the process
die first, the skipped records are read and skipped again; nothing is handled twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from kafka.structs import OffsetAndMetadata

from kabinet.contracts import DecodeError, Envelope, UnknownEventType, decode
from kabinet.contracts.topics import dlq
from kabinet.kafka import FetchPacer
from kabinet.logs import correlated

log = logging.getLogger(__name__)


class Poison(Exception):
    """Raised by a handler for a message that no retry can ever make succeed."""


class TooManyDeadLetters(RuntimeError):
    """The loop stopped: the dead-letter limit in a row was reached."""


class Record(Protocol):
    """The part of kafka-python's ConsumerRecord the loop reads."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


Handler = Callable[[Envelope, Record], None]


@dataclass
class _Outcome:
    """How one lane (a partition's records of one key, or all of them) of a batch went."""

    handled: list[int] = field(default_factory=list)  # offsets fully handled (or dead-lettered)
    acted: bool = False  # a record was handled or dead-lettered, not only skipped
    stopped: bool = False  # the dead-letter limit was reached
    error: Exception | None = None


@dataclass
class LoopStats:
    """Counters of one loop, for metrics and tests."""

    handled: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    dead_in_a_row: int = 0


def _handled_prefix(records: Sequence[Record], handled: set[int]) -> int | None:
    """The offset of the last record before the partition's first unhandled one, if any."""
    last = None
    for record in records:
        if record.offset not in handled:
            break
        last = record.offset
    return last


class ConsumerLoop:
    """Runs one handler over a subscribed consumer with the failure policy above."""

    def __init__(
        self,
        *,
        consumer: Any,
        producer: Any,
        handler: Handler,
        group_id: str,
        max_dead_in_a_row: int = 10,
        decoder: Callable[[bytes | None], Envelope] = decode,
        wanted: Collection[str] | None = None,
        threads: int = 1,
        skipped_commit_every: float = 5.0,
        fetch_linger_ms: int = 0,
    ) -> None:
        self._consumer = consumer
        self._producer = producer
        self._handler = handler
        self._group = group_id
        self._max_dead = max_dead_in_a_row
        self._decode = decoder
        self._wanted = {t.encode() for t in wanted} if wanted is not None else None
        self._threads = max(1, threads)
        self._pool: ThreadPoolExecutor | None = None
        self._stats_lock = threading.Lock()
        self.stats = LoopStats()
        self._skipped_every = skipped_commit_every
        self._deferred: dict[Any, OffsetAndMetadata] = {}  # skip-only partitions not committed yet
        self._deferred_for: frozenset[Any] = frozenset()  # the assignment they were read under
        self._committed_at = time.monotonic()
        self._pacer = FetchPacer(consumer, fetch_linger_ms)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Handle one polled batch and commit it; the number of records seen.

        Offsets are committed once for the batch (on this thread: the Kafka consumer is not
        thread-safe), after every lane's handling ended; then the first error is raised.
        """
        batches = self._consumer.poll(timeout_ms=self._pacer.timeout(timeout_ms))
        self._pacer.polled(sum(len(records) for records in batches.values()), time.monotonic())
        lanes = [(tp, lane) for tp, records in batches.items() for lane in self._lanes(records)]
        if len(lanes) > 1 and self._threads > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix=f"{self._group}-lane")
            outcomes = list(self._pool.map(self._lane, [records for _, records in lanes]))
        else:
            outcomes = [self._lane(records) for _, records in lanes]
        handled: dict[Any, set[int]] = {tp: set() for tp in batches}
        acted: set[Any] = set()
        for (tp, _), o in zip(lanes, outcomes, strict=True):
            handled[tp].update(o.handled)
            if o.acted:
                acted.add(tp)
        done = {
            tp: OffsetAndMetadata(upto + 1, "", -1)
            for tp, records in batches.items()
            if (upto := _handled_prefix(records, handled[tp])) is not None
        }
        # what was fully handled is committed even when a later record failed
        self._commit(
            {tp: at for tp, at in done.items() if tp in acted},
            {tp: at for tp, at in done.items() if tp not in acted},
        )
        for (tp, _), o in zip(lanes, outcomes, strict=True):
            if o.error is not None:
                raise o.error
            if o.stopped:
                raise TooManyDeadLetters(f"{self.stats.dead_in_a_row} dead letters in a row on {tp.topic}")
        return sum(len(o.handled) for o in outcomes)

    def _lanes(self, records: Sequence[Record]) -> list[list[Record]]:
        """A partition's records split by key, each key's in order (one lane when not threaded)."""
        if self._threads <= 1 or len(records) <= 1:
            return [list(records)]
        by_key: dict[bytes | None, list[Record]] = {}
        for record in records:
            by_key.setdefault(record.key, []).append(record)
        return list(by_key.values())

    def _commit(
        self, due: dict[Any, OffsetAndMetadata], skipped: dict[Any, OffsetAndMetadata], *, flush: bool = False
    ) -> None:
        """Commit `due` now, with the skip-only offsets kept since; those alone when they are old
        (or when `flush`ing).

        Kept offsets are dropped when the assignment changed: a partition that went to another
        member (and maybe came back) must not have its commit moved back by ours.
        """
        if skipped or self._deferred:
            assigned = frozenset(self._consumer.assignment())
            if assigned != self._deferred_for:
                self._deferred, self._deferred_for = {}, assigned
            self._deferred.update(skipped)
        for tp in due:
            self._deferred.pop(tp, None)
        aged = flush or time.monotonic() - self._committed_at >= self._skipped_every
        if not due and not (self._deferred and aged):
            return
        self._consumer.commit({**self._deferred, **due})
        self._deferred = {}
        self._committed_at = time.monotonic()

    def flush_skipped(self) -> None:
        """Commit the skip-only offsets kept so far (the loop is ending)."""
        self._commit({}, {}, flush=True)

    def _lane(self, records: Sequence[Record]) -> _Outcome:
        """One lane's records in order, until the first error or the dead-letter limit."""
        out = _Outcome()
        try:
            for record in records:
                out.acted = self._process(record) or out.acted
                out.handled.append(record.offset)
                if self.stats.dead_in_a_row >= self._max_dead:
                    out.stopped = True
                    break
        except Exception as exc:  # raised by poll_once after the commit of what was done
            out.error = exc
        return out

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set; errors other than poison propagate."""
        try:
            while not stop.is_set():
                self.poll_once()
            self.flush_skipped()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def _process(self, record: Record) -> bool:
        """Handle (or dead-letter) one record; False when it was skipped."""
        if self._wanted is not None and not self._is_wanted(record):
            self._count(skipped=1)
            return False
        try:
            envelope = self._decode(record.value)
        except UnknownEventType as exc:  # a newer producer's addition: not ours to handle
            self._count(skipped=1)
            log.info("skipped unknown event type", extra={"topic": record.topic, "event": str(exc)})
            return False
        except DecodeError as exc:
            self._dead_letter(record, exc)
            return True
        with correlated(envelope.correlation_id, envelope.event_id):
            try:
                self._handler(envelope, record)
            except Poison as exc:
                self._dead_letter(record, exc)
                return True
        self._count(handled=1)
        return True

    def _count(self, *, handled: int = 0, skipped: int = 0, dead: int = 0) -> None:
        """Add to the stats (partition threads share them); a handled record ends a run of dead ones."""
        with self._stats_lock:
            st = self.stats
            st.handled += handled
            st.skipped += skipped
            st.dead_lettered += dead
            st.dead_in_a_row = (0 if handled else st.dead_in_a_row) + dead

    def _is_wanted(self, record: Record) -> bool:
        """By the `event_type` header; a record without one is decoded and judged by its handler."""
        assert self._wanted is not None
        for name, value in record.headers or ():
            if name == "event_type":
                return value in self._wanted
        return True

    def _dead_letter(self, record: Record, error: Exception) -> None:
        headers = [
            *(record.headers or []),
            ("dlq_origin_topic", record.topic.encode()),
            ("dlq_origin_partition", str(record.partition).encode()),
            ("dlq_origin_offset", str(record.offset).encode()),
            ("dlq_consumer_group", self._group.encode()),
            ("dlq_error", f"{type(error).__name__}: {error}"[:2000].encode()),
            ("dlq_failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        future = self._producer.send(dlq(record.topic), key=record.key, value=record.value, headers=headers)
        future.get(timeout=30)  # the dead letter is durable before the offset moves on
        self._count(dead=1)
        log.warning(
            "dead letter",
            extra={"topic": record.topic, "offset": record.offset, "error": str(error)[:500]},
        )
