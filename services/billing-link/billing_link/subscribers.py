"""What billing-link knows of Kabinet accounts: personal data and the confirmed phone.

Built from identity's `UserRegistered` and verification's `ContactConfirmed`, which come
on different topics in any relative order, so each source writes only its own fields.
The confirmed phone keeps the time of the event that set it: an older confirmation or
release never overwrites a newer one.

Names and the birth date are kept only as keyed digests (`holder`, the print the mirror of the
billing feed keeps of its holders, under the same key): comparing prints is all the holder
check needs. Documents written before keep plain fields until `minimise_plain` (`migrate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database

from billing_link.domain import Digest, HolderPrint, Subscriber
from billing_link.mirror import print_doc
from kabinet.mongo import Doc, upsert_one
from kabinet.privacy.crypto import ERASED

_PERSON = ("last_name", "first_name", "middle_name", "birth_date")
_UNSET_PLAIN = dict.fromkeys(_PERSON, "")
_UNSET_ERASED = dict.fromkeys(("holder", "region", "locale", "confirmed_phone", "phone_at"), "")


class SubscriberDirectory:
    """One document per Kabinet account id."""

    def __init__(self, db: Database[Doc], digest: Digest, collection: str = "subscribers") -> None:
        self._coll: Collection[Doc] = db[collection]
        self._digest = digest

    def create_indexes(self) -> None:
        """Lookup by confirmed phone (number recycling)."""
        self._coll.create_index([("confirmed_phone", ASCENDING)])

    def registered(self, payload: Mapping[str, Any]) -> None:
        """Personal data from `UserRegistered`, as its print (setting the same again changes nothing)."""
        fields: dict[str, Any] = {"region": payload.get("region"), "locale": payload.get("locale") or "ru"}
        holder = self._print_of(payload) if ERASED not in payload.values() else None
        if holder is not None:
            fields["holder"] = holder
        update = {"$set": fields, "$unset": _UNSET_PLAIN}
        upsert_one(self._coll, {"_id": str(payload["account_id"])}, update)

    def minimise_plain(self) -> int:
        """Replace the plain names of documents written before prints; how many were rewritten."""
        done = 0
        for doc in list(self._coll.find({"last_name": {"$exists": True}})):
            update: dict[str, Any] = {"$unset": _UNSET_PLAIN}
            if (holder := self._print_of(doc)) is not None:
                update["$set"] = {"holder": holder}
            self._coll.update_one({"_id": doc["_id"]}, update)
            done += 1
        return done

    def phone_confirmed(self, account_id: str, phone: str, at: datetime) -> bool:
        """The account proved it holds `phone` at `at`; ignored when a newer fact is recorded."""
        older = {"$or": [{"phone_at": {"$lt": at}}, {"phone_at": {"$exists": False}}]}
        return upsert_one(
            self._coll, {"_id": account_id, **older}, {"$set": {"confirmed_phone": phone, "phone_at": at}}
        )

    def locale_chosen(self, account_id: str, locale: str) -> None:
        """The subscriber chose the language of messages (after registering: the same stream)."""
        self._coll.update_one({"_id": account_id}, {"$set": {"locale": locale}})

    def phone_released(self, phone: str, at: datetime) -> int:
        """Billing gave `phone` to someone else: nobody holds it as confirmed any more."""
        result = self._coll.update_many(
            {"confirmed_phone": phone, "phone_at": {"$lt": at}},
            {"$set": {"confirmed_phone": None, "phone_at": at}},
        )
        return result.modified_count

    def forget(self, account_id: str) -> None:
        """An erased account: only its id stays (the erased-subjects tombstone guards writes)."""
        erased_only = {"$set": {"erased": True}, "$unset": {**_UNSET_PLAIN, **_UNSET_ERASED}}
        upsert_one(self._coll, {"_id": account_id}, erased_only)

    def _print_of(self, fields: Mapping[str, Any]) -> Doc | None:
        """The holder print of plain personal data (None without a surname and a birth date)."""
        if not fields.get("last_name") or not fields.get("birth_date"):
            return None
        return print_doc(self._digest, {k: _plain(fields.get(k)) for k in _PERSON})

    def get(self, account_id: str) -> Subscriber | None:
        """The subscriber, once identity has told their personal data."""
        doc = self._coll.find_one({"_id": account_id})
        if doc is None:
            return None
        holder = doc.get("holder") or self._print_of(doc)  # a document not yet minimised: its plain fields
        if holder is None:
            return None
        return Subscriber(
            account_id, HolderPrint(**holder), doc.get("confirmed_phone"), doc.get("locale") or "ru"
        )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
