"""Reads of the gateway's read model (built by `projection`)."""

from __future__ import annotations

from typing import Any, TypeVar

from pymongo.database import Database

from identity import domain as d
from identity.projection import contact_key
from identity.regions import region_name
from kabinet.mongo import Doc

V = TypeVar("V")


def ready(view: V | None) -> V:
    """A view of the read model, or `AccountNotFound` while it has not caught up with a fresh
    account (or the account is gone)."""
    if view is None:
        raise d.AccountNotFound("The profile is not available yet; try again in a moment.")
    return view


class Queries:
    """Profile views and contact ownership."""

    def __init__(self, db: Database[Doc]) -> None:
        self._accounts = db["accounts"]
        self._contacts = db["contacts"]

    def owner_of(self, kind: str, value: str) -> str | None:
        """The account that has confirmed this phone or email, if any."""
        doc = self._contacts.find_one({"_id": contact_key(kind, value)})
        return str(doc["account_id"]) if doc else None

    def me(self, account_id: str) -> dict[str, Any] | None:
        """The profile as `GET /api/v1/me` shows it."""
        doc = self._accounts.find_one({"_id": account_id})
        if doc is None or doc.get("status") == "erased":
            return None
        pending = doc.get("pending") or {}
        contacts = []
        for kind in ("phone", "email"):
            current = doc[kind]
            contacts.append(
                {"kind": kind, "value": current["value"], "confirmed": current["confirmed"], "pending": False}
            )
            if kind in pending:
                contacts.append(
                    {"kind": kind, "value": pending[kind]["value"], "confirmed": False, "pending": True}
                )
        return {
            "account_id": account_id,
            "login": doc["login"],
            "status": doc["status"],
            "last_name": doc["last_name"],
            "first_name": doc["first_name"],
            "middle_name": doc.get("middle_name"),
            "birth_date": doc["birth_date"],
            "region": {"code": doc["region"], "name": region_name(doc["region"])},
            "confirm_via": doc["confirm_via"],
            "contacts": contacts,
        }

    def notification_settings(self, account_id: str) -> dict[str, Any] | None:
        """Where account notices go, as the notifier decides it: the chosen channel while its
        contact is confirmed, else the other confirmed one; whether low balance is told; the
        language of messages."""
        doc = self._accounts.find_one({"_id": account_id})
        if doc is None or doc.get("status") == "erased":
            return None
        chosen = doc.get("notices") or {"channel": doc["confirm_via"], "low_balance": True}
        channels = [c for c, kind in (("sms", "phone"), ("email", "email")) if doc[kind]["confirmed"]]
        channel = chosen["channel"] if chosen["channel"] in channels else next(iter(channels), None)
        return {
            "channel": channel,
            "low_balance": chosen["low_balance"],
            "locale": doc.get("locale") or "ru",
            "channels": channels,
        }
