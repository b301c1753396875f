"""Commands and events of the link aggregate (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass

from billing_link.domain.model import (
    BillingEnd,
    BillingRecord,
    FailReason,
    LinkedVia,
    RemoveReason,
    Service,
    Subscriber,
)

# --- commands -------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestLink:
    """ "Add service", with what the directory and the subscriber projection know now."""

    link_id: str
    account_id: str
    service: Service
    record: BillingRecord | None
    subscriber: Subscriber | None
    taken_by_other: bool = False


@dataclass(frozen=True)
class ConfirmProof:
    """The code sent to `destination` for this link was entered correctly."""

    link_id: str
    account_id: str
    destination: str
    record: BillingRecord | None


@dataclass(frozen=True)
class FailProof:
    """The proof challenge of this link died (attempts used up or expired)."""

    link_id: str
    account_id: str


@dataclass(frozen=True)
class Unlink:
    """The subscriber removes the link."""

    link_id: str
    account_id: str


@dataclass(frozen=True)
class EndByBilling:
    """Billing released the number or terminated the account behind the link."""

    link_id: str
    reason: BillingEnd


@dataclass(frozen=True)
class WarnLowBalance:
    """The billing account's balance fell below the threshold (`cause`: the feed message)."""

    link_id: str
    cause: str
    amount: str
    currency: str
    threshold: str
    locale: str = "ru"


Command = RequestLink | ConfirmProof | FailProof | Unlink | EndByBilling | WarnLowBalance


# --- events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkRequested:
    """Proof is needed; `proof_destination` is None when no code may be sent."""

    link_id: str
    account_id: str
    service: Service
    account_number: str | None
    proof_destination: str | None
    locale: str = "ru"


@dataclass(frozen=True)
class ServiceLinked:
    """The service is linked to the account."""

    link_id: str
    account_id: str
    service: Service
    account_number: str
    linked_via: LinkedVia


@dataclass(frozen=True)
class LinkFailed:
    """A pending request can no longer complete."""

    link_id: str
    account_id: str
    reason: FailReason


@dataclass(frozen=True)
class ServiceUnlinked:
    """A link ended."""

    link_id: str
    account_id: str
    reason: RemoveReason


@dataclass(frozen=True)
class BalanceLow:
    """A linked service's balance fell below the threshold: the subscriber is told once."""

    link_id: str
    account_id: str
    service: Service
    account_number: str
    amount: str
    currency: str
    threshold: str
    cause: str
    locale: str = "ru"


Event = LinkRequested | ServiceLinked | LinkFailed | ServiceUnlinked | BalanceLow
