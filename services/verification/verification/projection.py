"""Read models of the verification service: live challenges (digests only) and the send log."""

from __future__ import annotations

import contextlib
from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from kabinet.idempotence import apply_versioned
from kabinet.mongo import Doc
from verification.domain import Challenge

CHALLENGES = "challenges"
SENDS = "sends"


def scope_key(challenge: Challenge) -> str:
    """The supersede scope as one indexable string."""
    return "|".join(challenge.binding.scope())


class ChallengeProjection:
    """One document per challenge, keyed by id, applied only for newer stream versions."""

    def __init__(self, db: Database[Doc]) -> None:
        self._coll = db[CHALLENGES]

    def create_indexes(self) -> None:
        """Lookups by account and purpose, by link digest, by scope."""
        self._coll.create_index(
            [("account_id", ASCENDING), ("purpose", ASCENDING), ("opened_at", DESCENDING)]
        )
        self._coll.create_index([("link_hash", ASCENDING)])
        self._coll.create_index([("scope", ASCENDING)])

    def apply(self, c: Challenge, version: int) -> None:
        """Record the state at `version` of its stream (never the plain code)."""
        doc = {
            "account_id": c.binding.account_id,
            "purpose": c.binding.purpose,
            "request_id": c.binding.request_id,
            "channel": c.binding.channel,
            "scope": scope_key(c),
            "destination": c.destination,
            "status": c.status,
            "failure": c.failure,
            "code_hash": c.code_hash,
            "link_hash": c.link_hash,
            "expires_at": c.expires_at,
            "attempts_left": c.attempts_left,
            "opened_at": c.opened_at,
            "last_sent_at": c.last_sent_at,
        }
        apply_versioned(self._coll, c.challenge_id, version, {"$set": doc})


class MongoSendLog:
    """Every code sent, keyed by contact and by account, for the hourly budgets."""

    def __init__(self, db: Database[Doc]) -> None:
        self._coll = db[SENDS]

    def create_indexes(self) -> None:
        """Counting by key within a window."""
        self._coll.create_index([("key", ASCENDING), ("at", ASCENDING)])

    def record(self, send_id: str, keys: list[str], at: datetime) -> None:
        """Log one send under each key; a repeated `send_id` is ignored."""
        for key in keys:
            with contextlib.suppress(DuplicateKeyError):
                self._coll.insert_one({"_id": f"{send_id}|{key}", "key": key, "at": at})

    def since(self, key: str, moment: datetime) -> list[datetime]:
        """Send times under `key` after `moment`."""
        return [d["at"] for d in self._coll.find({"key": key, "at": {"$gt": moment}}, projection=["at"])]

    def prune(self, before: datetime) -> None:
        """Drop entries no budget window can reach (no TTL indexes on FerretDB)."""
        self._coll.delete_many({"at": {"$lt": before}})


def forget_account(db: Database[Doc], account_id: str) -> None:
    """Drop an erased account's challenges (destinations, digests) and its send log entries."""
    challenges = db[CHALLENGES]
    destinations = {
        d.get("destination") for d in challenges.find({"account_id": account_id}, ["destination"])
    }
    keys = [f"account:{account_id}"] + [f"contact:{str(d).lower()}" for d in destinations if d]
    db[SENDS].delete_many({"key": {"$in": keys}})
    challenges.delete_many({"account_id": account_id})
