"""Read models of the notifier: contacts per account and the notification log."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from kabinet.idempotence import first_time
from kabinet.mongo import Doc
from notifier.domain import Contacts, to_contacts


class AccountsView:
    """Contacts of accounts (`contacts`): written by the contacts projection, read for notices.

    One document per account at the version of its stream last applied (`_version`); an
    erased account keeps a tombstone (`erased: true`, no address) and is never messaged.
    """

    def __init__(self, db: Database[Doc]) -> None:
        self._contacts = db["contacts"]

    def write(self, account_id: str, version: int, fields: Mapping[str, Any]) -> None:
        """Set contact fields as of `version` of the account stream (an older one changes nothing)."""
        self._versioned(account_id, version, {"$set": dict(fields)})

    def tombstone(self, account_id: str, version: int) -> None:
        """An erased account: the document is replaced by its tombstone (whatever fields it had)."""
        older = {"$or": [{"_version": {"$lt": version}}, {"_version": {"$exists": False}}]}
        with contextlib.suppress(DuplicateKeyError):  # the tombstone is there already, or newer
            self._contacts.replace_one(
                {"_id": account_id, **older}, {"erased": True, "_version": version}, upsert=True
            )

    def _versioned(self, account_id: str, version: int, update: dict[str, Any]) -> None:
        update.setdefault("$set", {})["_version"] = version
        # documents written before versions were recorded take the replay from the start
        older = {"$or": [{"_version": {"$lt": version}}, {"_version": {"$exists": False}}]}
        with contextlib.suppress(DuplicateKeyError):  # the document is at `version` or past it
            self._contacts.update_one({"_id": account_id, **older}, update, upsert=True)

    def contacts(self, account_id: str) -> Contacts | None:
        """What is known of an account's contacts (None for an erased account)."""
        doc = self._contacts.find_one({"_id": account_id})
        return None if doc and doc.get("erased") else to_contacts(doc)

    def is_erased(self, account_id: str) -> bool:
        """Whether the account was erased (never message it)."""
        return self._contacts.find_one({"_id": account_id, "erased": True}, projection=["_id"]) is not None

    def caught_up(self, account_id: str, version: int) -> bool:
        """Whether the projection has applied `version` of the account's stream (or erased it)."""
        doc = self._contacts.find_one({"_id": account_id}, projection=["_version", "erased"])
        return doc is not None and (bool(doc.get("erased")) or int(doc.get("_version") or 0) >= version)


class NotificationLog:
    """One document per notice key: sending → sent | failed | unknown, or → retry → sending → ….

    `sending` is a claim with a lease (`next_at`); only `retry` is ever claimed again, so a
    message is attempted at most once per claim. A claim whose lease ran out becomes `unknown`.
    Each claim is won by an insert: the document's own for the first attempt, one in
    `notification_attempts` (`<key>#<attempt>`) for each retry.

    The rendered message (which may hold a one-time code) is kept only while delivery is
    pending and removed once the notice is sent or has failed for good.
    """

    def __init__(self, db: Database[Doc]) -> None:
        self._coll = db["notifications"]
        self._attempts = db["notification_attempts"]

    def create_indexes(self) -> None:
        """The retrier's scan of due notices; an erasure's lookup by account."""
        self._coll.create_index([("state", ASCENDING), ("next_at", ASCENDING)])
        self._coll.create_index([("account_id", ASCENDING)])
        self._attempts.create_index([("account_id", ASCENDING)])

    def forget(self, account_id: str) -> None:
        """An erased account's notices (addresses, pending messages) go; pending ones are never sent."""
        self._coll.delete_many({"account_id": account_id})
        self._attempts.delete_many({"account_id": account_id})

    def claim_new(self, key: str, record: Mapping[str, Any]) -> bool:
        """Claim a notice key for its first delivery; False when it was seen before."""
        return bool(first_time(self._coll, key, record))

    def get(self, key: str) -> Doc | None:
        """The log document of a notice key."""
        return self._coll.find_one({"_id": key})

    def claim_due(self, now: datetime, lease_until: datetime) -> Doc | None:
        """Claim one notice whose retry is due (its last attempt surely sent nothing), counting it.

        None when none is due, or when another retrier already holds this attempt: the insert of
        `<key>#<attempt>` decides, since not every backend serializes conditional updates
        (FerretDB v1 lets two racing `find_one_and_update` calls both match).
        """
        doc = self._coll.find_one_and_update(
            {"state": "retry", "next_at": {"$lte": now}},
            {"$set": {"state": "sending", "next_at": lease_until}, "$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        claim = {"account_id": doc.get("account_id"), "at": now}
        return doc if first_time(self._attempts, f"{doc['_id']}#{doc['attempts']}", claim) else None

    def resend_claim(self, now: datetime, channels: Collection[str], key: str | None = None) -> bool:
        """Make one claim past its lease (of `key`, or any) on one of `channels` due for a retry
        now; False when there is none. For channels whose far side drops a repeated message id:
        sending it again cannot make a second message."""
        if not channels:
            return False
        query = {**_dead_claim(now, key), "channel": {"$in": list(channels)}}
        error = "the sender stopped mid-attempt; sent again (a repeated message id is dropped)"
        update = {"$set": {"state": "retry", "next_at": now, "error": error}}
        return self._coll.find_one_and_update(query, update) is not None

    def expire_claim(
        self, now: datetime, key: str | None = None, *, keep: Collection[str] = ()
    ) -> Doc | None:
        """Mark one claim past its lease (of `key`, or any, on a channel not in `keep`) `unknown`;
        None when there is none.

        Its sender died mid-attempt, so whether the message left is unknown. The message body
        goes; the updated document is returned to the one caller that won the update.
        """
        query = _dead_claim(now, key)
        if keep:
            query["channel"] = {"$nin": list(keep)}
        error = "the sender stopped mid-attempt; the message may have left"
        return self._coll.find_one_and_update(
            query,
            {"$set": {"state": "unknown", "finished_at": now, "error": error}, "$unset": {"message": ""}},
            return_document=ReturnDocument.AFTER,
        )

    def schedule_retry(self, key: str, at: datetime, error: str) -> None:
        """Try again at `at`."""
        self._coll.update_one({"_id": key}, {"$set": {"state": "retry", "next_at": at, "error": error}})

    def finish(self, key: str, state: str, at: datetime, error: str | None = None) -> None:
        """Mark sent or failed and drop the message body."""
        self._coll.update_one(
            {"_id": key},
            {"$set": {"state": state, "finished_at": at, "error": error}, "$unset": {"message": ""}},
        )


def _dead_claim(now: datetime, key: str | None) -> dict[str, Any]:
    """A claim whose lease ran out (of `key`, or any): its sender died mid-attempt."""
    query: dict[str, Any] = {"state": "sending", "next_at": {"$lte": now}}
    if key is not None:
        query["_id"] = key
    return query
