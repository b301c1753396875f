"""The billing feed consumer: feed event → directory write (offset-guarded) → link effects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from billing_link.directory import BillingDirectory, Outcome, Position
from billing_link.domain import is_low
from billing_link.handlers import Deps, end_links, warn_low_balance
from billing_link.subscribers import SubscriberDirectory
from kabinet.consumer import Handler, Poison, Record
from kabinet.contracts import Envelope

Update = dict[str, Any]


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


def feed_handler(
    directory: BillingDirectory, subscribers: SubscriberDirectory, deps: Deps, low: LowBalance
) -> Handler:
    """The handler of `billing.accounts.events`."""

    def handle(envelope: Envelope, record: Record) -> None:
        change = CHANGES.get(envelope.event_type)
        if change is None:
            raise Poison(f"{envelope.event_type} is not a billing feed event")
        payload = envelope.payload
        number = payload["account_number"]
        if record.key is None or record.key.decode(errors="replace") != number:
            raise Poison(f"message key {record.key!r} is not the account number {number}")
        position = Position(record.partition, record.offset)
        update = change(payload, envelope.occurred_at)
        if "balance" in payload:
            outcome = directory.apply_balance(
                number, position, update, low=is_low(payload["balance"]["amount"], low.threshold)
            )
        else:
            outcome = directory.apply(number, position, update)
        if outcome is not Outcome.STALE:  # effects of a redelivered latest message are re-run: idempotent
            _effects(envelope, subscribers, deps)
            _warn_if_crossed(envelope, position, directory, deps, low)

    return handle


def _warn_if_crossed(
    envelope: Envelope, position: Position, directory: BillingDirectory, deps: Deps, low: LowBalance
) -> None:
    if "balance" not in envelope.payload or datetime.now(UTC) - envelope.occurred_at > low.max_age:
        return  # a replay of old history tells nobody about long-gone balances
    doc = directory.doc(envelope.payload["account_number"])
    if doc is not None and doc.get("low_crossed") and (doc.get("_p"), doc.get("_o")) == astuple(position):
        cause = f"{position.partition}:{position.offset}"
        balance = envelope.payload["balance"]
        warn_low_balance(deps, doc["_id"], cause=cause, balance=balance, threshold=low.threshold)


def _effects(envelope: Envelope, subscribers: SubscriberDirectory, deps: Deps) -> None:
    payload = envelope.payload
    if envelope.event_type == "NumberReleased":
        subscribers.phone_released(payload["phone"], envelope.occurred_at)
        end_links(deps, payload["account_number"], "number_released", payload["phone"])
    elif payload.get("status") == "terminated":
        end_links(deps, payload["account_number"], "terminated")
