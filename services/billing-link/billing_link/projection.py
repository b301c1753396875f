"""The link view: each link's latest state, written with its stream version (newer wins).

Written by the request that appends to a link (read-your-writes) and by the `projection`
consumer from `kabinet.services.events`, both at the stream version and with that
version's time, so whichever comes second changes nothing and a rebuild reproduces it.
An erased account's links keep only a tombstone (status `erased`, no identifying field).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database

from billing_link.domain import Link
from kabinet.idempotence import apply_versioned
from kabinet.mongo import Doc

LIVE = ["pending_proof", "linked"]
GONE = ("region", "identifier", "account_number", "proof_destination", "reason")  # of an erased account


class LinkViews:
    """One document per link id; the API's lists and the feed's link lookups read it."""

    def __init__(self, db: Database[Doc], collection: str = "links") -> None:
        self.coll: Collection[Doc] = db[collection]

    def create_indexes(self) -> None:
        """Lookups by account and by billing account number."""
        self.coll.create_index([("account_id", ASCENDING), ("status", ASCENDING)])
        self.coll.create_index([("account_number", ASCENDING), ("status", ASCENDING)])

    def save(self, link: Link, version: int, at: datetime, *, erased: bool = False) -> bool:
        """Record `link` as of stream `version` (at `at`); an older or equal version changes nothing."""
        doc: dict[str, Any] = {
            "account_id": link.account_id,
            "region": link.service.region,
            "type": link.service.type,
            "identifier": link.service.identifier,
            "status": link.status,
            "account_number": link.account_number,
            "proof_destination": link.proof_destination,
            "linked_via": link.linked_via,
            "reason": link.reason,
            "updated_at": at,
        }
        if not erased:
            return bool(apply_versioned(self.coll, link.link_id, version, {"$set": doc}))
        kept = {k: v for k, v in doc.items() if k not in GONE} | {"status": "erased"}
        update = {"$set": kept, "$unset": dict.fromkeys(GONE, "")}
        return bool(apply_versioned(self.coll, link.link_id, version, update))

    def forget(self, account_id: str) -> int:
        """An erased account's links: status `erased`, every identifying field gone (versions kept,
        so a replayed older event changes nothing)."""
        update = {"$set": {"status": "erased"}, "$unset": dict.fromkeys(GONE, "")}
        return self.coll.update_many({"account_id": account_id}, update).modified_count

    def live_on_account(
        self, account_number: str, identifier: str | None = None, *, linked_only: bool = False
    ) -> list[str]:
        """Ids of pending or linked links to a billing account (to one of its numbers)."""
        query: Doc = {"account_number": account_number, "status": "linked" if linked_only else {"$in": LIVE}}
        if identifier is not None:
            query["identifier"] = identifier
        return [d["_id"] for d in self.coll.find(query, projection=["_id"])]

    def linked_to_other(self, account_number: str, account_id: str) -> bool:
        """Whether another Kabinet account holds a link to this billing account."""
        query = {"account_number": account_number, "status": "linked", "account_id": {"$ne": account_id}}
        return self.coll.find_one(query, projection=["_id"]) is not None
