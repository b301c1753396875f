"""Payloads of `kabinet.verification.events` (producer: verification)."""

from __future__ import annotations

from marshmallow import fields, validate

from kabinet.contracts.accounts import PURPOSES
from kabinet.contracts.base import CHANNELS, Contract, one_of, pii, uuid_str


class VerificationRequestedV1(Contract):
    """A challenge was issued; only the notifier reads the plain code."""

    challenge_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    purpose = one_of(PURPOSES, required=True)
    request_id = fields.String(load_default=None, allow_none=True)
    channel = one_of(CHANNELS, required=True)
    destination = fields.String(required=True, metadata=pii())
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"), metadata=pii("secret"))
    link_token = fields.String(load_default=None, allow_none=True, metadata=pii("secret"))
    expires_at = fields.AwareDateTime(required=True)
    locale = fields.String(load_default="ru")
    # Added (optional): keyed HMAC-SHA256 digests the challenge is rebuilt from; useless without
    # the verification service's key.
    code_hash = fields.String(load_default=None, allow_none=True)
    link_hash = fields.String(load_default=None, allow_none=True)


class ContactConfirmedV1(Contract):
    """A contact proved reachable for the request that asked for it."""

    challenge_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    purpose = one_of(PURPOSES, required=True)
    request_id = fields.String(load_default=None, allow_none=True)
    channel = one_of(CHANNELS, required=True)
    destination = fields.String(required=True, metadata=pii())


class VerificationFailedV1(Contract):
    """A challenge died: too many wrong codes, or it expired."""

    challenge_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    purpose = one_of(PURPOSES, required=True)
    request_id = fields.String(load_default=None, allow_none=True)
    channel = one_of(CHANNELS, required=True)
    reason = one_of(("attempts_exhausted", "expired"), required=True)


class CodeRejectedV1(Contract):
    """A wrong code was submitted; the challenge stays open with fewer attempts left."""

    challenge_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    purpose = one_of(PURPOSES, required=True)
    request_id = fields.String(load_default=None, allow_none=True)
    channel = one_of(CHANNELS, required=True)
    attempts_left = fields.Integer(required=True, validate=validate.Range(min=1))


class ChallengeSupersededV1(Contract):
    """A newer challenge for the same request replaced this one; its code no longer works."""

    challenge_id = uuid_str(required=True)
    account_id = uuid_str(required=True)
    purpose = one_of(PURPOSES, required=True)
    request_id = fields.String(load_default=None, allow_none=True)
    channel = one_of(CHANNELS, required=True)
    superseded_by = uuid_str(required=True)
