"""What billing-link knows of Kabinet accounts: personal data and the confirmed phone.

Built from identity's `UserRegistered` and verification's `ContactConfirmed`, which come
on different topics in any relative order, so each source writes only its own fields.
The confirmed phone keeps the time of the event that set it: an older confirmation or
release never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from billing_link.domain import Person, Subscriber
from kabinet.mongo import Doc

_PERSON = ("last_name", "first_name", "middle_name", "birth_date")


class SubscriberDirectory:
    """One document per Kabinet account id."""

    def __init__(self, db: Database[Doc], collection: str = "subscribers") -> None:
        self._coll: Collection[Doc] = db[collection]

    def create_indexes(self) -> None:
        """Lookup by confirmed phone (number recycling)."""
        self._coll.create_index([("confirmed_phone", ASCENDING)])

    def registered(self, payload: Mapping[str, Any]) -> None:
        """Personal data from `UserRegistered` (setting the same values again changes nothing)."""
        person = {k: _plain(payload.get(k)) for k in _PERSON}
        extra = {"region": payload.get("region"), "locale": payload.get("locale") or "ru"}
        self._coll.update_one({"_id": str(payload["account_id"])}, {"$set": {**person, **extra}}, upsert=True)

    def phone_confirmed(self, account_id: str, phone: str, at: datetime) -> bool:
        """The account proved it holds `phone` at `at`; ignored when a newer fact is recorded."""
        older = {"$or": [{"phone_at": {"$lt": at}}, {"phone_at": {"$exists": False}}]}
        try:
            self._coll.update_one(
                {"_id": account_id, **older},
                {"$set": {"confirmed_phone": phone, "phone_at": at}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    def phone_released(self, phone: str, at: datetime) -> int:
        """Billing gave `phone` to someone else: nobody holds it as confirmed any more."""
        result = self._coll.update_many(
            {"confirmed_phone": phone, "phone_at": {"$lt": at}},
            {"$set": {"confirmed_phone": None, "phone_at": at}},
        )
        return result.modified_count

    def forget(self, account_id: str) -> None:
        """An erased account: only its id stays (the erased-subjects tombstone guards writes)."""
        self._coll.replace_one({"_id": account_id}, {"erased": True}, upsert=True)

    def get(self, account_id: str) -> Subscriber | None:
        """The subscriber, once identity has told their personal data."""
        doc = self._coll.find_one({"_id": account_id})
        if doc is None or not doc.get("last_name") or not doc.get("birth_date"):
            return None
        person = Person(
            last_name=doc["last_name"],
            first_name=doc["first_name"],
            middle_name=doc.get("middle_name"),
            birth_date=date.fromisoformat(doc["birth_date"]),
        )
        return Subscriber(account_id, person, doc.get("confirmed_phone"), doc.get("locale") or "ru")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
