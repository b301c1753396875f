"""Composition root of the billing-link service."""

from __future__ import annotations

from dataclasses import dataclass

from billing_link.config import Settings
from billing_link.consumers import CONSUMERS
from billing_link.directory import BillingDirectory
from billing_link.eventstore import LinkStore
from billing_link.handlers import Deps
from billing_link.mirror import MirrorKeys
from billing_link.projection import LinkViews
from billing_link.queries import ServiceQueries
from billing_link.subscribers import SubscriberDirectory
from kabinet.contracts import topics
from kabinet.runtime import Runtime
from kabinet.service import ServiceDef


@dataclass(frozen=True)
class Wiring:
    """The service's adapters over one runtime, and the handlers' dependencies."""

    deps: Deps
    directory: BillingDirectory
    subscribers: SubscriberDirectory
    views: LinkViews
    queries: ServiceQueries


def wire(runtime: Runtime) -> Wiring:
    """Mongo adapters over the runtime's database and event store."""
    keys = MirrorKeys.of(runtime.keys)
    directory = BillingDirectory(runtime.db, keys=keys)
    subscribers = SubscriberDirectory(runtime.db, keys.digest)
    views = LinkViews(runtime.db)
    deps = Deps(links=LinkStore(runtime.store), views=views, directory=directory, subscribers=subscribers)
    return Wiring(deps, directory, subscribers, views, ServiceQueries(views, directory))


def setup(runtime: Runtime) -> None:
    """Indexes of the event store and of every projection; the mirror's plain documents minimised."""
    runtime.store.create_indexes()
    w = wire(runtime)
    for adapter in (w.directory, w.subscribers, w.views):
        adapter.create_indexes()
    w.directory.minimise_plain()  # a mirror written before minimisation (`migrate`)
    w.subscribers.minimise_plain()  # subscribers' names from before prints


SERVICE = ServiceDef(
    name="billing-link",
    package="billing_link",
    default_port=8002,
    infra=lambda: Settings.from_env().infra,
    produces=(topics.SERVICES,),
    consumers=CONSUMERS,
    setup=setup,
)
