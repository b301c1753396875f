"""Lookups over the challenge projection: which challenge a request means."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

from kabinet.mongo import Doc
from verification.projection import CHALLENGES

OPEN = ("pending", "failed")


class ChallengeQueries:
    """Finds challenge ids; decisions are then made on the event stream itself."""

    def __init__(self, db: Database[Doc]) -> None:
        self._coll = db[CHALLENGES]

    def latest(
        self, account_id: str, purposes: Sequence[str], channel: str | None, request_id: str | None
    ) -> str | None:
        """The newest challenge of the request (without `request_id`: the newest not superseded)."""
        query: dict[str, Any] = {"account_id": account_id, "purpose": {"$in": list(purposes)}}
        if channel:
            query["channel"] = channel
        if request_id:  # a named request finds its challenge even when replaced (→ 410, not 404)
            query["request_id"] = request_id
        else:
            query["status"] = {"$ne": "superseded"}
        doc = self._coll.find_one(query, sort=[("opened_at", DESCENDING)], projection=["_id"])
        return str(doc["_id"]) if doc else None

    def by_link(self, link_hash: str, purposes: Sequence[str]) -> str | None:
        """The challenge whose current link token has this digest."""
        doc = self._coll.find_one(
            {"link_hash": link_hash, "purpose": {"$in": list(purposes)}}, projection=["_id"]
        )
        return str(doc["_id"]) if doc else None

    def older_in_scope(self, scope: str, opened_before: datetime, exclude: str) -> list[str]:
        """Open challenges of the same scope opened before `opened_before`."""
        query = {"scope": scope, "status": {"$in": list(OPEN)}, "opened_at": {"$lt": opened_before}}
        return [str(d["_id"]) for d in self._coll.find(query, projection=["_id"]) if d["_id"] != exclude]
