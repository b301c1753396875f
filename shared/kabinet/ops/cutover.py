"""Cutover and rollback by copy: the shadow's collections replace the live ones, a backup stays.

FerretDB renames neither across databases nor onto an existing collection (`dropTarget`),
so a collection is swapped by copying the source into `<name>__kabinet_new` in the live
database (with the live collection's indexes), renaming the live one aside and the new one
into place, then dropping the old one: readers see the old or the new collection except
for the instant between the two renames. Where renames fail, the live collection is
emptied and refilled (stop the service's consumers for that).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from kafka import TopicPartition
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import OperationFailure

from kabinet.mongo import Doc

CUTOVERS = "cutovers"


def backup_name(live: str, now: datetime | None = None) -> str:
    """`<live db>__backup_<UTC timestamp>`."""
    return f"{live}__backup_{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}"


def copy_collection(src: Collection[Doc], dst: Collection[Doc]) -> int:
    """Replace `dst` with the documents of `src`; the number copied."""
    dst.drop()
    return copy_docs(src, dst)


def copy_docs(src: Collection[Doc], dst: Collection[Doc], *, batch: int = 1000) -> int:
    """Insert every document of `src` into `dst`; the number copied."""
    buf: list[Doc] = []
    copied = 0
    for doc in src.find():
        buf.append(doc)
        if len(buf) >= batch:
            copied += _flush(dst, buf)
    return copied + _flush(dst, buf)


def _flush(dst: Collection[Doc], buf: list[Doc]) -> int:
    n = len(buf)
    if buf:
        dst.insert_many(buf, ordered=False)
        buf.clear()
    return n


def copy_indexes(src: Collection[Doc], dst: Collection[Doc]) -> None:
    """Create on `dst` every secondary index `src` has."""
    for name, info in src.index_information().items():
        if name == "_id_":
            continue
        options = {k: info[k] for k in ("unique", "sparse") if info.get(k)}
        dst.create_index(list(info["key"]), name=name, **options)


def swap_in(live: Database[Doc], name: str, source: Collection[Doc]) -> int:
    """Make `live[name]` a copy of `source`, keeping the live indexes; the documents copied."""
    new, old = f"{name}__kabinet_new", f"{name}__kabinet_old"
    copied = copy_collection(source, live[new])
    copy_indexes(live[name], live[new])
    live[old].drop()
    try:
        if name in live.list_collection_names():
            live[name].rename(old)
        live[new].rename(name)
    except OperationFailure:  # renames unsupported, or a writer re-created `name` in between
        live[name].delete_many({})
        copy_docs(live[new], live[name])
        live[new].drop()
    live[old].drop()
    return copied


def backup(live: Database[Doc], target: Database[Doc], collections: Sequence[str]) -> None:
    """Copy the live collections (with their indexes) into the backup database."""
    for name in collections:
        copy_collection(live[name], target[name])
        copy_indexes(live[name], target[name])


def offsets_doc(offsets: dict[TopicPartition, int]) -> list[dict[str, Any]]:
    """Offsets in a form Mongo stores."""
    return [{"topic": tp.topic, "partition": tp.partition, "offset": o} for tp, o in sorted(offsets.items())]


def offsets_of(docs: list[dict[str, Any]]) -> dict[TopicPartition, int]:
    """Offsets back from `offsets_doc`."""
    return {TopicPartition(d["topic"], int(d["partition"])): int(d["offset"]) for d in docs}


def record(ops: Database[Doc], **fields: Any) -> None:
    """Remember a cutover (its `_id` is the backup database)."""
    ops[CUTOVERS].insert_one({**fields, "at": datetime.now(UTC), "state": "done"})


def latest(ops: Database[Doc], live_db: str, backup_db: str | None = None) -> Doc | None:
    """The newest cutover of `live_db` not yet rolled back (or the one named by its backup)."""
    query: dict[str, Any] = {"_id": backup_db} if backup_db else {"live_db": live_db, "state": "done"}
    return next(iter(ops[CUTOVERS].find(query).sort("at", -1).limit(1)), None)
