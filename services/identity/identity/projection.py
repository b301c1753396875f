"""The gateway's read model, built from `kabinet.accounts.events` (and the notifier's outcomes).

A pure projection (the `projection` consumer, replayable by `kabinet.ops rebuild`): it
writes only `accounts`, `contacts` and `notifications`, each deterministically from the
events. Session revocation and the erasure's key destruction are the `effects` consumer's.

`accounts`: one document per account, updated with `apply_versioned` (the stream version
is recorded with the change, so a redelivered event changes nothing). `contacts`: who has
confirmed a phone or an email (`{_id: "phone:+7…" | "email:…", account_id}`), written
before the versioned update so that a crash in between is repaired by the redelivery.
On AccountErased the account document becomes a tombstone (status and the erasure's time),
then its contacts and notifications go; events of an erased account change nothing after
that (a replay reads them as erased placeholders, which are skipped; the versioned
tombstone refuses older versions; a notification written while the erasure runs in another
lane looks at the tombstone again after its write and goes).
`notifications`: what the notifier sent to each account, for the subscriber's export (and,
where the SMS gateway sends receipts, whether it was delivered).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from identity.erasure.receipts import PROFILE_UNSET, tombstone
from kabinet.contracts import Envelope
from kabinet.idempotence import apply_versioned
from kabinet.mongo import Doc, upsert_one
from kabinet.privacy.crypto import ERASED
from kabinet.privacy.erased import write_unless_erased

KIND_OF = {"sms": "phone", "email": "email"}
COLLECTIONS = ("accounts", "contacts", "notifications")


def contact_key(kind: str, value: str) -> str:
    """The `contacts` id of a phone (E.164) or an email (case-folded)."""
    return f"{kind}:{value.casefold() if kind == 'email' else value}"


class Projection:
    """Applies account events to the read model."""

    def __init__(self, db: Database[Doc]) -> None:
        self._accounts = db["accounts"]
        self._contacts = db["contacts"]
        self._notifications = db["notifications"]

    def create_indexes(self) -> None:
        """Lookups by login and by contact owner."""
        self._accounts.create_index([("login_key", ASCENDING)])
        self._contacts.create_index([("account_id", ASCENDING)])
        self._notifications.create_index([("account_id", ASCENDING)])

    def apply(self, env: Envelope) -> bool:
        """Apply one event; whether the account document changed."""
        if env.event_type in ("NotificationSent", "NotificationFailed"):
            return self._notification(env)
        if env.event_type == "NotificationDelivered":
            return self._delivery(env)
        if not env.stream_id.startswith("account-"):
            return False  # login reservations and audit events carry nothing for the read model
        p = env.payload
        account_id = str(p["account_id"])
        if ERASED in p.values():
            return False  # a shredded event (replayed after an erasure): the tombstone stays as it is
        update = self._update(env, p, account_id)
        changed = apply_versioned(self._accounts, account_id, env.stream_version, update)
        if env.event_type == "AccountErased":
            # after the tombstone (on every delivery): a notification written meanwhile in another
            # lane looks again after its write, finds the tombstone and goes (`_notification`)
            self._contacts.delete_many({"account_id": account_id})
            self._notifications.delete_many({"account_id": account_id})
        return changed

    def _update(self, env: Envelope, p: Mapping[str, Any], account_id: str) -> dict[str, Any]:
        t = env.event_type
        if t == "UserRegistered":
            return {"$set": _registered(p, env)}
        if t in ("AccountActivated", "ContactVerified"):
            kind = KIND_OF[p["channel"]]
            self._own(kind, p["destination"], account_id)
            confirmed = {"status": "active", kind: {"value": p["destination"], "confirmed": True}}
            if t == "AccountActivated":  # notices go where the account was first confirmed
                confirmed["notices"] = {"channel": p["channel"], "low_balance": True}
            return {"$set": confirmed}
        if t == "NotificationSettingsChanged":
            notices = {"channel": p["channel"], "low_balance": p["low_balance"]}
            return {"$set": {"notices": notices, "locale": p["locale"]}}
        if t == "ContactChangeRequested":
            pending = {
                "request_id": str(p["request_id"]),
                "value": p["value"],
                "requested_at": env.occurred_at,
            }
            return {"$set": {f"pending.{p['kind']}": pending}}
        if t == "ContactChanged":
            if p.get("previous_value"):
                self._contacts.delete_one(
                    {"_id": contact_key(p["kind"], p["previous_value"]), "account_id": account_id}
                )
            self._own(p["kind"], p["value"], account_id)
            return {
                "$set": {p["kind"]: {"value": p["value"], "confirmed": True}},
                "$unset": {f"pending.{p['kind']}": ""},
            }
        if t == "ContactReleased":
            self._contacts.delete_one({"_id": contact_key("phone", p["value"]), "account_id": account_id})
            return {"$set": {"phone": {"value": p["value"], "confirmed": False}}}
        if t == "PasswordChanged":
            return {"$set": {"password_changed_at": env.occurred_at}}
        if t == "AccountErased":  # its contacts and notifications go once the tombstone is there
            return {"$set": tombstone(_moment(p["erased_at"])), "$unset": PROFILE_UNSET}
        return {}

    def is_erased(self, account_id: str) -> bool:
        """Whether the account was erased."""
        return (
            self._accounts.find_one({"_id": account_id, "status": "erased"}, projection=["_id"]) is not None
        )

    def owner_of(self, kind: str, value: str) -> str | None:
        """The account whose confirmed contact this is, if any."""
        doc = self._contacts.find_one({"_id": contact_key(kind, value)}, projection=["account_id"])
        return str(doc["account_id"]) if doc else None

    def login_key(self, account_id: str) -> str | None:
        """The case-folded login of an account, while the read model still has it."""
        doc = self._accounts.find_one({"_id": account_id}, projection=["login_key"])
        return str(doc["login_key"]) if doc and doc.get("login_key") else None

    def _notification(self, env: Envelope) -> bool:
        p = env.payload
        account_id = p.get("account_id")
        if not account_id or ERASED in p.values():
            return False
        state = "sent" if env.event_type == "NotificationSent" else "failed"
        doc = {
            "account_id": str(account_id),
            "channel": p["channel"],
            "template": p["template"],
            "to_masked": p.get("to_masked"),
            "state": state,
            "at": env.occurred_at,
        }
        key = {"_id": str(p["notification_id"])}
        # the notifier's topic, another lane than AccountErased: an erasure may land meanwhile
        return write_unless_erased(
            self.is_erased,
            str(account_id),
            lambda: self._notifications.update_one(key, {"$set": doc}, upsert=True),
            lambda: self._notifications.delete_one(key),
        )

    def _delivery(self, env: Envelope) -> bool:
        """The gateway's receipt of a sent message (after its NotificationSent, on its stream):
        the notice reads delivered or undelivered. An erased account's notice is gone: no upsert."""
        p = env.payload
        state = "delivered" if p["delivered"] else "undelivered"
        done = self._notifications.update_one({"_id": str(p["notification_id"])}, {"$set": {"state": state}})
        return done.modified_count > 0

    def _own(self, kind: str, value: str, account_id: str) -> None:
        # two accounts' events (other partitions, side by side) may claim one contact at once
        upsert_one(self._contacts, {"_id": contact_key(kind, value)}, {"$set": {"account_id": account_id}})


def _registered(p: Mapping[str, Any], env: Envelope) -> dict[str, Any]:
    return {
        "login": p["login"],
        "login_key": p["login"].casefold(),
        "last_name": p["last_name"],
        "first_name": p["first_name"],
        "middle_name": p.get("middle_name"),
        "birth_date": str(p["birth_date"]),
        "region": p["region"],
        "phone": {"value": p["phone"], "confirmed": False},
        "email": {"value": p["email"], "confirmed": False},
        "confirm_via": p["confirm_via"],
        "locale": p.get("locale", "ru"),
        "status": "pending_confirmation",
        "pending": {},
        "registered_at": env.occurred_at,
    }


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
