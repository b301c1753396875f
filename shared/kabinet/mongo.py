"""MongoDB helpers that hold on FerretDB and a production replica set alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure
from pymongo.results import UpdateResult

from kabinet import mongo_counts

Doc = dict[str, Any]
DUPLICATE_KEY = 11000
# Errors a server answers while it cannot serve (shutting down, stepping down, unreachable
# peers): the request may succeed once it is back, like a lost connection.
UNAVAILABLE_CODES = frozenset({6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436})


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


def server_unavailable(exc: OperationFailure) -> bool:
    """Whether a failed command says the server cannot serve right now, rather than that the
    command is wrong. FerretDB has no code for it: a command cut short by its shutdown fails
    with InternalError (1), "context canceled"."""
    return exc.code in UNAVAILABLE_CODES or (exc.code == 1 and "context canceled" in str(exc))


def upsert_one(coll: Collection[Doc], where: Mapping[str, Any], update: Mapping[str, Any]) -> bool:
    """`update_one(where, update, upsert=True)` that holds when two writers upsert one `_id` at once.

    Two upserts finding no document both insert, and the second fails with a duplicate key
    (MongoDB retries that itself only when the filter is `_id` equality alone; FerretDB never
    does, though our patched build serialises writes of one `_id`). The loser is retried
    as a plain update: the document exists now, so it takes the update if it still matches
    `where`, and a document past a condition of `where` (a newer fact) stays as it is, as
    before. Whether the update was applied (inserted or matched).
    """
    try:
        res: UpdateResult = coll.update_one(where, update, upsert=True)
    except DuplicateKeyError:
        res = coll.update_one(where, update)
        return res.matched_count > 0
    return res.upserted_id is not None or res.matched_count > 0


def insert_new(coll: Collection[Doc], docs: list[Doc]) -> int:
    """Insert `docs` in one round trip, skipping those whose `_id` exists; how many were new."""
    if not docs:
        return 0
    try:
        return len(coll.insert_many(docs, ordered=False).inserted_ids)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        return int(exc.details.get("nInserted", len(docs) - len(errors)))
