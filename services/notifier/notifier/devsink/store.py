"""Messages the sinks received, in Mongo so that several processes see one inbox."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from kabinet.mongo import Doc


def normalize(to: str) -> str:
    """One spelling per address: emails lower-cased, phones without spaces (a raw `+` in a URL is a space)."""
    to = to.strip()
    if "@" in to:
        return to.lower()
    digits = "".join(ch for ch in to if ch.isdigit())
    return f"+{digits}" if digits else to


class MessageStore:
    """The inbox: append a message, list the newest for an address."""

    def __init__(self, db: Database[Doc]) -> None:
        self._coll = db["messages"]

    def create_indexes(self) -> None:
        """Listing by recipient, newest first."""
        self._coll.create_index([("to", ASCENDING), ("sent_at", DESCENDING)])

    def add(
        self,
        channel: str,
        to: str,
        subject: str,
        body: str,
        html: str | None = None,
        *,
        message_id: str | None = None,
    ) -> str:
        """Store one received message; its id. A repeated `message_id` stores nothing and answers
        the first message's id: the sink drops repeats, as an idempotent provider does."""
        doc: dict[str, Any] = {
            "channel": channel,
            "to": normalize(to),
            "subject": subject,
            "body": body,
            "html": html,
            "sent_at": datetime.now(UTC),
        }
        if message_id is None:
            return str(self._coll.insert_one(doc).inserted_id)
        doc["_id"] = f"{channel}:{message_id}"
        with contextlib.suppress(DuplicateKeyError):
            self._coll.insert_one(doc)
        return str(doc["_id"])

    def messages(self, to: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """`[{channel, to, subject, body, sent_at}]`, newest first."""
        query = {"to": normalize(to)} if to else {}
        cursor = self._coll.find(query).sort([("sent_at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [
            {
                "channel": d["channel"],
                "to": d["to"],
                "subject": d["subject"],
                "body": d["body"],
                "sent_at": d["sent_at"].astimezone(UTC).isoformat(timespec="milliseconds"),
            }
            for d in cursor
        ]
