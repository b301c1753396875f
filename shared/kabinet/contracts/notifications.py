"""Payloads of `kabinet.notifications.events` (producer: notifier)."""

from __future__ import annotations

from marshmallow import fields

from kabinet.contracts.base import CHANNELS, Contract, one_of, pii, uuid_str


class NotificationSentV1(Contract):
    """A message left through SMTP or the SMS gateway."""

    notification_id = uuid_str(required=True)
    cause_event_id = uuid_str(required=True)
    account_id = uuid_str(load_default=None, allow_none=True)
    channel = one_of(CHANNELS, required=True)
    template = fields.String(required=True)
    to_masked = fields.String(required=True, metadata=pii())


class NotificationFailedV1(Contract):
    """A message could not be delivered after every retry."""

    notification_id = uuid_str(required=True)
    cause_event_id = uuid_str(required=True)
    account_id = uuid_str(load_default=None, allow_none=True)
    channel = one_of(CHANNELS, required=True)
    template = fields.String(required=True)
    error = fields.String(required=True, metadata=pii())
    attempts = fields.Integer(required=True)
