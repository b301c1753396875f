"""Delivery receipts of SMS sent over SMPP: NotificationDelivered once every segment has one.

Three facts about a notice meet here, in any order:
- `submitted`: the SMSC accepted its segments and named each (`message_id`), written by the
  gateway as soon as the last segment is accepted;
- `sent`: its NotificationSent is stored (the delivery, right after);
- `receipt`: the SMSC's final state of one segment (`DELIVRD`, `UNDELIV`, `EXPIRED` …), taken
  from a receiver bind; a fast SMSC may answer before either of the others is written.

Each is written first (an idempotent upsert), then the notice is settled: once it is sent and
every segment has its receipt, NotificationDelivered goes at version 2 of the notice's stream
(after NotificationSent, version 1; a repeat conflicts and changes nothing). Whichever fact
comes last sees the other two, so no order leaves a notice unsettled; a receipt is answered
only after this, so one lost to a crash comes again from the SMSC.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database
from smpplib import consts

from kabinet.mongo import Doc
from notifier.eventstore import Outcomes
from notifier.smpp_gateway import end_bind

log = logging.getLogger(__name__)
COLLECTION = "sms_receipts"
DELIVERED = "DELIVRD"
RECEIPT_ESM_CLASS = 0x04  # message type "SMSC delivery receipt" (SMPP 3.4, 5.2.12)
# message_state TLV → the receipt text's state word (SMPP 3.4, 5.2.28)
STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
FINAL = frozenset(STATES.values()) - {"ENROUTE", "ACCEPTD"}
_ID = re.compile(rb"\bid:(\S+)")
_STAT = re.compile(rb"\bstat:(\w+)")


class ReceiptBook:
    """`sms_receipts`: one document per segment (`smsc:<message_id>`) and one per sent notice
    (`notification:<id>`), in the notifier's database."""

    def __init__(self, db: Database[Doc], outcomes: Outcomes) -> None:
        self._coll = db[COLLECTION]
        self._outcomes = outcomes

    def create_indexes(self) -> None:
        """A notice's segments by its id."""
        self._coll.create_index([("notification_id", ASCENDING)])

    def submitted(self, notification_id: str, message_ids: Sequence[str]) -> None:
        """The SMSC took the notice's segments under these ids (one round trip)."""
        named = {"notification_id": notification_id, "parts": len(message_ids)}
        ops = [UpdateOne({"_id": f"smsc:{m}"}, {"$set": named}, upsert=True) for m in message_ids]
        if ops:
            self._coll.bulk_write(ops, ordered=False)

    def sent(self, notice: Mapping[str, Any]) -> None:
        """NotificationSent of an SMS is stored (the delivery's hook): settle it if its receipts
        are all here."""
        if notice["channel"] != "sms":
            return
        keep = {k: notice.get(k) for k in ("cause_event_id", "account_id", "channel", "template")}
        self._coll.update_one(
            {"_id": f"notification:{notice['notification_id']}"}, {"$set": keep}, upsert=True
        )
        self.settle(str(notice["notification_id"]), keep)  # what was just written: not read again

    def receipt(self, message_id: str, state: str) -> None:
        """The SMSC's final state of one segment; settles its notice when it was the last fact."""
        doc = self._coll.find_one_and_update(
            {"_id": f"smsc:{message_id}"}, {"$set": {"state": state}}, upsert=True, return_document=True
        )
        if doc and doc.get("notification_id"):
            self.settle(str(doc["notification_id"]))

    def settle(self, notification_id: str, notice: Mapping[str, Any] | None = None) -> bool:
        """NotificationDelivered once the notice is sent and every segment has a receipt."""
        notice = notice or self._coll.find_one({"_id": f"notification:{notification_id}"})
        if notice is None:
            return False
        parts = list(self._coll.find({"notification_id": notification_id}))
        states = [p.get("state") for p in parts]
        if not parts or len(parts) < int(parts[0]["parts"]) or None in states:
            return False
        failed = [s for s in states if s != DELIVERED]
        payload = {
            "notification_id": notification_id,
            **{k: notice.get(k) for k in ("cause_event_id", "account_id", "channel", "template")},
            "delivered": not failed,
            "status": failed[0] if failed else DELIVERED,
        }
        self._outcomes.record("NotificationDelivered", payload, causation=notice["cause_event_id"], version=2)
        return True


def read_receipt(pdu: Any) -> tuple[str, str] | None:
    """The message id and final state a `deliver_sm` reports; None for anything else (an MO
    message, a receipt of an intermediate state)."""
    if pdu.command != "deliver_sm" or not (pdu.esm_class or 0) & RECEIPT_ESM_CLASS:
        return None
    text = pdu.short_message or b""
    tlv_id = getattr(pdu, "receipted_message_id", None)
    found = _ID.search(text)
    message_id = tlv_id or (found.group(1) if found else None)
    tlv_state = getattr(pdu, "message_state", None)
    stat = _STAT.search(text)
    state = STATES.get(tlv_state) if tlv_state else (stat.group(1).decode() if stat else None)
    if not message_id or state not in FINAL:
        return None
    return (message_id.decode() if isinstance(message_id, bytes) else str(message_id)), str(state)


class ReceiptListener:
    """A receiver bind that feeds the SMSC's delivery receipts to the book, bound again after a drop.

    A receipt is answered `ESME_ROK` only once the book has it (smpplib answers with what the
    handler returns); an error closes the bind unanswered, so the SMSC sends it again.
    """

    def __init__(self, connect: Any, book: ReceiptBook, *, retry_seconds: float = 2.0) -> None:
        self._connect = connect  # () → a bound receiver (smpplib client)
        self._book = book
        self._retry = retry_seconds

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: bind, take receipts, and bind again after any failure."""
        while not stop.is_set():
            client = None
            try:
                client = self._connect()
                client.set_message_received_handler(self._received)
                while not stop.is_set():
                    client.read_once()  # a quiet link is kept alive with enquire_link
            except Exception as exc:  # the SMSC or Mongo went away: bind again later
                log.warning("SMPP receipts: %s: %s; binding again", type(exc).__name__, exc)
            finally:
                if client is not None:
                    end_bind(client)
            stop.wait(self._retry)

    def _received(self, pdu: Any) -> int:
        found = read_receipt(pdu)
        if found is not None:
            self._book.receipt(*found)
        return int(consts.SMPP_ESME_ROK)
