"""Values and state of a service link (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from billing_link.domain.holder import Digest, HolderPrint, holder_print, phone_print, same_holder

ServiceType = Literal["mobile", "home_phone", "internet", "tv", "personal_account"]
LinkStatus = Literal["pending_proof", "linked", "failed", "removed"]
LinkedVia = Literal["holder_match", "code"]
FailReason = Literal["proof_failed", "account_unavailable", "number_released", "terminated"]
RemoveReason = Literal["unlinked", "number_released", "terminated"]
BillingEnd = Literal["number_released", "terminated"]

PHONE_TYPES: frozenset[str] = frozenset({"mobile", "home_phone"})


class LinkNotFound(LookupError):
    """No live link with this id belongs to the account."""


@dataclass(frozen=True)
class Service:
    """What the subscriber asks to link: region, type and a normalised identifier.

    The identifier is an E.164 phone for `mobile`/`home_phone`, the account number otherwise.
    """

    region: str
    type: str
    identifier: str


@dataclass(frozen=True)
class Person:
    """Personal data compared between a subscriber and a billing holder."""

    last_name: str
    first_name: str
    birth_date: date
    middle_name: str | None = None


@dataclass(frozen=True)
class BillingRecord:
    """The billing directory's view of one billing account.

    The holder and the phone numbers are keyed prints (`digest` made them): compared, never
    read. The contract phone is readable: proof codes are sent to it.
    """

    account_number: str
    region: str
    service_type: str
    identifiers: tuple[str, ...]  # `phone_print`s
    holder: HolderPrint
    contract_phone: str
    status: str
    digest: Digest = field(repr=False, compare=False)

    def serves(self, service: Service) -> bool:
        """Whether this live account is the one `service` names."""
        if self.status == "terminated" or (self.region, self.service_type) != (service.region, service.type):
            return False
        if service.type in PHONE_TYPES:
            return phone_print(service.identifier, self.digest) in self.identifiers
        return service.identifier == self.account_number

    def held_by(self, who: Person | HolderPrint) -> bool:
        """Whether `who` (a person, or their print under the same key) is the holder."""
        return same_holder(
            self.holder, who if isinstance(who, HolderPrint) else holder_print(who, self.digest)
        )


@dataclass(frozen=True)
class Subscriber:
    """A Kabinet account's personal data (as keyed digests) and the phone it has proved it holds."""

    account_id: str
    holder: HolderPrint
    confirmed_phone: str | None = None
    locale: str = "ru"


# --- state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """The current state of one link stream."""

    link_id: str
    account_id: str
    service: Service
    status: LinkStatus
    account_number: str | None = None
    proof_destination: str | None = None
    linked_via: LinkedVia | None = None
    reason: str | None = None
    low_balance_cause: str | None = None


def is_low(amount: str, threshold: str) -> bool:
    """Whether a decimal amount is below the threshold."""
    return Decimal(amount) < Decimal(threshold)
