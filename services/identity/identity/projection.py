"""The gateway's read model, built only from `kabinet.accounts.events`.

`accounts`: one document per account, updated with `apply_versioned` (the stream version
is recorded with the change, so a redelivered event changes nothing). `contacts`: who has
confirmed a phone or an email (`{_id: "phone:+7…" | "email:…", account_id}`), written
before the versioned update so that a crash in between is repaired by the redelivery.
On PasswordChanged every session started before it is revoked (also done at once by the
request that changed it; here it is guaranteed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from identity.sessions import SessionStore
from kabinet.contracts import Envelope
from kabinet.idempotence import apply_versioned
from kabinet.mongo import Doc

KIND_OF = {"sms": "phone", "email": "email"}


def contact_key(kind: str, value: str) -> str:
    """The `contacts` id of a phone (E.164) or an email (case-folded)."""
    return f"{kind}:{value.casefold() if kind == 'email' else value}"


class Projection:
    """Applies account events to the read model."""

    def __init__(self, db: Database[Doc], sessions: SessionStore) -> None:
        self._accounts = db["accounts"]
        self._contacts = db["contacts"]
        self._sessions = sessions

    def create_indexes(self) -> None:
        """Lookups by login and by contact owner."""
        self._accounts.create_index([("login_key", ASCENDING)])
        self._contacts.create_index([("account_id", ASCENDING)])

    def apply(self, env: Envelope) -> bool:
        """Apply one event; whether the account document changed."""
        if not env.stream_id.startswith("account-"):
            return False  # login reservations and audit events carry nothing for the read model
        p = env.payload
        account_id = str(p["account_id"])
        update = self._update(env, p, account_id)
        return apply_versioned(self._accounts, account_id, env.stream_version, update)

    def _update(self, env: Envelope, p: Mapping[str, Any], account_id: str) -> dict[str, Any]:
        t = env.event_type
        if t == "UserRegistered":
            return {"$set": _registered(p, env)}
        if t in ("AccountActivated", "ContactVerified"):
            kind = KIND_OF[p["channel"]]
            self._own(kind, p["destination"], account_id)
            return {"$set": {"status": "active", kind: {"value": p["destination"], "confirmed": True}}}
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
        if t == "PasswordChanged":
            self._sessions.revoke_all(account_id, before=env.occurred_at)
            return {"$set": {"password_changed_at": env.occurred_at}}
        return {}

    def _own(self, kind: str, value: str, account_id: str) -> None:
        self._contacts.update_one(
            {"_id": contact_key(kind, value)}, {"$set": {"account_id": account_id}}, upsert=True
        )


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
