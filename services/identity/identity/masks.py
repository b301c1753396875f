"""Masked contacts for replies and logs: enough to recognise, not enough to harvest."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """`+79161234567` → `+7916*****67`."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:5] + "*" * (len(phone) - 7) + phone[-2:]


def mask_email(email: str) -> str:
    """`petr@example.ru` → `p***@example.ru`."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask(channel: str, destination: str) -> str:
    """Mask a destination of `sms` or `email`."""
    return mask_phone(destination) if channel == "sms" else mask_email(destination)


def mask_identifier(identifier: str) -> str:
    """A service's phone as `mask_phone` does; an account number `770010000001` → `7700****0001`."""
    if identifier.startswith("+"):
        return mask_phone(identifier)
    keep = min(4, len(identifier) // 3)
    return identifier[:keep] + "*" * (len(identifier) - 2 * keep) + identifier[-keep:]
