"""Subject keys: one data key per subject (account) and purpose, destroyed on erasure.

`KeyStore` is the port a KMS or Vault adapter implements; `MongoKeyStore` (keys wrapped
by the master keyring, in a collection of their own) is the default and `MemoryKeyStore`
serves tests. Destroying a subject's keys is crypto-shredding: every sealed value of that
subject, in every topic, outbox and backup, becomes unreadable at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from pymongo import ASCENDING
from pymongo.collection import Collection

from kabinet.mongo import Doc, insert_new
from kabinet.privacy.crypto import new_key
from kabinet.privacy.master import MasterKeyring

# the purposes of a subject's personal data in events (`kabinet.contracts.base.pii`): an account
# needs all of them sooner or later (its profile, its sign-ins' addresses, its codes), so the
# first of them to be needed makes them all in the same write
TOGETHER = ("account", "security", "secret")


@dataclass(frozen=True)
class DestroyedKey:
    """What an erasure destroyed: one subject key (or the marker that none may be made)."""

    subject: str
    purpose: str
    existed: bool


class KeyStore(Protocol):
    """Subject keys by (subject, purpose)."""

    def key_for(self, subject: str, purpose: str) -> bytes | None:
        """The key to seal with, created on first use; None once the subject is erased."""
        ...

    def existing(self, subject: str, purpose: str) -> bytes | None:
        """The key to open with; None when destroyed (or never made)."""
        ...

    def destroy(self, subject: str) -> list[DestroyedKey]:
        """Destroy every key of the subject and refuse to make new ones."""
        ...

    def is_erased(self, subject: str) -> bool:
        """Whether the subject's keys were destroyed."""
        ...


class MemoryKeyStore:
    """Unwrapped keys in a dict (tests, and the fakes' composition roots)."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], bytes] = {}
        self._erased: set[str] = set()

    def key_for(self, subject: str, purpose: str) -> bytes | None:
        """See `KeyStore`."""
        if subject in self._erased:
            return None
        return self._keys.setdefault((subject, purpose), new_key())

    def existing(self, subject: str, purpose: str) -> bytes | None:
        """See `KeyStore`."""
        return self._keys.get((subject, purpose))

    def destroy(self, subject: str) -> list[DestroyedKey]:
        """See `KeyStore`."""
        self._erased.add(subject)
        gone = [k for k in self._keys if k[0] == subject]
        for k in gone:
            del self._keys[k]
        return [DestroyedKey(subject, p, True) for _, p in gone]

    def is_erased(self, subject: str) -> bool:
        """See `KeyStore`."""
        return subject in self._erased


class MongoKeyStore:
    """`{_id: "<purpose>:<subject>", subject, purpose, master_kid, wrapped}`; erased subjects
    keep `{_id: "erased:<subject>"}` and key documents without key material.

    Unwrapped keys are cached for `cache_seconds` (a destroyed key may stay readable that
    long in other processes; projections drop the subject's data on AccountErased anyway).
    """

    def __init__(self, coll: Collection[Doc], keyring: MasterKeyring, *, cache_seconds: float = 2.0) -> None:
        self._coll = coll
        self.keyring = keyring
        self._ttl = cache_seconds
        self._cache: dict[tuple[str, str], tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def create_indexes(self) -> None:
        """Erasure finds every key of a subject; rotation finds keys by master key."""
        self._coll.create_index([("subject", ASCENDING)])
        self._coll.create_index([("master_kid", ASCENDING)])

    def key_for(self, subject: str, purpose: str) -> bytes | None:
        """See `KeyStore`. A key is made only after a fresh read of the subject found none and
        no erasure marker: one round trip for both, then the insert. A purpose of `TOGETHER`
        brings the subject's other missing ones in the same insert: a later service needing
        one (verification sealing a code) finds it in that read, cached, instead of paying a
        read and an insert of its own."""
        key = self._cached(subject, purpose)
        if key is not None:
            return key
        keys, erased = self._read_subject(subject)
        if purpose in keys:
            return keys[purpose]
        if erased:
            return None
        family = TOGETHER if purpose in TOGETHER else (purpose,)
        fresh = {p: new_key() for p in family if p not in keys}
        docs = []
        for p, key in fresh.items():
            kid, wrapped = self.keyring.wrap(key, label=_id(subject, p))
            docs.append(
                {"_id": _id(subject, p), "subject": subject, "purpose": p}
                | {"master_kid": kid, "wrapped": wrapped, "created_at": _now()}
            )
        if insert_new(self._coll, docs) < len(docs):  # another process made some first: use theirs
            return self._read_subject(subject)[0].get(purpose)
        for p, key in fresh.items():
            self._remember(subject, p, key)
        return fresh[purpose]

    def existing(self, subject: str, purpose: str) -> bytes | None:
        """See `KeyStore`. A miss reads every key of the subject at once (they are opened together)."""
        key = self._cached(subject, purpose)
        if key is not None:
            return key
        return self._read_subject(subject)[0].get(purpose)

    def _cached(self, subject: str, purpose: str) -> bytes | None:
        hit = self._cache.get((subject, purpose))
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def _read_subject(self, subject: str) -> tuple[dict[str, bytes], bool]:
        """The subject's live keys by purpose (now cached), and whether it was erased.

        One query on the indexed `subject` field: key documents and the erasure marker both carry it.
        """
        keys: dict[str, bytes] = {}
        erased = False
        for doc in self._coll.find({"subject": subject}):
            if doc["_id"] == f"erased:{subject}":
                erased = True
            elif doc.get("wrapped") and doc.get("purpose"):
                keys[doc["purpose"]] = self.keyring.unwrap(
                    doc["master_kid"], doc["wrapped"], label=doc["_id"]
                )
        if erased:  # destroyed keys leave nothing to open, whatever a racing writer left behind
            keys = {}
        for purpose, key in keys.items():
            self._remember(subject, purpose, key)
        return keys, erased

    def destroy(self, subject: str) -> list[DestroyedKey]:
        """See `KeyStore`: the marker first, so no key is made for the subject afterwards."""
        now = _now()
        self._coll.update_one(
            {"_id": f"erased:{subject}"},
            {"$setOnInsert": {"subject": subject, "erased_at": now}},
            upsert=True,
        )
        destroyed = []
        for doc in self._coll.find({"subject": subject, "purpose": {"$exists": True}}):
            if doc.get("wrapped"):
                self._coll.update_one(
                    {"_id": doc["_id"]},
                    {"$unset": {"wrapped": "", "master_kid": ""}, "$set": {"destroyed_at": now}},
                )
            # a key document is only ever made with a key in it: this purpose had one, now gone
            destroyed.append(DestroyedKey(subject, doc["purpose"], True))
        with self._lock:
            for k in [k for k in self._cache if k[0] == subject]:
                del self._cache[k]
        return destroyed

    def is_erased(self, subject: str) -> bool:
        """See `KeyStore`."""
        return self._coll.find_one({"_id": f"erased:{subject}"}, projection=["_id"]) is not None

    def rotate(self, *, batch: int = 200) -> int:
        """Re-wrap every subject key not wrapped by the current master key; the number re-wrapped.

        Each key is one conditional single-document update: readers see either the old or
        the new wrapping (both master keys are in their keyring), never a gap.
        """
        done = 0
        current = self.keyring.current
        for doc in self._stale(current, batch):
            key = self.keyring.unwrap(doc["master_kid"], doc["wrapped"], label=doc["_id"])
            kid, wrapped = self.keyring.wrap(key, label=doc["_id"])
            result = self._coll.update_one(
                {"_id": doc["_id"], "master_kid": doc["master_kid"]},
                {"$set": {"master_kid": kid, "wrapped": wrapped, "rewrapped_at": _now()}},
            )
            done += result.modified_count
        return done

    def _stale(self, current: str, batch: int) -> Iterator[Doc]:
        query = {"wrapped": {"$exists": True}, "master_kid": {"$ne": current}}
        while docs := list(self._coll.find(query).limit(batch)):
            yield from docs
            if len(docs) < batch:
                return

    def count_by_master(self) -> dict[str, int]:
        """How many live subject keys each master key wraps."""
        counts: dict[str, int] = {}
        for doc in self._coll.find({"wrapped": {"$exists": True}}, projection=["master_kid"]):
            counts[doc["master_kid"]] = counts.get(doc["master_kid"], 0) + 1
        return counts

    def _remember(self, subject: str, purpose: str, key: bytes) -> None:
        if self._ttl > 0:
            with self._lock:
                self._cache[(subject, purpose)] = (time.monotonic() + self._ttl, key)


def _id(subject: str, purpose: str) -> str:
    return f"{purpose}:{subject}"


def _now() -> datetime:
    return datetime.now(UTC)
