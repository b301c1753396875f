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
ACCOUNT_EVENTS = (
    "AccountErased",
    "UserRegistered",
    "ContactChanged",
    "ContactConfirmed",
    "NotificationSettingsChanged",
)
# identity's account stream, as AccountErased
ACCOUNT_STREAM = ("UserRegistered", "ContactChanged", "NotificationSettingsChanged")


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
        state, version, at = loaded.state, loaded.version, loaded.at
        if state is None or at is None:
            return
        # AccountErased comes on identity's topic, in another lane: it may drop the account's
        # links between a check and this write, so the write is undone when it lands after
        kept = self._erased.write_unless_erased(
            account, lambda: self.views.save(state, version, at), lambda: self.views.forget(account)
        )
        if not kept:  # an erased account's link keeps its tombstone at this version, and no more
            self.views.save(state, version, at, erased=True)
            self.views.forget(account)  # a request's write of this version may have landed after the erasure

    def _account(self, envelope: Envelope) -> None:
        p, kind = envelope.payload, envelope.event_type
        account = str(p.get("account_id") or "")
        if kind == "AccountErased":
            self._erased.mark(account, _moment(p["erased_at"]))
            self.subscribers.forget(account)
            self.views.forget(account)
            return
        if ERASED in p.values():
            return  # a shredded event, replayed after an erasure
        if kind in ACCOUNT_STREAM:  # in order with AccountErased, on one partition: no race
            if account not in self._erased:
                self._from_account_stream(envelope)
        elif kind == "ContactConfirmed" and p["purpose"] in PHONE_PROOFS and p["channel"] == "sms":
            # verification's topic, another lane than AccountErased: an erasure may land meanwhile
            self._erased.write_unless_erased(
                account,
                lambda: self.subscribers.phone_confirmed(account, p["destination"], envelope.occurred_at),
                lambda: self.subscribers.forget(account),
            )

    def _from_account_stream(self, envelope: Envelope) -> None:
        p, account = envelope.payload, str(envelope.payload.get("account_id") or "")
        if envelope.event_type == "UserRegistered":
            self.subscribers.registered(p)
        elif envelope.event_type == "ContactChanged" and p.get("kind") == "phone":
            self.subscribers.phone_confirmed(account, p["value"], envelope.occurred_at)
        elif envelope.event_type == "NotificationSettingsChanged":  # low-balance notices speak it
            self.subscribers.locale_chosen(account, p["locale"])


def projection_handler(models: ReadModels) -> Handler:
    """The consumer handler over the read models."""

    def handle(envelope: Envelope, record: Record) -> None:
        models.apply(envelope, record)

    return handle


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
