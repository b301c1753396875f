"""After AccountErased: destroy the subject's keys, drop identity's private data, keep a receipt.

`complete` is idempotent: the API calls it at once and the `effects` consumer calls it
again when it reads AccountErased, so a crash between the event and the key destruction
is repaired. The consumer leaves the read model (accounts, contacts, notifications) to the
`projection` consumer, which tombstones it from the same event. The receipt
(`erasure_receipts`, one per account) says what was destroyed, when, and which streams,
topics and collections were checked; it holds no personal data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from identity.indexes import throttle_index
from identity.throttle import stored_id
from kabinet.contracts import REGISTRY, UnknownEventType
from kabinet.contracts.registry import UnknownEvent
from kabinet.mongo import Doc, upsert_one
from kabinet.privacy.crypto import ERASED, is_sealed
from kabinet.privacy.keystore import KeyStore
from kabinet.privacy.payload import pii_paths

# what each service drops when it consumes AccountErased (services/*/README.md say how)
PROJECTIONS = (
    "identity.accounts (tombstone)",
    "identity.contacts",
    "identity.sessions",
    "identity.refresh_tokens",
    "identity.credentials",
    "identity.throttle (login key)",
    "identity.notifications",
    "verification.challenges",
    "verification.sends",
    "billing-link.subscribers (tombstone)",
    "billing-link.links",
    "notifier.contacts (tombstone: never messaged again)",
    "notifier.notifications",
    "notifier.notification_attempts",
)


class Erasure:
    """Identity's part of an erasure, and the receipts."""

    def __init__(self, db: Database[Doc], keys: KeyStore, *, topic_prefix: str = "") -> None:
        self._db = db
        self._keys = keys
        self._receipts = db["erasure_receipts"]
        self._topics = [topic_prefix + t for t in REGISTRY.topics()]
        self._throttle_ids = throttle_index(keys)

    def complete(
        self,
        account_id: str,
        *,
        requested_by: str,
        erased_at: datetime | str,
        event_id: str,
        login_key: str | None,
        read_model: bool = True,
    ) -> Doc:
        """Destroy keys, drop private data (and the read model's, with `read_model`), store the receipt."""
        if isinstance(erased_at, str):
            erased_at = datetime.fromisoformat(erased_at)
        destroyed = self._keys.destroy(account_id)
        deleted = self.drop_private(account_id, login_key, erased_at=erased_at if read_model else None)
        receipt = {
            "account_id": account_id,
            "requested_by": requested_by,
            "erased_at": erased_at,
            "erasure_event_id": event_id,
            "completed_at": datetime.now(UTC),
            "streams_checked": self.check_streams(account_id),
            "topics_crypto_shredded": self._topics,
            "projections_dropped_on_event": list(PROJECTIONS),
            "scans": [],
        }
        keys = [{"purpose": k.purpose, "existed": k.existed} for k in destroyed]
        # the API and the consumer may complete at once: what each destroyed or deleted adds up
        update = {
            "$setOnInsert": receipt,
            "$addToSet": {"keys_destroyed": {"$each": keys}},
            "$inc": {f"deleted.{name}": n for name, n in deleted.items()},
        }
        upsert_one(self._receipts, {"_id": account_id}, update)  # both at once: the loser adds as an update
        return self.receipt(account_id) or receipt

    def drop_private(
        self, account_id: str, login_key: str | None, *, erased_at: datetime | None = None
    ) -> dict[str, int]:
        """Delete what identity keeps outside events; with `erased_at`, tombstone the read model too."""
        db, by_account = self._db, {"account_id": account_id}
        names: tuple[str, ...] = ("credentials", "sessions", "refresh_tokens")
        if erased_at is not None:
            # the tombstone first: a read-model write racing this looks again after it and finds it
            update = {"$set": tombstone(erased_at), "$unset": PROFILE_UNSET}
            db["accounts"].update_one({"_id": account_id}, update)
            names += READ_MODEL
        counts = {name: db[name].delete_many(by_account).deleted_count for name in names}
        if login_key:
            counts["throttle"] = self._drop_login_throttle(login_key)
        return counts

    def _drop_login_throttle(self, login_key: str) -> int:
        key = f"login:{login_key}"  # stored as a keyed digest; a document from before digests as given
        ids = [stored_id(self._throttle_ids, key), key]
        return self._db["throttle"].delete_many({"_id": {"$in": ids}}).deleted_count

    def check_streams(self, account_id: str) -> dict[str, Any]:
        """Every stored event of the subject: how many, of which streams, any plain personal value left."""
        kinds: Counter[str] = Counter()
        events = plain = 0
        for doc in self._db["events"].find({"payload.account_id": account_id}):
            events += 1
            kinds[str(doc["stream_id"]).split("-", 1)[0]] += 1
            plain += plain_values(doc["event_type"], doc["event_version"], doc["payload"])
        return {"events": events, "streams_by_kind": dict(kinds), "plain_personal_values": plain}

    def receipt(self, account_id: str) -> Doc | None:
        """The stored receipt."""
        return self._receipts.find_one({"_id": account_id})

    def attach_scan(self, account_id: str, report: Mapping[str, Any]) -> None:
        """Add a verification scan's result (counts and locations only, never the values)."""
        self._receipts.update_one({"_id": account_id}, {"$push": {"scans": dict(report)}})


READ_MODEL = ("contacts", "notifications")  # dropped by account; `accounts` keeps a tombstone
# every field the projection sets but `status`: a tombstone is the same whatever events preceded it
PROFILE_UNSET = {
    k: ""
    for k in (
        "login", "login_key", "last_name", "first_name", "middle_name", "birth_date", "phone", "email",
        "pending", "region", "confirm_via", "locale", "registered_at", "password_changed_at", "notices",
    )
}  # fmt: skip


def tombstone(erased_at: datetime) -> dict[str, Any]:
    """What the read model keeps of an erased account (the erasure's own time: deterministic)."""
    return {"status": "erased", "erased_at": erased_at}


def plain_values(event_type: str, version: int, payload: Mapping[str, Any]) -> int:
    """How many personal-data values of a stored payload are readable without a key."""
    try:
        schema = REGISTRY.spec(event_type, version).schema
    except (UnknownEvent, UnknownEventType):
        return 0
    count = 0
    for path, _ in pii_paths(schema):
        node: Any = payload
        for step in path:
            node = node.get(step) if isinstance(node, Mapping) else None
        count += node not in (None, ERASED) and not is_sealed(node)
    return count
