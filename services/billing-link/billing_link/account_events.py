"""Identity's and verification's events: subscribers' data, proofs of service links.

Event types this service does not use (identity and verification add more over time)
are ignored. AccountErased drops the subscriber's data and links (tombstones), and no
event about an erased account changes anything after that.
"""

from __future__ import annotations

from billing_link.handlers import Deps, confirm_proof, fail_proof
from billing_link.projection import LinkViews
from billing_link.subscribers import SubscriberDirectory
from kabinet.consumer import Handler, Record
from kabinet.contracts import Envelope
from kabinet.privacy.crypto import ERASED
from kabinet.privacy.erased import ErasedSubjects

# a code that reached a phone for these purposes proves the account holds that phone
_PHONE_PROOFS = ("registration", "contact_change")


def accounts_handler(
    subscribers: SubscriberDirectory,
    deps: Deps,
    erased: ErasedSubjects | None = None,
    views: LinkViews | None = None,
) -> Handler:
    """The handler of `kabinet.accounts.events` and `kabinet.verification.events`."""

    def handle(envelope: Envelope, _record: Record) -> None:
        p = envelope.payload
        kind = envelope.event_type
        account = str(p.get("account_id") or "")
        if ERASED in p.values():
            return  # a shredded event (replayed after an erasure) carries nothing to keep
        if erased is not None:
            if kind == "AccountErased":
                erased.mark(account)
                subscribers.forget(account)
                if views is not None:
                    views.forget(account)
                return
            if account in erased:
                return
        if kind == "UserRegistered":
            subscribers.registered(p)
        elif kind == "ContactChanged" and p.get("kind") == "phone":
            subscribers.phone_confirmed(str(p["account_id"]), p["value"], envelope.occurred_at)
        elif kind == "ContactConfirmed":
            _confirmed(envelope, subscribers, deps)
        elif kind == "VerificationFailed" and p.get("purpose") == "service_link" and p.get("request_id"):
            fail_proof(deps, link_id=p["request_id"], account_id=str(p["account_id"]))

    return handle


def _confirmed(envelope: Envelope, subscribers: SubscriberDirectory, deps: Deps) -> None:
    p = envelope.payload
    account_id = str(p["account_id"])
    if p["purpose"] == "service_link" and p.get("request_id"):
        confirm_proof(deps, link_id=p["request_id"], account_id=account_id, destination=p["destination"])
    elif p["purpose"] in _PHONE_PROOFS and p["channel"] == "sms":
        subscribers.phone_confirmed(account_id, p["destination"], envelope.occurred_at)
