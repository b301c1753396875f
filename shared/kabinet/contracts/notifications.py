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


class NotificationDeliveredV1(Contract):
    """The SMS gateway's delivery receipt for a message that left (NotificationSent, the same
    stream, version 2): it reached the handset, or the network gave up on it.

    Only gateways that report delivery send one (SMPP with receipts); a message without one
    stays merely sent. A long SMS is delivered when every segment is.
    """

    notification_id = uuid_str(required=True)
    cause_event_id = uuid_str(required=True)
    account_id = uuid_str(load_default=None, allow_none=True)
    channel = one_of(CHANNELS, required=True)
    template = fields.String(required=True)
    delivered = fields.Boolean(required=True)
    status = fields.String(
        required=True,
        metadata={"description": "the receipt's final state: DELIVRD, UNDELIV, EXPIRED, REJECTD…"},
    )
