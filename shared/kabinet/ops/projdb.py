"""Projection databases side by side: which collections, their hashes and their differences."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

from kabinet.mongo import Doc
from kabinet.ops.compare import (
    CollectionDiff,
    collection_hash,
    diff_prints,
    doc_key,
    field_changes,
    fingerprints,
    strip,
)

BOOKKEEPING = "_kabinet_rebuild"
NOT_PROJECTIONS = frozenset({"events", "counters"})  # the event store and its sequence


def projection_collections(shadow: Database[Doc], extra: Iterable[str] = ()) -> list[str]:
    """Collections a rebuild wrote: the non-empty ones of the shadow, plus any named explicitly."""
    names = {
        n
        for n in shadow.list_collection_names()
        if not n.startswith(("_kabinet", "system."))
        and n not in NOT_PROJECTIONS
        and shadow[n].estimated_document_count() > 0
    }
    return sorted(names | set(extra))


def scan(coll: Collection[Doc], ignore: Iterable[str] = ()) -> dict[str, str]:
    """Fingerprints of every document of a collection."""
    return fingerprints(coll.find(), ignore)


def hashes(db: Database[Doc], collections: Sequence[str], ignore: Iterable[str] = ()) -> dict[str, str]:
    """`{collection: canonical hash}`."""
    return {name: collection_hash(scan(db[name], ignore)) for name in collections}


@dataclass
class DiffReport:
    """Shadow against live: per-collection differences and the first documents' field changes."""

    live_db: str
    shadow_db: str
    ignored: list[str]
    collections: list[CollectionDiff]
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def differences(self) -> int:
        """Total documents that differ, over every collection."""
        return sum(c.differences for c in self.collections)

    def to_json(self) -> dict[str, Any]:
        """The JSON report."""
        return {
            "live_db": self.live_db,
            "shadow_db": self.shadow_db,
            "ignored_fields": self.ignored,
            "differences": self.differences,
            "collections": [{**asdict(c), "differences": c.differences} for c in self.collections],
            "details": self.details,
        }


def diff(
    live: Database[Doc],
    shadow: Database[Doc],
    collections: Sequence[str],
    *,
    ignore: Sequence[str] = (),
    details: int = 20,
) -> DiffReport:
    """Compare each collection of `shadow` with the same collection of `live`."""
    report = DiffReport(live.name, shadow.name, ["_* except _id/_version", *ignore], [])
    for name in collections:
        d = diff_prints(name, scan(live[name], ignore), scan(shadow[name], ignore))
        report.collections.append(d)
        for key in d.changed[: max(0, details - len(report.details))]:
            report.details.append(
                {"collection": name, "_id": key, **_changes(live[name], shadow[name], key, ignore)}
            )
    return report


def _changes(
    live: Collection[Doc], shadow: Collection[Doc], key: str, ignore: Sequence[str]
) -> dict[str, Any]:
    a, b = find_by_key(live, key), find_by_key(shadow, key)
    return {"fields": field_changes(strip(a or {}, ignore), strip(b or {}, ignore))}


def find_by_key(coll: Collection[Doc], key: str) -> Doc | None:
    """The document whose canonical `_id` is `key` (a direct lookup for plain ids)."""
    raw = json.loads(key)
    if not isinstance(raw, dict):
        return coll.find_one({"_id": raw})
    return next((d for d in coll.find() if doc_key(d) == key), None)
