"""Read models of the verification service: live challenges (digests only) and the send log.

`challenges` is a projection of the challenge streams: written by the request that saves
a challenge (read-your-writes) and by the `challenges` consumer from
`kabinet.verification.events`, both through `ChallengeProjection.apply` at the stream
version, so whichever comes second changes nothing and a rebuild reproduces it. The
send log is the budgets' own state, not a projection: it is never rebuilt.
"""

from __future__ import annotations

import re
from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from kabinet.idempotence import apply_versioned
from kabinet.mongo import Doc, insert_new
from verification.domain import Challenge

CHALLENGES = "challenges"
SENDS = "sends"
ERASED_SUBJECTS = "erased_subjects"


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

    def forget(self, account_id: str) -> None:
        """Drop an erased account's challenges (destinations, digests)."""
        self._coll.delete_many({"account_id": account_id})


class MongoSendLog:
    """Every code sent, keyed by contact and by account, for the hourly budgets."""

    def __init__(self, db: Database[Doc]) -> None:
        self._coll = db[SENDS]

    def create_indexes(self) -> None:
        """Counting by key within a window."""
        self._coll.create_index([("key", ASCENDING), ("at", ASCENDING)])

    def record(self, send_id: str, keys: list[str], at: datetime) -> None:
        """Log one send under each key; a repeated `send_id` is ignored."""
        insert_new(self._coll, [{"_id": f"{send_id}|{key}", "key": key, "at": at} for key in keys])

    def since(self, key: str, moment: datetime) -> list[datetime]:
        """Send times under `key` after `moment`."""
        return [d["at"] for d in self._coll.find({"key": key, "at": {"$gt": moment}}, projection=["at"])]

    def prune(self, before: datetime) -> None:
        """Drop entries no budget window can reach (no TTL indexes on FerretDB)."""
        self._coll.delete_many({"at": {"$lt": before}})

    def forget(self, account_id: str) -> None:
        """Drop an erased account's entries: its account key's, and the contact keys' of the same sends.

        Found through the send ids (`<send_id>|<key>`), not the challenges: the challenges
        projection may already have dropped them.
        """
        mine = self._coll.find({"key": f"account:{account_id}"}, projection=["_id"])
        for send_id in {str(d["_id"]).split("|", 1)[0] for d in mine}:
            self._coll.delete_many({"_id": {"$regex": f"^{re.escape(send_id)}\\|"}})
