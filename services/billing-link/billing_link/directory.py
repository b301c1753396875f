"""The billing directory: billing-link's own projection of the operator's billing accounts.

One document per account number, written by the `projection` consumer only. The feed
gives no versions, only Kafka's order per key, so each document records the (partition,
offset) of the last message applied to it, in the same single-document write: a
redelivered or replayed message is not newer and changes nothing. The feed consumer's
effects keep positions of their own the same way (`billing_feed_marks`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from billing_link.domain import PHONE_TYPES, BillingRecord, HolderPrint, Service, phone_print
from billing_link.mirror import MirrorKeys
from kabinet.idempotence import newer_position
from kabinet.mongo import Doc

_ATTEMPTS = 5


@dataclass(frozen=True)
class Position:
    """Where a feed message sits in Kafka."""

    partition: int
    offset: int


class Outcome(enum.Enum):
    """What applying a feed message did."""

    APPLIED = "applied"  # newer than the document: written
    CURRENT = "current"  # this very message was the last one applied (a redelivery of it)
    STALE = "stale"  # an older message: nothing written


class Balanced(NamedTuple):
    """What applying a balance did, and whether that message took the balance below the threshold."""

    outcome: Outcome
    low_crossed: bool


class PositionedDocs:
    """Documents per account number, each written only by a feed message newer than its last."""

    def __init__(self, db: Database[Doc], collection: str) -> None:
        self._coll: Collection[Doc] = db[collection]

    def apply(self, account_number: str, position: Position, update: Mapping[str, Any]) -> Outcome:
        """Apply `update` unless the document already holds this or a later message."""
        upd: dict[str, Any] = {op: dict(fields) for op, fields in update.items()}
        newer = newer_position(position.partition, position.offset)
        try:
            self._write(account_number, position, upd, newer)
        except DuplicateKeyError:  # the document is at this position or past it
            doc = self._coll.find_one({"_id": account_number}, projection=["_p", "_o"])
            return _outcome(doc, position)
        return Outcome.APPLIED

    def apply_balance(
        self, account_number: str, position: Position, update: Mapping[str, Any], *, low: bool
    ) -> Balanced:
        """`apply` for a message carrying a balance; the document remembers whether it went low.

        `low_crossed` (set in the same write) says this message took a known balance from
        at-or-above the threshold to below it, so a redelivery still knows it did; the reply
        says so too (no read after the write).
        """
        for _ in range(_ATTEMPTS):
            fields = ["_p", "_o", "balance_low", "low_crossed"]
            before = self._coll.find_one({"_id": account_number}, projection=fields)
            if before is not None and not _newer(position, before):
                outcome = _outcome(before, position)
                return Balanced(outcome, outcome is Outcome.CURRENT and bool(before.get("low_crossed")))
            crossed = low and before is not None and not before.get("balance_low", False)
            upd: dict[str, Any] = {op: dict(fields) for op, fields in update.items()}
            upd.setdefault("$set", {}).update({"balance_low": low, "low_crossed": crossed})
            guard = {"_p": before.get("_p"), "_o": before.get("_o")} if before else {}
            try:  # the write holds only if the document is still the one read
                self._write(account_number, position, upd, guard)
            except DuplicateKeyError:
                continue
            return Balanced(Outcome.APPLIED, crossed)
        raise RuntimeError(f"billing account {account_number} keeps changing under the feed consumer")

    def _write(self, account_number: str, position: Position, update: dict[str, Any], guard: Doc) -> None:
        update.setdefault("$set", {}).update({"_p": position.partition, "_o": position.offset})
        self._coll.update_one({"_id": account_number, **guard}, update, upsert=True)

    def doc(self, account_number: str) -> Doc | None:
        """The raw document of an account."""
        return self._coll.find_one({"_id": account_number})


class BillingDirectory(PositionedDocs):
    """Billing accounts by number, with lookups by phone identifier and region.

    Every write passes through `MirrorKeys.update`: the holder and the phone numbers are
    stored as keyed prints, the contract phone sealed (see `billing_link.mirror`).
    """

    def __init__(self, db: Database[Doc], collection: str = "billing_accounts", *, keys: MirrorKeys) -> None:
        super().__init__(db, collection)
        self.keys = keys

    def apply(self, account_number: str, position: Position, update: Mapping[str, Any]) -> Outcome:
        """`PositionedDocs.apply` of the update with its personal values minimised."""
        return super().apply(account_number, position, self.keys.update(account_number, update))

    def minimise_plain(self, *, batch: int = 200) -> int:
        """Minimise documents written before minimisation (`migrate`); how many were rewritten.

        Each is one update conditional on the position read: should a feed write get in
        first, the document is read again.
        """
        query = {"minimised": {"$exists": False}, "holder": {"$exists": True}}
        done = stalled = 0
        while stalled < _ATTEMPTS:
            plain = list(self._coll.find(query).limit(batch))
            if not plain:
                return done
            rewritten = 0
            for doc in plain:
                guard = {"_id": doc["_id"], "_p": doc.get("_p"), "_o": doc.get("_o"), **query}
                result = self._coll.update_one(guard, {"$set": self.keys.plain_fields(doc)})
                rewritten += result.modified_count
            done, stalled = done + rewritten, 0 if rewritten else stalled + 1
        raise RuntimeError("plain billing accounts keep changing under the migration")

    def create_indexes(self) -> None:
        """Lookups by phone identifier and by region and type."""
        self._coll.create_index([("identifiers", ASCENDING)])
        self._coll.create_index([("region", ASCENDING), ("service_type", ASCENDING)])

    def docs(self, account_numbers: list[str]) -> dict[str, Doc]:
        """Raw documents by account number.

        One `{_id}` lookup each (a subscriber has a handful): FerretDB does not push `$in` down.
        """
        found = (self._coll.find_one({"_id": number}) for number in dict.fromkeys(account_numbers))
        return {d["_id"]: d for d in found if d is not None}

    def get(self, account_number: str) -> BillingRecord | None:
        """The account, if the feed has described it in full."""
        return to_record(self.doc(account_number), self.keys)

    def find(self, service: Service) -> BillingRecord | None:
        """The account `service` names: by phone for phone types, by number otherwise."""
        if service.type not in PHONE_TYPES:
            return self.get(service.identifier)
        phone = {"$in": [phone_print(service.identifier, self.keys.digest), service.identifier]}  # or plain
        query = {"identifiers": phone, "region": service.region, "service_type": service.type}
        found = (to_record(d, self.keys) for d in self._coll.find(query).limit(10))
        records = [r for r in found if r is not None]
        live = [r for r in records if r.serves(service)]
        return next(iter(live or records), None)


def _newer(position: Position, doc: Doc) -> bool:
    return bool(doc.get("_p") != position.partition or doc.get("_o", -1) < position.offset)


def _outcome(doc: Doc | None, position: Position) -> Outcome:
    here = doc is not None and (doc.get("_p"), doc.get("_o")) == (position.partition, position.offset)
    return Outcome.CURRENT if here else Outcome.STALE


def to_record(doc: Doc | None, keys: MirrorKeys) -> BillingRecord | None:
    """The domain view of a directory document (None until an upsert described it).

    A document from before minimisation is minimised in memory first: one form to read.
    """
    if doc is None or "holder" not in doc:
        return None
    stored = {**doc, **(keys.plain_fields(doc) or {})}
    holder = stored["holder"]
    return BillingRecord(
        account_number=doc["_id"],
        region=doc["region"],
        service_type=doc["service_type"],
        identifiers=tuple(stored.get("identifiers") or ()),
        holder=HolderPrint(
            last_name=holder["last_name"],
            first_name=holder["first_name"],
            middle_name=holder.get("middle_name"),
            birth_date=holder["birth_date"],
        ),
        contract_phone=keys.open_phone(doc["_id"], stored["contract_phone"]),
        status=doc["status"],
        digest=keys.digest,
    )
