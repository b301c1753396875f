"""MongoDB helpers that hold on FerretDB and a production replica set alike."""

from __future__ import annotations

from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from kabinet import mongo_counts

Doc = dict[str, Any]


def connect(uri: str, *, app_name: str, timeout_ms: int = 5000) -> MongoClient[Doc]:
    """A client for one process; create it after gunicorn forks (PyMongo is not fork-safe)."""
    return MongoClient(
        uri,
        appname=app_name,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        tz_aware=True,
        event_listeners=mongo_counts.listeners(app_name),
    )


def ping(db: Database[Doc]) -> None:
    """Raise unless the server answers."""
    db.client.admin.command("ping")
