"""The billing feed: its messages as directory updates, and the feed consumer's link effects.

The directory itself is the `projection` consumer's (`feed_update` gives it each message's
update); the `billing-feed` consumer only runs effects — ending links, telling of low
balances — guarded by positions of its own (`billing_feed_marks`, offset-guarded like the
directory), so a redelivered or older message runs nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from billing_link.directory import Outcome, Position, PositionedDocs
from billing_link.domain import is_low
from billing_link.handlers import Deps, end_links, warn_low_balance
from kabinet.consumer import Handler, Poison, Record
from kabinet.contracts import Envelope
from kabinet.mongo import Doc

Update = dict[str, Any]
FEED_MARKS = "billing_feed_marks"


def _upserted(p: Mapping[str, Any], at: datetime) -> Update:
    fields = ("region", "service_type", "identifiers", "holder", "contract_phone", "balance", "status")
    state = {k: p[k] for k in fields}
    return {"$set": {**state, "plan": p["plan"], "options": p["options"], "updated_at": at}}


def _balance(p: Mapping[str, Any], at: datetime) -> Update:
    return {"$set": {"balance": p["balance"], "balance_reason": p["reason"], "updated_at": at}}


def _status(p: Mapping[str, Any], at: datetime) -> Update:
    return {"$set": {"status": p["status"], "updated_at": at}}


def _released(p: Mapping[str, Any], at: datetime) -> Update:
    return {"$pull": {"identifiers": p["phone"]}, "$set": {"updated_at": at}}


CHANGES: dict[str, Callable[[Mapping[str, Any], datetime], Update]] = {
    "BillingAccountUpserted": _upserted,
    "BalanceChanged": _balance,
    "AccountStatusChanged": _status,
    "NumberReleased": _released,
}


@dataclass(frozen=True)
class LowBalance:
    """When a balance counts as low, and how old a drop may be to still be told."""

    threshold: str = "50.00"
    max_age: timedelta = timedelta(hours=24)


def feed_update(envelope: Envelope, record: Record) -> tuple[str, Position, Update]:
    """A feed message's account number, position and directory update; `Poison` if it is not one."""
    change = CHANGES.get(envelope.event_type)
    if change is None:
        raise Poison(f"{envelope.event_type} is not a billing feed event")
    number = envelope.payload["account_number"]
    if record.key is None or record.key.decode(errors="replace") != number:
        raise Poison(f"message key {record.key!r} is not the account number {number}")
    return number, Position(record.partition, record.offset), change(envelope.payload, envelope.occurred_at)


def feed_marks(db: Database[Doc]) -> PositionedDocs:
    """The feed consumer's own positions per account number (not a projection: never rebuilt)."""
    return PositionedDocs(db, FEED_MARKS)


def feed_handler(marks: PositionedDocs, deps: Deps, low: LowBalance) -> Handler:
    """The handler of `billing.accounts.events`: link effects of each newer message."""

    def handle(envelope: Envelope, record: Record) -> None:
        number, position, _ = feed_update(envelope, record)
        payload = envelope.payload
        crossed = False
        if "balance" in payload:
            is_below = is_low(payload["balance"]["amount"], low.threshold)
            outcome, crossed = marks.apply_balance(number, position, {}, low=is_below)
        else:
            outcome = marks.apply(number, position, {})
        if outcome is not Outcome.STALE:  # effects of a redelivered latest message are re-run: idempotent
            _effects(envelope, deps)
            if crossed:
                _warn(envelope, position, deps, low)

    return handle


def _warn(envelope: Envelope, position: Position, deps: Deps, low: LowBalance) -> None:
    """This message took the balance below the threshold: each linked subscriber is told (once)."""
    if datetime.now(UTC) - envelope.occurred_at > low.max_age:
        return  # a replay of old history tells nobody about long-gone balances
    cause = f"{position.partition}:{position.offset}"
    balance = envelope.payload["balance"]
    number = envelope.payload["account_number"]
    warn_low_balance(deps, number, cause=cause, balance=balance, threshold=low.threshold)


def _effects(envelope: Envelope, deps: Deps) -> None:
    payload = envelope.payload
    if envelope.event_type == "NumberReleased":
        end_links(deps, payload["account_number"], "number_released", payload["phone"])
    elif payload.get("status") == "terminated":
        end_links(deps, payload["account_number"], "terminated")
