"""Read models of the verification service: live challenges (digests only) and the send log.

`challenges` is a projection of the challenge streams: written by the request that saves
a challenge (read-your-writes) and by the `challenges` consumer from
`kabinet.verification.events`, both through `ChallengeProjection.apply` at the stream
version, so whichever comes second changes nothing and a rebuild reproduces it. The
consumer learns that it comes second without a round trip when the request ran in its own
process (the `requests` consumer opening a challenge): the versions applied there are
remembered per collection (`APPLIED`), and an event at or below one is skipped. The
send log is the budgets' own state, not a projection: it is never rebuilt.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from kabinet.idempotence import apply_versioned
from kabinet.mongo import Doc, insert_new
from verification.domain import Challenge

CHALLENGES = "challenges"
SENDS = "sends"
ERASED_SUBJECTS = "erased_subjects"


class AppliedVersions:
    """The latest versions this process applied, per (collection, challenge): a bounded memo."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._seen: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def note(self, collection: str, challenge_id: str, version: int) -> None:
        """`version` of the challenge is in `collection` (or a later one is)."""
        with self._lock:
            key = (collection, challenge_id)
            self._seen[key] = max(version, self._seen.get(key, 0))
            self._seen.move_to_end(key)
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)

    def holds(self, collection: str, challenge_id: str, version: int) -> bool:
        """Whether this process applied `version` of the challenge, or a later one, to `collection`."""
        with self._lock:
            return self._seen.get((collection, challenge_id), 0) >= version


APPLIED = AppliedVersions()  # per process: the requests consumer and the challenges consumer share it


def scope_key(challenge: Challenge) -> str:
    """The supersede scope as one indexable string."""
    return "|".join(challenge.binding.scope())


class ChallengeProjection:
    """One document per challenge, keyed by id, applied only for newer stream versions."""

    def __init__(self, db: Database[Doc], applied: AppliedVersions = APPLIED) -> None:
        self._coll = db[CHALLENGES]
        self._applied = applied

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
        self._applied.note(self._coll.full_name, c.challenge_id, version)

    def holds(self, challenge_id: str, version: int) -> bool:
        """Whether this process already applied `version` of the challenge, or a later one."""
        return self._applied.holds(self._coll.full_name, challenge_id, version)

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
