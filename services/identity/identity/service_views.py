"""The gateway's view of subscribers' services: what `GET /api/v1/services` shows, without a hop.

A pure projection (the `services` consumer, replayable by `kabinet.ops rebuild`) of
billing-link's link streams (`kabinet.services.events`) and of the operator's billing feed
(`billing.accounts.events`), in three collections:

- `service_links`: one document per link, its stream's fields at `_version` (`apply_versioned`),
  the identifier kept masked, plus a copy of its billing account's state (`_n` = that account
  number, `_p`/`_o` = the feed position the copy is at);
- `billing_states`: the feed's balance, status, plan and options per account number, each
  document at the feed position it last took (`newer_position` guards each write);
- `services_erased`: accounts erased (`AccountErased`), whose links are dropped and never written again.

A feed message updates its account's state, then copies the whole state into every link to
that account whose copy is older; a link event that names an account copies the state in.
Both copies are guarded by position, so whichever runs second leaves the newest state.
The gateway's own commands (add, confirm, unlink) record billing-link's reply at its version
(`record`), as the consumer later does: a subscriber sees a change at once, and the
consumer's copy of the same version changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from identity.masks import mask_identifier
from kabinet.consumer import Poison, Record
from kabinet.contracts import Envelope, topics
from kabinet.idempotence import apply_versioned, newer_position
from kabinet.mongo import Doc
from kabinet.privacy.crypto import ERASED
from kabinet.privacy.erased import ErasedSubjects

COLLECTIONS = ("service_links", "billing_states", "services_erased")
LIVE = ("pending_proof", "linked")
SHOWN = (*LIVE, "failed")  # details answer a failed request too (the confirm page polls it)
BILLING_FIELDS = ("balance", "status", "plan", "options", "updated_at")
COPY_FIELDS = ("billing", "_n", "_p", "_o")  # a link's copy of its billing account's state

Fields = dict[str, Any]


def _service(p: Mapping[str, Any], status: str) -> Fields:
    return {
        "account_id": str(p["account_id"]),
        "type": p["service_type"],
        "region": p["region"],
        "identifier": mask_identifier(p["identifier"]),
        "account_number": p.get("account_number"),
        "status": status,
        "reason": None,
    }


LINK_EVENTS: dict[str, Callable[[Mapping[str, Any]], Fields]] = {
    "ServiceLinkRequested": lambda p: _service(p, "pending_proof"),
    "ServiceAdded": lambda p: _service(p, "linked"),
    "ServiceLinkFailed": lambda p: {"status": "failed", "reason": p["reason"]},
    "ServiceRemoved": lambda p: {"status": "removed", "reason": p["reason"]},
    "ServiceBalanceLow": lambda p: {},  # only the link's time moves
}


def _balance(p: Mapping[str, Any]) -> Fields:
    return {"balance": p["balance"]}


FEED_EVENTS: dict[str, Callable[[Mapping[str, Any]], Fields]] = {
    "BillingAccountUpserted": lambda p: {k: p[k] for k in ("balance", "status", "plan", "options")},
    "BalanceChanged": _balance,
    "AccountStatusChanged": lambda p: {"status": p["status"]},
}
EVENT_TYPES = frozenset((*LINK_EVENTS, *FEED_EVENTS, "AccountErased"))


class ServiceViews:
    """Applies link and feed events; answers the gateway's service reads."""

    def __init__(self, db: Database[Doc]) -> None:
        self._links = db["service_links"]
        self._states = db["billing_states"]
        self._erased = ErasedSubjects(db, "services_erased")

    def create_indexes(self) -> None:
        """Lookups by subscriber (the list) and by billing account (the feed's copies)."""
        self._links.create_index([("account_id", ASCENDING)])
        self._links.create_index([("account_number", ASCENDING)])

    # the write side

    def apply(self, env: Envelope, record: Record) -> None:
        """One event of the three topics the `services` consumer reads."""
        if record.topic.endswith(topics.BILLING_FEED):
            self._feed(env, record)
        elif env.event_type == "AccountErased":
            account_id = str(env.payload["account_id"])
            self._erased.mark(account_id, _moment(env.payload["erased_at"]))
            self._links.delete_many({"account_id": account_id})
        elif env.event_type in LINK_EVENTS:
            fields = LINK_EVENTS[env.event_type](env.payload)
            self._write(str(env.payload["link_id"]), str(env.payload["account_id"]), env, fields)

    def record(self, link_id: str, state: Mapping[str, Any]) -> None:
        """A command's outcome as billing-link replied it (`state`: the link at its version)."""
        fields = _service({**state, "service_type": state["type"]}, str(state["status"]))
        fields["reason"] = state.get("reason")
        self._save_unless_erased(
            link_id, str(state["account_id"]), int(state["version"]), _moment(state["at"]), fields
        )

    def _write(self, link_id: str, account_id: str, env: Envelope, fields: Fields) -> None:
        if ERASED in env.payload.values():
            return  # a shredded event replayed after the erasure
        self._save_unless_erased(link_id, account_id, env.stream_version, env.occurred_at, fields)

    def _save_unless_erased(
        self, link_id: str, account_id: str, version: int, at: datetime, fields: Fields
    ) -> None:
        self._erased.write_unless_erased(
            account_id,
            lambda: self._save(link_id, version, at, fields),
            lambda: self._links.delete_one({"_id": link_id}),
        )

    def _save(self, link_id: str, version: int, at: datetime, fields: Fields) -> None:
        """The link at `version`; one that (again) names its billing account takes a fresh copy.

        The versioned write drops the old copy and the state is read after it, so a feed
        message's copy made in between is either dropped and read again or newer and kept.
        """
        update: dict[str, Any] = {"$set": {**fields, "link_at": at}}
        if "account_number" in fields:
            update["$unset"] = dict.fromkeys(COPY_FIELDS, "")
        apply_versioned(self._links, link_id, version, update)
        number = fields.get("account_number")
        if number:  # also on a redelivery: the copy may not have been made before a crash
            state = self._states.find_one({"_id": number})
            if state is not None:
                self._copy({"_id": link_id}, number, state)

    def _feed(self, env: Envelope, record: Record) -> None:
        change = FEED_EVENTS.get(env.event_type)
        if change is None:
            return
        number = str(env.payload["account_number"])
        if record.key is None or record.key.decode(errors="replace") != number:
            # the feed's order holds per account number only when it is the key
            raise Poison(f"message key {record.key!r} is not the account number {number}")
        position = {"_p": record.partition, "_o": record.offset}
        update = {"$set": {**change(env.payload), "updated_at": env.occurred_at, **position}}
        where = {"_id": number, **newer_position(record.partition, record.offset)}
        try:
            state = self._states.find_one_and_update(
                where, update, upsert=True, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:  # the state is at this message or past it; its copies are made
            state = self._states.find_one({"_id": number})  # again (a crash may have come between)
        if state is not None:
            self._copy({"account_number": number}, number, state)

    def _copy(self, which: Doc, number: str, state: Doc) -> None:
        """The billing state into the chosen links whose copy is older (or of another account)."""
        older = {"$or": [{"_n": {"$ne": number}}, newer_position(state["_p"], state["_o"])]}
        billing = {f"billing.{k}": state.get(k) for k in BILLING_FIELDS}
        copy = {**billing, "_n": number, "_p": state["_p"], "_o": state["_o"]}
        self._links.update_many({**which, "account_number": number, **older}, {"$set": copy})

    # the read side

    def list(self, account_id: str) -> list[Fields]:
        """The account's pending and linked services, newest first."""
        docs = self._links.find({"account_id": account_id})
        items = [_item(doc) for doc in docs if doc.get("status") in LIVE and "type" in doc]
        return sorted(items, key=lambda i: i["updated_at"], reverse=True)

    def details(self, account_id: str, link_id: str) -> Fields | None:
        """One link of the account with plan and options; None when it is not theirs or removed."""
        doc = self._links.find_one({"_id": link_id})
        if doc is None or doc.get("account_id") != account_id or doc.get("status") not in SHOWN:
            return None
        if "type" not in doc:  # a stream whose request was never seen (a truncated topic)
            return None
        item = _item(doc)
        billing = _billing(doc)
        item["plan"] = billing.get("plan") if billing else None
        item["options"] = list(billing.get("options") or []) if billing else []
        item["reason"] = doc.get("reason") if doc["status"] == "failed" else None
        return item


def _billing(doc: Doc) -> Doc | None:
    """The billing state of a linked service (a pending request learns nothing of its account)."""
    billing = doc.get("billing")
    if doc.get("status") != "linked" or not billing or doc.get("_n") != doc.get("account_number"):
        return None
    return dict(billing)


def _item(doc: Doc) -> Fields:
    billing = _billing(doc)
    updated: datetime = doc["link_at"]
    if billing and billing.get("updated_at") and billing["updated_at"] > updated:
        updated = billing["updated_at"]
    return {
        "link_id": doc["_id"],
        "type": doc["type"],
        "region": doc["region"],
        "identifier": doc["identifier"],
        "status": doc["status"],
        "service_status": billing.get("status") if billing else None,
        "balance": dict(billing["balance"]) if billing and billing.get("balance") else None,
        "updated_at": updated.isoformat(),
    }


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
