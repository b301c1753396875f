"""Replay a service's replayable consumers from offset zero into a shadow database.

No consumer group: partitions are assigned by hand and read up to the end offsets taken
when the run starts. After every polled batch the next offset of its partition is saved
in the target database (`_kabinet_rebuild`), so an interrupted rebuild resumes where it
stopped; work redone after a crash is harmless because handlers are idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import IO, Any

from kafka import KafkaConsumer, TopicPartition
from pymongo import MongoClient
from pymongo.database import Database
from tqdm import tqdm

from kabinet.consumer import Handler, Poison, Record
from kabinet.contracts import DecodeError, Envelope, decode
from kabinet.eventstore import EventStore
from kabinet.mongo import Doc
from kabinet.ops.infra import OpsError
from kabinet.ops.kafkaread import Offsets, bounds, partitions, read_batches
from kabinet.ops.projdb import BOOKKEEPING
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec, ServiceDef
from kabinet.settings import InfraSettings


class NotReplayable(RuntimeError):
    """A consumer marked replayable tried to produce or append: it has effects outside its collections."""


class _ReadOnlyStore(EventStore):
    """The live event store, readable by handlers that load streams; appends are refused."""

    def create_indexes(self) -> None:
        """Nothing: the live store is not the rebuild's to change."""

    def append(self, envelope: Envelope) -> None:
        """Refuse: a rebuild must not emit events."""
        raise NotReplayable(f"a replayed handler tried to append {envelope.event_type}")


@dataclass
class ShadowRuntime(Runtime):
    """A runtime whose database is the rebuild target and which cannot produce."""

    def producer(self) -> Any:
        """Refuse: a rebuild must not send messages."""
        raise NotReplayable("a replayed handler asked for a Kafka producer")


def target_runtime(
    infra: InfraSettings, client: MongoClient[Doc], *, target: str, live: str
) -> ShadowRuntime:
    """A runtime writing to database `target`, reading the event store of `live`."""
    return ShadowRuntime(
        infra=replace(infra, mongo_db=target),
        client=client,
        db=client[target],
        store=_ReadOnlyStore(client[live], topic_prefix=infra.topic_prefix),
    )


class Positions:
    """Per-partition next offsets and the run's metadata, in the target database."""

    def __init__(self, db: Database[Doc]) -> None:
        self._coll = db[BOOKKEEPING]

    def load(self) -> Offsets:
        """Saved next offsets."""
        out = {}
        for d in self._coll.find({"_id": {"$regex": "^pos:"}}):
            out[TopicPartition(d["topic"], int(d["partition"]))] = int(d["next"])
        return out

    def save(self, tp: TopicPartition, next_offset: int) -> None:
        """Record that every offset below `next_offset` of `tp` is applied."""
        doc = {"topic": tp.topic, "partition": tp.partition, "next": next_offset}
        self._coll.update_one({"_id": f"pos:{tp.topic}:{tp.partition}"}, {"$set": doc}, upsert=True)

    def meta(self) -> Doc | None:
        """What the target was built from, if anything."""
        return self._coll.find_one({"_id": "meta"})

    def note(self, **fields: Any) -> None:
        """Update the run's metadata."""
        self._coll.update_one({"_id": "meta"}, {"$set": fields}, upsert=True)


@dataclass
class ReplayStats:
    """What one replay did."""

    events: int = 0
    undecodable: int = 0
    poison: int = 0
    stopped_early: bool = False
    remaining: int = 0


def replay(
    consumer: KafkaConsumer,
    handlers: Sequence[tuple[tuple[str, ...], Handler]],
    starts: Offsets,
    ends: Offsets,
    *,
    positions: Positions | None = None,
    progress: IO[str] | None = None,
    stop_after: int | None = None,
) -> ReplayStats:
    """Apply records `starts <= offset < ends` to every handler reading their topic."""
    stats = ReplayStats()
    total = sum(max(0, end - starts.get(tp, 0)) for tp, end in ends.items())
    bar = tqdm(
        total=total, unit="ev", unit_scale=True, disable=progress is None, file=progress, mininterval=0.5
    )
    try:
        for tp, batch in read_batches(consumer, starts, ends):
            records = batch if stop_after is None else batch[: stop_after - stats.events]
            for record in records:
                _apply(record, [h for topics, h in handlers if record.topic in topics], stats)
            if positions is not None and records:
                positions.save(tp, records[-1].offset + 1)
            bar.update(len(records))
            if stop_after is not None and stats.events >= stop_after:
                stats.stopped_early = True
                break
    finally:
        bar.close()
    stats.remaining = total - stats.events
    return stats


def _apply(record: Record, handlers: list[Handler], stats: ReplayStats) -> None:
    stats.events += 1
    try:
        env = decode(record.value)
    except DecodeError:
        stats.undecodable += 1  # the live consumer dead-lettered it too
        return
    for handle in handlers:
        try:
            handle(env, record)
        except Poison:
            stats.poison += 1


@dataclass(frozen=True)
class Plan:
    """A rebuild: which consumers of which service, from which live database into which target."""

    service: ServiceDef
    specs: tuple[ConsumerSpec, ...]
    infra: InfraSettings
    target: str

    @property
    def collections(self) -> list[str]:
        """The collections the consumers declare they own (`ConsumerSpec.collections`)."""
        return sorted({c for s in self.specs for c in s.collections})

    @property
    def topics(self) -> list[str]:
        """The namespaced topics the consumers read."""
        return sorted({self.infra.topic_prefix + t for s in self.specs for t in s.topics})

    def handlers(self, runtime: Runtime) -> list[tuple[tuple[str, ...], Handler]]:
        """Each consumer's handler over `runtime`, with the namespaced topics it reads."""
        prefix = self.infra.topic_prefix
        return [(tuple(prefix + t for t in s.topics), s.build(runtime)) for s in self.specs]


def run(
    plan: Plan,
    client: MongoClient[Doc],
    consumer: KafkaConsumer,
    *,
    restart: bool = False,
    progress: IO[str] | None = None,
    stop_after: int | None = None,
    ends: Offsets | None = None,
) -> ReplayStats:
    """Rebuild (or resume, or catch up) the target database up to the end offsets (default: now)."""
    if restart:
        client.drop_database(plan.target)
    runtime = target_runtime(plan.infra, client, target=plan.target, live=plan.infra.mongo_db)
    positions = Positions(runtime.db)
    names = sorted(s.name for s in plan.specs)
    meta = positions.meta()
    if meta is not None and meta.get("consumers") != names:
        raise OpsError(f"{plan.target} was built by consumers {meta.get('consumers')}; use --restart")
    plan.service.setup(runtime)
    tps = partitions(consumer, plan.topics)
    begin, end = bounds(consumer, tps)
    end = dict(ends) if ends is not None else end
    saved = positions.load()
    starts = {tp: max(begin[tp], saved.get(tp, 0)) for tp in tps}
    positions.note(service=plan.service.name, consumers=names, live_db=plan.infra.mongo_db, finished_at=None)
    stats = replay(
        consumer,
        plan.handlers(runtime),
        starts,
        end,
        positions=positions,
        progress=progress,
        stop_after=stop_after,
    )
    if not stats.stopped_early:
        ends_doc = [{"topic": tp.topic, "partition": tp.partition, "offset": o} for tp, o in end.items()]
        positions.note(finished_at=datetime.now(UTC), events=stats.events, ends=ends_doc)
    return stats
