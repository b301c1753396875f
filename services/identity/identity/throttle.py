"""Failure counters in Mongo (shared by every worker and instance) with exponential back-off.

A key (`login:<login>`, `ip:<address>`) gets `free` failures per window; each further one
locks it for base·2ⁿ seconds, capped. With the defaults (5 free, 1 s base, 15 min cap)
an account sees at most ~18 failed attempts an hour, far under ASVS V2.2.1's 100, while
a lock never lasts long enough to be a useful denial of service. Checks happen before
any hashing, so a locked key costs one indexed read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.collection import Collection

from identity.config import Throttling
from kabinet.mongo import Doc


class Throttled(Exception):
    """Too many failures: try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many attempts; retry in {retry_after} s.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Failure:
    """The state of a key after one more failure."""

    failures: int
    locked_until: datetime | None
    newly_locked: bool


class Throttle:
    """Back-off counters in the `throttle` collection: `{_id: key, failures, first_at, locked_until}`."""

    def __init__(self, coll: Collection[Doc], policy: Throttling) -> None:
        self._coll = coll
        self._policy = policy

    def check(self, keys: list[str], *, now: datetime | None = None) -> None:
        """Raise `Throttled` while any key is locked."""
        now = now or datetime.now(UTC)
        locked = self._coll.find(
            {"_id": {"$in": keys}, "locked_until": {"$gt": now}}, projection=["locked_until"]
        )
        waits = [(doc["locked_until"] - now).total_seconds() for doc in locked]
        if waits:
            raise Throttled(max(1, math.ceil(max(waits))))

    def fail(self, key: str, *, free: int, now: datetime | None = None) -> Failure:
        """Count one failure of `key`; lock it when it is past its free ones."""
        now = now or datetime.now(UTC)
        doc = self._coll.find_one_and_update(
            {"_id": key},
            {"$inc": {"failures": 1}, "$setOnInsert": {"first_at": now, "locked_until": None}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None
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

    def clear(self, key: str) -> None:
        """Forget the failures of `key` (after a success)."""
        self._coll.delete_one({"_id": key})
