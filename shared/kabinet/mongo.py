"""MongoDB helpers that hold on FerretDB and a production replica set alike."""

from __future__ import annotations

from typing import Any

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]


def connect(uri: str, *, app_name: str, timeout_ms: int = 5000) -> MongoClient[Doc]:
    """A client for one process; create it after gunicorn forks (PyMongo is not fork-safe)."""
    return MongoClient(
        uri,
        appname=app_name,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        tz_aware=True,
    )


def ping(db: Database[Doc]) -> None:
    """Raise unless the server answers."""
    db.client.admin.command("ping")


def next_sequence(db: Database[Doc], name: str) -> int:
    """A strictly increasing number from a counter document (single-document atomic)."""
    for _ in range(3):
        try:
            doc = db["counters"].find_one_and_update(
                {"_id": name}, {"$inc": {"n": 1}}, upsert=True, return_document=True
            )
        except DuplicateKeyError:  # two first-ever upserts raced; the loser retries as an update
            continue
        assert doc is not None  # upsert with return_document=True always returns the document
        return int(doc["n"])
    raise RuntimeError(f"counter {name!r} kept colliding")
