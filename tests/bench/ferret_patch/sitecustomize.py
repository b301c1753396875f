"""EXPERIMENT ONLY (`run_bench.py --what-if-id-lookups`): the backbone's queries rewritten as `{_id}` lookups.

FerretDB v1 (SQLite) serves only a filter that is exactly `{_id: <string>}` from its primary
key; every other filter decodes and scans the whole collection, so the relay's
`unpublished()` scan, `EventStore.load/version` and `apply_versioned` cost O(collection) per
call. Put on PYTHONPATH, this module patches them in every suite process to measure what the
change would buy. It is not production code: the outbox entry is written after the event (a
crash in between would leave the event unpublished) and `apply_versioned` checks then writes
(safe only while one consumer owns a partition). The lead decides whether the backbone adopts
a proper version of it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from typing import Any

from pymongo.errors import DuplicateKeyError

import kabinet.eventstore as _es
import kabinet.idempotence as _idem

_open = getattr(_es, "open_envelope", lambda e: e)
_append = _es.EventStore.append


def _docs(self: Any, stream_id: str) -> list[Any]:
    docs, version = [], 1
    while (doc := self._events.find_one({"_id": f"{stream_id}:{version}"})) is not None:
        docs.append(doc)
        version += 1
    return docs


def load(self: Any, stream_id: str) -> list[Any]:
    return [_open(_es.to_envelope(d)) for d in _docs(self, stream_id)]


def version(self: Any, stream_id: str) -> int:
    return len(_docs(self, stream_id))


def append(self: Any, envelope: Any) -> None:
    _append(self, envelope)
    doc_id = f"{envelope.stream_id}:{envelope.stream_version}"
    seq = self._events.find_one({"_id": doc_id}, ["seq"])["seq"]
    with contextlib.suppress(DuplicateKeyError):
        self._db["outbox"].insert_one({"_id": doc_id, "seq": seq})


def unpublished(self: Any, limit: int) -> list[Any]:
    pending = list(self._db["outbox"].find().sort("seq", 1).limit(limit))
    docs = [self._events.find_one({"_id": p["_id"]}) for p in pending]
    return [d for d in docs if d is not None]


def mark_published(self: Any, ids: list[str]) -> None:
    now = _dt.datetime.now(_dt.UTC)
    for i in ids:
        self._events.update_one({"_id": i}, {"$set": {"published": True, "published_at": now}})
        self._db["outbox"].delete_one({"_id": i})


def apply_versioned(coll: Any, doc_id: str, version_: int, update: Any) -> bool:
    current = coll.find_one({"_id": doc_id}, ["_version"])
    if current is not None and current.get("_version", 0) >= version_:
        return False
    upd = {k: dict(v) for k, v in update.items()}
    upd.setdefault("$set", {})["_version"] = version_
    coll.update_one({"_id": doc_id}, upd, upsert=True)
    return True


_es.EventStore.load = load  # type: ignore[method-assign]
_es.EventStore.version = version  # type: ignore[method-assign]
_es.EventStore.append = append  # type: ignore[method-assign]
_es.EventStore.unpublished = unpublished  # type: ignore[method-assign]
_es.EventStore.mark_published = mark_published  # type: ignore[method-assign]
_idem.apply_versioned = apply_versioned
