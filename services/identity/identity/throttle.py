"""Failure counters in Mongo (shared by every worker and instance) with exponential back-off.

A key (`login:<login>`, `ip:<address>`) gets `free` failures per window; each further one
locks it for base·2ⁿ seconds, capped. With the defaults (5 free, 1 s base, 15 min cap)
an account sees at most ~18 failed attempts an hour, far under ASVS V2.2.1's 100, while
a lock never lasts long enough to be a useful denial of service. Checks happen before
any hashing, so a locked key costs one indexed read.

Quotas (`take`) count every attempt, not only failures, in a fixed window: registrations per
client address, phone and email (SMS pumping).

Documents are stored under `<kind>:<keyed digest of the key>` (`stored_id`): no login or
client address in clear. Nothing expires by itself (no TTL indexes on FerretDB):
`purge_expired` removes finished windows (`python -m identity.housekeep`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from identity.config import Throttling
from kabinet.mongo import Doc
from kabinet.privacy.blind import BlindIndex


class Throttled(Exception):
    """Too many attempts: try again after `retry_after` seconds; `reason` names the limit hit."""

    def __init__(self, retry_after: int, reason: str | None = None, what: str = "attempts") -> None:
        super().__init__(f"Too many {what}; retry in {retry_after} s.")
        self.retry_after = retry_after
        self.reason = reason


@dataclass(frozen=True)
class Failure:
    """The state of a key after one more failure."""

    failures: int
    locked_until: datetime | None
    newly_locked: bool


class Throttle:
    """Back-off counters in the `throttle` collection: `{_id: key, failures, first_at, locked_until}`."""

    def __init__(self, coll: Collection[Doc], policy: Throttling, ids: BlindIndex | None = None) -> None:
        self._coll = coll
        self._policy = policy
        self._ids = ids  # None only in tests that read raw keys

    def check(self, keys: list[str], *, now: datetime | None = None) -> frozenset[str]:
        """Raise `Throttled` while any key is locked; else the keys that have a counter (only
        those have anything for `clear` to forget)."""
        now = now or datetime.now(UTC)
        # one `{_id}` lookup per key: FerretDB does not push `$in` down (it would read the collection)
        found = {k: self._coll.find_one({"_id": stored_id(self._ids, k)}, ["locked_until"]) for k in keys}
        until = [doc["locked_until"] for doc in found.values() if doc and doc.get("locked_until")]
        waits = [(u - now).total_seconds() for u in until]
        waits = [w for w in waits if w > 0]
        if waits:
            raise Throttled(max(1, math.ceil(max(waits))))
        return frozenset(k for k, doc in found.items() if doc is not None)

    def fail(self, key: str, *, free: int, now: datetime | None = None) -> Failure:
        """Count one failure of `key`; lock it when it is past its free ones."""
        now, key = now or datetime.now(UTC), stored_id(self._ids, key)
        doc = self._count(key, now)
        failures = int(doc["failures"])
        if doc["first_at"] < now - timedelta(seconds=self._policy.window_seconds):
            self._coll.update_one(
                {"_id": key, "first_at": doc["first_at"]},
                {"$set": {"failures": 1, "first_at": now, "locked_until": None}},
            )
            failures = 1
        if failures < free:
            return Failure(failures, None, False)
        delay = min(self._policy.base_seconds * 2 ** min(failures - free, 30), self._policy.cap_seconds)
        until = now + timedelta(seconds=delay)
        self._coll.update_one({"_id": key}, {"$max": {"locked_until": until}})
        return Failure(failures, until, failures == free)

    def take(
        self,
        key: str,
        *,
        limit: int,
        window_seconds: float,
        reason: str,
        what: str = "attempts",
        now: datetime | None = None,
    ) -> None:
        """Count one attempt of `key` in its window; past `limit`, `Throttled` until the window ends."""
        now, key = now or datetime.now(UTC), stored_id(self._ids, key)
        window = timedelta(seconds=window_seconds)
        doc = self._count(key, now)
        count, start = int(doc["failures"]), doc["first_at"]
        if start <= now - window:  # a new window; of two racing resets one wins, both count 1
            self._coll.update_one({"_id": key, "first_at": start}, {"$set": {"failures": 1, "first_at": now}})
            count, start = 1, now
        if count > limit:
            wait = (start + window - now).total_seconds()
            raise Throttled(max(1, math.ceil(wait)), reason, what)

    def _count(self, key: str, now: datetime) -> Doc:
        """One more on `key`'s counter, created when missing; the counter after it."""
        update = {"$inc": {"failures": 1}, "$setOnInsert": {"first_at": now, "locked_until": None}}

        def bump() -> Doc | None:
            return self._coll.find_one_and_update(
                {"_id": key}, update, upsert=True, return_document=ReturnDocument.AFTER
            )

        try:
            doc = bump()
        except DuplicateKeyError:  # two first attempts raced: the other inserted, this one updates
            doc = bump()
        assert doc is not None
        return doc

    def clear(self, key: str) -> None:
        """Forget the failures of `key` (after a success)."""
        self._coll.delete_one({"_id": stored_id(self._ids, key)})

    def purge_expired(self, *, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete documents whose window began before `older_than` ago and that lock nothing now."""
        now = now or datetime.now(UTC)
        unlocked = [{"locked_until": None}, {"locked_until": {"$lte": now}}]
        return self._coll.delete_many({"first_at": {"$lt": now - older_than}, "$or": unlocked}).deleted_count


def stored_id(ids: BlindIndex | None, key: str) -> str:
    """The document id of a key: its kind (`login`, `ip`…), then the keyed digest of the whole key."""
    if ids is None:
        return key
    kind = key.split(":", 1)[0] if ":" in key else "key"
    return f"{kind}:{ids.digest(key)}"


def pseudonym(secret: str, value: str) -> str:
    """A keyed digest standing for a phone or email in a throttle key (no contact stored in clear)."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]
