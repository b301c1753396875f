"""Service identifiers: phone numbers to E.164, account numbers as digits, and their masks."""

from __future__ import annotations

import re

import phonenumbers

from billing_link.domain import PHONE_TYPES

_ACCOUNT = re.compile(r"^\d{4,20}$")
_ACCOUNT_SEPARATORS = re.compile(r"[\s\-./]")


class BadIdentifier(ValueError):
    """The identifier does not fit its service type; the message says why."""


def normalize_identifier(service_type: str, raw: str) -> str:
    """E.164 for phone services, bare digits for account numbers; `BadIdentifier` otherwise."""
    if service_type in PHONE_TYPES:
        return to_e164(raw)
    digits = _ACCOUNT_SEPARATORS.sub("", raw)
    if not _ACCOUNT.match(digits):
        raise BadIdentifier("Not a personal account number (4–20 digits).")
    return digits


def to_e164(raw: str, default_region: str = "RU") -> str:
    """A phone number in any common format (8 916…, +7 (916)…) as E.164."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise BadIdentifier("Not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise BadIdentifier("Not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(identifier: str) -> str:
    """`+7916*****67` for a phone, `7700****5678` for an account number."""
    if identifier.startswith("+"):
        return identifier[:5] + "*" * max(len(identifier) - 7, 0) + identifier[-2:]
    keep = min(4, len(identifier) // 3)
    return identifier[:keep] + "*" * (len(identifier) - 2 * keep) + identifier[-keep:]
