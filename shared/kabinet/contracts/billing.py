"""Payloads of the billing feed `billing.accounts.events` (producer: the operator's billing).

No field here is marked as personal data: the operator's billing system produces this
feed and owns its encoding and retention (it is the system of record of the contract;
Kabinet cannot seal what it does not write). Holder names, birth dates and contract
phones therefore reach Kabinet plain; billing-link's directory keeps only keyed digests
of them (and the contract phone sealed) for holder matching and proofs (see
docs/personal-data.md). A Kabinet subscriber's own copies are sealed in Kabinet's events.
"""

from __future__ import annotations

from marshmallow import fields, validate

from kabinet.contracts.base import AMOUNT, DIGITS, E164, REGION, SERVICE_TYPES, Contract, one_of

STATUSES = ("active", "suspended", "terminated")


class Money(Contract):
    """An amount as a decimal string and its currency."""

    amount = fields.String(required=True, validate=AMOUNT)
    currency = fields.String(required=True, validate=validate.Length(equal=3))


class Holder(Contract):
    """The person the billing account is contracted to."""

    last_name = fields.String(required=True)
    first_name = fields.String(required=True)
    middle_name = fields.String(load_default=None, allow_none=True)
    birth_date = fields.Date(required=True)


class Option(Contract):
    """A connected option of the plan."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)


class BillingAccountUpsertedV1(Contract):
    """The full current state of a billing account."""

    account_number = fields.String(required=True, validate=DIGITS)
    region = fields.String(required=True, validate=REGION)
    service_type = one_of(SERVICE_TYPES, required=True)
    identifiers = fields.List(fields.String(validate=E164), load_default=list)
    holder = fields.Nested(Holder, required=True)
    contract_phone = fields.String(required=True, validate=E164)
    balance = fields.Nested(Money, required=True)
    status = one_of(STATUSES, required=True)
    plan = fields.String(required=True)
    options = fields.List(fields.Nested(Option), load_default=list)


class BalanceChangedV1(Contract):
    """The balance of a billing account moved."""

    account_number = fields.String(required=True, validate=DIGITS)
    balance = fields.Nested(Money, required=True)
    reason = fields.String(required=True)


class AccountStatusChangedV1(Contract):
    """A billing account was suspended, resumed or terminated."""

    account_number = fields.String(required=True, validate=DIGITS)
    status = one_of(STATUSES, required=True)


class NumberReleasedV1(Contract):
    """A phone number left this subscriber (ported, terminated, reassigned)."""

    phone = fields.String(required=True, validate=E164)
    account_number = fields.String(required=True, validate=DIGITS)
