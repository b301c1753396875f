"""What a service declares about itself: consumers, produced topics, set-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kabinet.consumer import Handler
from kabinet.runtime import Runtime
from kabinet.settings import InfraSettings


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer group: the topics it reads and how to build its handler."""

    name: str
    group_id: str
    topics: tuple[str, ...]
    build: Callable[[Runtime], Handler]


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
