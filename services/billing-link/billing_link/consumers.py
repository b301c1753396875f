"""Registry of the billing-link service's consumers: group, topics, handler."""

from __future__ import annotations

from billing_link.account_events import accounts_handler
from billing_link.billing_feed import LowBalance, feed_handler
from billing_link.handlers import refresh_view
from kabinet.consumer import Handler, Record
from kabinet.contracts import Envelope, topics
from kabinet.privacy.erased import ErasedSubjects
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec

LINK_EVENTS = (
    "ServiceLinkRequested",
    "ServiceAdded",
    "ServiceLinkFailed",
    "ServiceRemoved",
    "ServiceBalanceLow",
)


def _feed(runtime: Runtime) -> Handler:
    from billing_link.bootstrap import wire  # the composition root imports this registry
    from billing_link.config import Settings

    settings = Settings.from_env()
    w = wire(runtime)
    low = LowBalance(settings.low_balance_threshold, settings.low_balance_max_age)
    return feed_handler(w.directory, w.subscribers, w.deps, low)


def _accounts(runtime: Runtime) -> Handler:
    from billing_link.bootstrap import wire

    w = wire(runtime)
    return accounts_handler(w.subscribers, w.deps, ErasedSubjects(runtime.db), w.views)


def _links_view(runtime: Runtime) -> Handler:
    from billing_link.bootstrap import wire

    deps = wire(runtime).deps
    erased = ErasedSubjects(runtime.db)

    def handle(envelope: Envelope, _record: Record) -> None:
        if str(envelope.payload.get("account_id")) in erased:
            return  # the view keeps its tombstone
        if envelope.event_type in LINK_EVENTS and envelope.producer == "billing-link":
            refresh_view(deps, envelope.stream_id)

    return handle


CONSUMERS: dict[str, ConsumerSpec] = {
    "billing-feed": ConsumerSpec(
        name="billing-feed", group_id="billing-link.billing-feed", topics=(topics.BILLING_FEED,), build=_feed
    ),
    "accounts": ConsumerSpec(
        name="accounts",
        group_id="billing-link.accounts",
        topics=(topics.ACCOUNTS, topics.VERIFICATION),
        build=_accounts,
    ),
    # heals the link view should a process die between an append and its view write
    "links-view": ConsumerSpec(
        name="links-view", group_id="billing-link.links-view", topics=(topics.SERVICES,), build=_links_view
    ),
}
