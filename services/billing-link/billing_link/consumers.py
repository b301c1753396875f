"""Registry of the billing-link service's consumers: group, topics, handler.

`projection` keeps every read model (replayable by `kabinet.ops rebuild`); `billing-feed`
and `accounts` run what events call for beyond them (they append to link streams).
"""

from __future__ import annotations

from billing_link.account_events import accounts_handler
from billing_link.billing_feed import CHANGES, LowBalance, feed_handler, feed_marks
from billing_link.eventstore import LinkStore
from billing_link.read_models import ACCOUNT_EVENTS, COLLECTIONS, LINK_EVENTS, ReadModels, projection_handler
from kabinet.consumer import Handler
from kabinet.contracts import topics
from kabinet.privacy.erased import ErasedSubjects
from kabinet.runtime import Runtime
from kabinet.service import ConsumerSpec


def _projection(runtime: Runtime) -> Handler:
    from billing_link.bootstrap import wire  # the composition root imports this registry

    w = wire(runtime)
    erased = ErasedSubjects(runtime.db)
    models = ReadModels(w.directory, w.subscribers, w.views, LinkStore(runtime.store), erased)
    return projection_handler(models)


def _feed(runtime: Runtime) -> Handler:
    from billing_link.bootstrap import wire
    from billing_link.config import Settings

    settings = Settings.from_env()
    low = LowBalance(settings.low_balance_threshold, settings.low_balance_max_age)
    return feed_handler(feed_marks(runtime.db), wire(runtime).deps, low)


def _accounts(runtime: Runtime) -> Handler:
    from billing_link.bootstrap import wire

    return accounts_handler(wire(runtime).deps, ErasedSubjects(runtime.db))


CONSUMERS: dict[str, ConsumerSpec] = {
    # also heals the link view should a process die between an append and its view write
    "projection": ConsumerSpec(
        name="projection",
        group_id="billing-link.projection",
        topics=(topics.BILLING_FEED, topics.ACCOUNTS, topics.VERIFICATION, topics.SERVICES),
        build=_projection,
        replayable=True,
        collections=COLLECTIONS,
        event_types=frozenset((*CHANGES, *LINK_EVENTS, *ACCOUNT_EVENTS)),
    ),
    "billing-feed": ConsumerSpec(
        name="billing-feed", group_id="billing-link.billing-feed", topics=(topics.BILLING_FEED,), build=_feed
    ),
    "accounts": ConsumerSpec(
        name="accounts",
        group_id="billing-link.accounts",
        topics=(topics.VERIFICATION,),
        build=_accounts,
        event_types=frozenset(("ContactConfirmed", "VerificationFailed")),
    ),
}
