"""The `projection` consumer: every read model billing-link keeps, from the four topics it reads.

A pure projection (replayable by `kabinet.ops rebuild`): it writes only `billing_accounts`
(the billing feed, offset-guarded), `subscribers` (identity's and verification's events),
`links` (billing-link's own link streams, at their versions) and `erased_subjects`, each
deterministically from the events. What the events call for beyond that — ending links,
low-balance notices, proofs — is the `billing-feed` and `accounts` consumers' work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from billing_link.billing_feed import feed_update
from billing_link.directory import BillingDirectory, Outcome
from billing_link.eventstore import LinkStore
from billing_link.projection import LinkViews
from billing_link.subscribers import SubscriberDirectory
from kabinet.consumer import Handler, Record
from kabinet.contracts import Envelope, topics
from kabinet.privacy.crypto import ERASED
from kabinet.privacy.erased import ErasedSubjects

COLLECTIONS = ("billing_accounts", "subscribers", "links", "erased_subjects")
LINK_EVENTS = (
    "ServiceLinkRequested",
    "ServiceAdded",
    "ServiceLinkFailed",
    "ServiceRemoved",
    "ServiceBalanceLow",
)
# a code that reached a phone for these purposes proves the account holds that phone
PHONE_PROOFS = ("registration", "contact_change")
ACCOUNT_EVENTS = ("AccountErased", "UserRegistered", "ContactChanged", "ContactConfirmed")


class ReadModels:
    """Applies each event to the read model it belongs to."""

    def __init__(
        self,
        directory: BillingDirectory,
        subscribers: SubscriberDirectory,
        views: LinkViews,
        links: LinkStore,
        erased: ErasedSubjects,
    ) -> None:
        self.directory, self.subscribers, self.views = directory, subscribers, views
        self._links, self._erased = links, erased

    def apply(self, envelope: Envelope, record: Record) -> None:
        """One event of any topic the consumer reads."""
        if record.topic.endswith(topics.BILLING_FEED):
            self._feed(envelope, record)
        elif envelope.producer == "billing-link" and envelope.event_type in LINK_EVENTS:
            self._link(envelope)
        else:
            self._account(envelope)

    def _feed(self, envelope: Envelope, record: Record) -> None:
        number, position, update = feed_update(envelope, record)
        outcome = self.directory.apply(number, position, update)
        if envelope.event_type == "NumberReleased" and outcome is not Outcome.STALE:
            self.subscribers.phone_released(envelope.payload["phone"], envelope.occurred_at)

    def _link(self, envelope: Envelope) -> None:
        account = str(envelope.payload.get("account_id") or "")
        loaded = self._links.load(envelope.stream_id, upto=envelope.stream_version)
        if loaded.state is not None and loaded.at is not None:
            self.views.save(loaded.state, loaded.version, loaded.at, erased=account in self._erased)

    def _account(self, envelope: Envelope) -> None:
        p, kind = envelope.payload, envelope.event_type
        account = str(p.get("account_id") or "")
        if kind == "AccountErased":
            self._erased.mark(account, _moment(p["erased_at"]))
            self.subscribers.forget(account)
            self.views.forget(account)
            return
        if ERASED in p.values() or account in self._erased:
            return  # a shredded event (replayed after an erasure), or an erased account
        if kind == "UserRegistered":
            self.subscribers.registered(p)
        elif kind == "ContactChanged" and p.get("kind") == "phone":
            self.subscribers.phone_confirmed(account, p["value"], envelope.occurred_at)
        elif kind == "ContactConfirmed" and p["purpose"] in PHONE_PROOFS and p["channel"] == "sms":
            self.subscribers.phone_confirmed(account, p["destination"], envelope.occurred_at)


def projection_handler(models: ReadModels) -> Handler:
    """The consumer handler over the read models."""

    def handle(envelope: Envelope, record: Record) -> None:
        models.apply(envelope, record)

    return handle


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
