"""Payloads of `kabinet.accounts.events` (producer: identity)."""

from __future__ import annotations

from marshmallow import fields, validate

from kabinet.contracts.base import CHANNELS, E164, REGION, Contract, one_of, uuid_str

PURPOSES = ("registration", "contact_change", "password_reset", "service_link")


class UserRegisteredV1(Contract):
    """A subscriber registered; the account waits for a confirmed contact."""

    account_id = uuid_str(required=True)
    login = fields.String(required=True, validate=validate.Length(3, 32))
    last_name = fields.String(required=True)
    first_name = fields.String(required=True)
    middle_name = fields.String(load_default=None, allow_none=True)
    birth_date = fields.Date(required=True)
    region = fields.String(required=True, validate=REGION)
    phone = fields.String(required=True, validate=E164)
    email = fields.Email(required=True)
    confirm_via = one_of(CHANNELS, required=True)
    locale = fields.String(load_default="ru")


class ContactChangeRequestedV1(Contract):
    """A subscriber asked to replace a contact; it takes effect once confirmed."""

    account_id = uuid_str(required=True)
    request_id = uuid_str(required=True)
    kind = one_of(("phone", "email"), required=True)
    value = fields.String(required=True)
    previous_value = fields.String(load_default=None, allow_none=True)
    confirm_via = one_of(CHANNELS, required=True)
    locale = fields.String(load_default="ru")


class PasswordChangedV1(Contract):
    """The password changed; every session of the account is revoked."""

    account_id = uuid_str(required=True)
    reason = one_of(("change", "recovery"), required=True)


class PasswordResetRequestedV1(Contract):
    """A forgotten-password reminder was asked for; a code goes to a confirmed contact."""

    account_id = uuid_str(required=True)
    request_id = uuid_str(required=True)
    channel = one_of(CHANNELS, required=True)
    destination = fields.String(required=True)
    locale = fields.String(load_default="ru")


class ContactUsedAgainV1(Contract):
    """Someone registered with a contact another account has confirmed; its owner is told."""

    account_id = uuid_str(required=True)
    channel = one_of(CHANNELS, required=True)
    destination = fields.String(required=True)
    locale = fields.String(load_default="ru")
