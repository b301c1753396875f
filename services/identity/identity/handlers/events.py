"""Events from other services translated into the account's own commands."""

from __future__ import annotations

import logging
from collections.abc import Callable

from identity import domain as d
from identity.eventstore import Accounts
from kabinet.contracts import Envelope

log = logging.getLogger(__name__)
HANDLED_PURPOSES = ("registration", "contact_change")


def on_verification_event(accounts: Accounts, env: Envelope) -> list[d.Event]:
    """ContactConfirmed → ConfirmContact (activate, or swap the contact); the rest is not ours.

    Idempotent by the aggregate: a redelivered confirmation finds the contact already
    confirmed (or the change already applied) and decides nothing.
    """
    p = env.payload
    if env.event_type != "ContactConfirmed" or p["purpose"] not in HANDLED_PURPOSES:
        return []
    command = d.ConfirmContact(p["purpose"], p["channel"], p["destination"], p.get("request_id"))
    try:
        _, events = accounts.execute(str(p["account_id"]), command)
    except d.AccountNotFound:
        log.warning("confirmation for an unknown account", extra={"account_id": p["account_id"]})
        return []
    return events


def on_billing_event(
    accounts: Accounts, owner_of: Callable[[str], str | None], env: Envelope
) -> list[d.Event]:
    """NumberReleased for a confirmed phone → ReleaseNumber: a recycled number never gets codes.

    Idempotent by the aggregate: a released phone is no longer confirmed, so a redelivery
    decides nothing.
    """
    if env.event_type != "NumberReleased":
        return []
    phone = env.payload["phone"]
    account_id = owner_of(phone)
    if account_id is None:
        return []
    try:
        _, events = accounts.execute(account_id, d.ReleaseNumber(phone))
    except d.AccountNotFound:
        return []
    return events
