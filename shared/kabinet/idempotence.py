"""Idempotent writes: a redelivered event changes nothing.

Each helper records the applied position in the same document as the change, so the
check and the write are one single-document atomic operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from kabinet.mongo import Doc


def apply_versioned(coll: Collection[Doc], doc_id: str, version: int, update: Mapping[str, Any]) -> bool:
    """Apply `update` to the document of one stream only if `version` is newer than its own.

    The document keeps `_version`; an older or equal version is a redelivery and is
    ignored. Returns whether the update was applied.
    """
    upd: dict[str, Any] = {k: dict(v) for k, v in update.items()}
    upd.setdefault("$set", {})["_version"] = version
    try:
        coll.update_one({"_id": doc_id, "_version": {"$lt": version}}, upd, upsert=True)
    except DuplicateKeyError:  # the document exists at >= version: already applied
        return False
    return True


def first_time(coll: Collection[Doc], key: str, record: Mapping[str, Any] | None = None) -> bool:
    """Claim `key` (an event id) in a dedupe collection; False if it was claimed before."""
    try:
        coll.insert_one({"_id": key, **(record or {})})
    except DuplicateKeyError:
        return False
    return True


def newer_position(partition: int, offset: int) -> dict[str, Any]:
    """A filter matching documents whose last applied message (`_p`, `_o`) is older than this one.

    For keyed topics without stream versions (the billing feed): Kafka's order per key is the
    only order, so a document remembers the partition and offset of the message it last took.
    """
    return {"$or": [{"_p": {"$ne": partition}}, {"_o": {"$lt": offset}}]}
