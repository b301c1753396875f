"""Payloads of `kabinet.services.events` (producer: billing-link)."""

from __future__ import annotations

from marshmallow import fields

from kabinet.contracts.base import AMOUNT, E164, REGION, SERVICE_TYPES, Contract, one_of, pii, uuid_str
from kabinet.contracts.billing import Money

LINK_FAIL_REASONS = ("proof_failed", "account_unavailable", "number_released", "terminated")


class ServiceLinkRequestedV1(Contract):
    """ "Add service" needs proof: a code goes to the phone on the contract."""

    link_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    region = fields.String(required=True, validate=REGION)
    service_type = one_of(SERVICE_TYPES, required=True)
    identifier = fields.String(required=True, metadata=pii())
    proof_destination = fields.String(load_default=None, allow_none=True, validate=E164, metadata=pii())
    locale = fields.String(load_default="ru")
    # added later, optional: the billing account the proof is for (None when none matched)
    account_number = fields.String(load_default=None, allow_none=True, metadata=pii())


class ServiceAddedV1(Contract):
    """A service is linked to the account; balance and status become visible."""

    link_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    region = fields.String(required=True, validate=REGION)
    service_type = one_of(SERVICE_TYPES, required=True)
    identifier = fields.String(required=True, metadata=pii())
    account_number = fields.String(required=True, metadata=pii())
    linked_via = one_of(("holder_match", "code"), required=True)


class ServiceLinkFailedV1(Contract):
    """A pending "Add service" request can no longer complete (no link was made)."""

    link_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    reason = one_of(LINK_FAIL_REASONS, required=True)


class ServiceRemovedV1(Contract):
    """A link ended: the subscriber unlinked it, or billing released the number."""

    link_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    reason = one_of(("unlinked", "number_released", "terminated"), required=True)


class ServiceBalanceLowV1(Contract):
    """A linked service's balance fell below the low-balance threshold: tell the subscriber once.

    One event per crossing (not per balance change); `feed_position` names the billing
    feed message that crossed it.
    """

    link_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    region = fields.String(required=True, validate=REGION)
    service_type = one_of(SERVICE_TYPES, required=True)
    identifier = fields.String(required=True, metadata=pii())
    account_number = fields.String(required=True, metadata=pii())
    balance = fields.Nested(Money, required=True)
    threshold = fields.String(required=True, validate=AMOUNT)
    feed_position = fields.String(required=True)
    locale = fields.String(load_default="ru")
