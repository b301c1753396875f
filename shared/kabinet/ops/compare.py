"""Canonical form, hashes and differences of projection documents (pure; no I/O).

Bookkeeping fields are left out of every comparison: top-level fields whose name starts
with `_`, except `_id` and `_version` (the applied stream version is state, and a live
projection that lags must show), plus any field the operator names. They record *how*
a document was written (apply times, offsets, partitions), which differs between a live
projection and its rebuild without the state differing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

KEPT = frozenset({"_id", "_version"})


def strip(doc: Mapping[str, Any], ignore: Iterable[str] = ()) -> dict[str, Any]:
    """The document without bookkeeping fields (dotted names reach into sub-documents)."""
    out = {k: v for k, v in doc.items() if k in KEPT or not k.startswith("_")}
    for path in ignore:
        _drop(out, path.split("."))
    return out


def _drop(doc: dict[str, Any], path: list[str]) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        doc.pop(head, None)
    elif isinstance(doc.get(head), Mapping):
        doc[head] = dict(doc[head])
        _drop(doc[head], rest)


def plain(value: Any) -> Any:
    """A JSON value that stands for a BSON value, one form per value."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return {"$date": moment.astimezone(UTC).isoformat(timespec="milliseconds")}
    if isinstance(value, bytes):
        return {"$binary": base64.b64encode(value).decode()}
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 1.0 and 1 are equal in queries and must hash alike
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return {"$" + type(value).__name__: str(value)}


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, BSON types spelled out."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def doc_key(doc: Mapping[str, Any]) -> str:
    """The canonical form of a document's `_id`."""
    return canonical(doc.get("_id"))


def fingerprints(docs: Iterable[Mapping[str, Any]], ignore: Iterable[str] = ()) -> dict[str, str]:
    """`{canonical _id: sha256 of the canonical stripped document}`."""
    ignore = tuple(ignore)
    return {doc_key(d): hashlib.sha256(canonical(strip(d, ignore)).encode()).hexdigest() for d in docs}


def collection_hash(prints: Mapping[str, str]) -> str:
    """One hash of a whole collection: its document fingerprints in `_id` order."""
    h = hashlib.sha256()
    for key in sorted(prints):
        h.update(f"{key}\t{prints[key]}\n".encode())
    return h.hexdigest()


def field_changes(live: Mapping[str, Any], shadow: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """`{dotted field: {"live": v, "shadow": v}}` for every leaf that differs."""
    a, b = _flatten(plain(live)), _flatten(plain(shadow))
    missing = object()
    return {
        k: {"live": a.get(k), "shadow": b.get(k)}
        for k in sorted(set(a) | set(b))
        if a.get(k, missing) != b.get(k, missing)
    }


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value and not any(k.startswith("$") for k in value):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): value}


@dataclass
class CollectionDiff:
    """Differences of one collection between the live and the shadow database."""

    name: str
    live_count: int
    shadow_count: int
    only_live: list[str] = field(default_factory=list)
    only_shadow: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def differences(self) -> int:
        """Documents missing on one side or different."""
        return len(self.only_live) + len(self.only_shadow) + len(self.changed)


def diff_prints(name: str, live: Mapping[str, str], shadow: Mapping[str, str]) -> CollectionDiff:
    """Compare two collections by their fingerprints; keys are canonical `_id`s, sorted."""
    return CollectionDiff(
        name=name,
        live_count=len(live),
        shadow_count=len(shadow),
        only_live=sorted(set(live) - set(shadow)),
        only_shadow=sorted(set(shadow) - set(live)),
        changed=sorted(k for k in set(live) & set(shadow) if live[k] != shadow[k]),
    )


def first_difference(a: Mapping[str, str], b: Mapping[str, str]) -> str | None:
    """The smallest `_id` whose document differs or exists on one side only."""
    return next((k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)), None)
