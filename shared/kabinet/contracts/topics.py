"""Topic names: `kabinet.<context>.events`, the billing feed and their dead-letter topics."""

from __future__ import annotations

ACCOUNTS = "kabinet.accounts.events"
VERIFICATION = "kabinet.verification.events"
SERVICES = "kabinet.services.events"
NOTIFICATIONS = "kabinet.notifications.events"
BILLING_FEED = "billing.accounts.events"

ALL = (ACCOUNTS, VERIFICATION, SERVICES, NOTIFICATIONS, BILLING_FEED)


def dlq(topic: str) -> str:
    """The dead-letter topic of `topic`."""
    return f"{topic}.dlq"
