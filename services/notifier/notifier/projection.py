"""Read models of the notifier: contacts per account and the notification log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database

from kabinet.idempotence import first_time
from kabinet.mongo import Doc
from kabinet.privacy.erased import ErasedSubjects
from notifier.domain import Contacts, to_contacts


class AccountsView:
    """Contacts of accounts and which billing accounts they linked (for account-only notices)."""

    def __init__(self, db: Database[Doc]) -> None:
        self._contacts = db["contacts"]
        self._erased = ErasedSubjects(db)

    def update_contacts(self, account_id: str, fields: Mapping[str, Any]) -> None:
        """Set contact fields (a replay sets the same values again: idempotent)."""
        self._contacts.update_one({"_id": account_id}, {"$set": dict(fields)}, upsert=True)

    def contacts(self, account_id: str) -> Contacts | None:
        """What is known of an account's contacts."""
        return to_contacts(self._contacts.find_one({"_id": account_id}))

    def forget(self, account_id: str) -> None:
        """An erased account: a tombstone instead of its contacts."""
        self._erased.mark(account_id)
        self._contacts.replace_one({"_id": account_id}, {"erased": True}, upsert=True)

    def is_erased(self, account_id: str) -> bool:
        """Whether the account was erased (never message it)."""
        return account_id in self._erased


class NotificationLog:
    """One document per notice key: sending → sent | retry → … → sent | failed.

    The rendered message (which may hold a one-time code) is kept only while delivery is
    pending and removed once the notice is sent or has failed for good.
    """

    def __init__(self, db: Database[Doc]) -> None:
        self._coll = db["notifications"]

    def create_indexes(self) -> None:
        """The retrier's scan of due notices; an erasure's lookup by account."""
        self._coll.create_index([("state", ASCENDING), ("next_at", ASCENDING)])
        self._coll.create_index([("account_id", ASCENDING)])

    def forget(self, account_id: str) -> None:
        """An erased account's notices (addresses, pending messages) go; pending ones are never sent."""
        self._coll.delete_many({"account_id": account_id})

    def claim_new(self, key: str, record: Mapping[str, Any]) -> bool:
        """Claim a notice key for its first delivery; False when it was seen before."""
        return bool(first_time(self._coll, key, record))

    def get(self, key: str) -> Doc | None:
        """The log document of a notice key."""
        return self._coll.find_one({"_id": key})

    def claim_due(self, now: datetime, lease_until: datetime) -> Doc | None:
        """Take one notice whose retry is due (or whose sender died mid-send), counting the attempt."""
        return self._coll.find_one_and_update(
            {"state": {"$in": ["retry", "sending"]}, "next_at": {"$lte": now}},
            {"$set": {"state": "sending", "next_at": lease_until}, "$inc": {"attempts": 1}},
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
