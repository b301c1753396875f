"""What a service declares about itself: consumers, produced topics, set-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kabinet import kafka as kafka_clients
from kabinet.consumer import ConsumerLoop, Handler
from kabinet.runtime import Runtime
from kabinet.settings import InfraSettings


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer group: the topics it reads and how to build its handler."""

    name: str
    group_id: str
    topics: tuple[str, ...]
    build: Callable[[Runtime], Handler]
    # a pure projection: writes only its own Mongo collections, so `kabinet.ops rebuild` may re-run it
    replayable: bool = False
    # the collections a replayable consumer owns: what a rebuild diffs and cuts over, even when empty
    collections: tuple[str, ...] = ()
    # the event types the handler acts on; records of other types are skipped undecoded (by
    # their `event_type` header: no decoding, no key-store lookups). Empty: every type.
    event_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ServiceDef:
    """A service as the shared CLI and runners see it."""

    name: str
    package: str
    default_port: int
    infra: Callable[[], InfraSettings]
    produces: tuple[str, ...] = ()
    consumers: Mapping[str, ConsumerSpec] = field(default_factory=dict)
    setup: Callable[[Runtime], None] = lambda runtime: runtime.store.create_indexes()

    def topics(self) -> list[str]:
        """Every topic the service writes or reads."""
        read = {t for c in self.consumers.values() for t in c.topics}
        return sorted(read | set(self.produces))


def build_loop(runtime: Runtime, spec: ConsumerSpec) -> tuple[Any, ConsumerLoop]:
    """A subscribed consumer and its loop, in the runtime's topic namespace."""
    group_id = runtime.infra.topic_prefix + spec.group_id
    consumer = kafka_clients.consumer(
        runtime.infra.kafka_bootstrap,
        group_id=group_id,
        topics=[runtime.topic(t) for t in spec.topics],
        client_id=f"{runtime.client_id}/{spec.name}",
    )
    loop = ConsumerLoop(
        consumer=consumer,
        producer=runtime.producer(),
        handler=spec.build(runtime),
        group_id=group_id,
        wanted=spec.event_types or None,
        threads=runtime.infra.consumer_threads,
        fetch_linger_ms=runtime.infra.fetch_linger_ms,
    )
    return consumer, loop
