"""Tombstones of erased subjects in a service's own database (`erased_subjects`).

Each service marks a subject when it consumes AccountErased, in the same handler that
drops the subject's data, and refuses to write about that subject again: events from
other topics may still arrive after it (or be replayed), and must not bring data back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pymongo.database import Database

from kabinet.mongo import Doc, upsert_one


def write_unless_erased(
    is_erased: Callable[[str], bool], subject: str, write: Callable[[], None], undo: Callable[[], None]
) -> bool:
    """`write` about `subject` unless `is_erased` says it is; whether it stays written.

    An erasure may land between the check and the write (another lane or instance handles
    AccountErased beside this event, and dropped the subject's data just before `write`):
    the erasure marks its tombstone before that drop, so a second look after the write finds
    it, and `undo` removes what the write brought back.
    """
    if is_erased(subject):
        return False
    write()
    if is_erased(subject):
        undo()
        return False
    return True


class ErasedSubjects:
    """Which subjects were erased (positives are cached: an erasure is forever)."""

    def __init__(self, db: Database[Doc], collection: str = "erased_subjects") -> None:
        self._coll = db[collection]
        self._known: set[str] = set()

    def mark(self, subject: str, at: datetime | None = None) -> None:
        """Record the erasure (idempotent)."""
        when = {"$setOnInsert": {"erased_at": at or datetime.now(UTC)}}
        upsert_one(self._coll, {"_id": subject}, when)
        self._known.add(subject)

    def __contains__(self, subject: object) -> bool:
        if not isinstance(subject, str) or not subject:
            return False
        if subject in self._known:
            return True
        if self._coll.find_one({"_id": subject}, projection=["_id"]) is not None:
            self._known.add(subject)
            return True
        return False

    def write_unless_erased(self, subject: str, write: Callable[[], None], undo: Callable[[], None]) -> bool:
        """`write` about `subject` unless it is erased, looking again after it (see the function)."""
        return write_unless_erased(self.__contains__, subject, write, undo)
