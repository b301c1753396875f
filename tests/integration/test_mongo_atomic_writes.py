"""Single-document writes stay atomic with writers side by side, as on MongoDB.

FerretDB v1 reads, changes in Go and writes back with nothing in between, so racing writers
lost increments and two claims of one document both won; deploy/ferretdb/patches/0002 locks
each write from its read to its write. These tests hold on any MongoDB-protocol server.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kabinet.mongo import insert_new, upsert_one

pytestmark = pytest.mark.integration
WRITERS = 8


def side_by_side(work: Any) -> list[BaseException]:
    """Run `work(i)` on WRITERS threads released together; the errors they raised."""
    start, errors = threading.Barrier(WRITERS), []

    def run(i: int) -> None:
        start.wait()
        try:
            work(i)
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_writers_upserting_one_new_document_at_once_all_land(db: Any) -> None:
    coll = db["race"]
    for round_ in range(10):  # the race is a matter of timing: give it many chances
        doc_id = f"doc-{round_}"
        errors = side_by_side(lambda i, d=doc_id: upsert_one(coll, {"_id": d}, {"$set": {f"f{i}": i}}))
        assert errors == []
        assert coll.find_one({"_id": doc_id}) == {"_id": doc_id, **{f"f{i}": i for i in range(WRITERS)}}


def test_a_conditional_upsert_leaves_a_newer_document_alone(db: Any) -> None:
    coll = db["race"]
    coll.insert_one({"_id": "phone", "at": 5, "value": "newer"})
    older = {"$or": [{"at": {"$lt": 3}}, {"at": {"$exists": False}}]}
    assert upsert_one(coll, {"_id": "phone", **older}, {"$set": {"at": 3, "value": "older"}}) is False
    assert coll.find_one({"_id": "phone"})["value"] == "newer"
    assert upsert_one(coll, {"_id": "fresh", **older}, {"$set": {"at": 3, "value": "first"}}) is True


def test_concurrent_increments_of_one_document_are_all_counted(db: Any) -> None:
    coll = db["race"]
    for round_ in range(10):
        doc_id = f"counter-{round_}"
        coll.insert_one({"_id": doc_id, "n": 0})
        assert side_by_side(lambda _i, d=doc_id: coll.update_one({"_id": d}, {"$inc": {"n": 1}})) == []
        assert coll.find_one({"_id": doc_id})["n"] == WRITERS


def test_one_claim_of_a_document_wins_however_many_race_for_it(db: Any) -> None:
    coll = db["race"]
    for round_ in range(10):
        doc_id = f"token-{round_}"
        coll.insert_one({"_id": doc_id, "spent_by": None})
        winners: list[int] = []

        def claim(i: int, d: str = doc_id, winners: list[int] = winners) -> None:
            if coll.find_one_and_update({"_id": d, "spent_by": None}, {"$set": {"spent_by": i}}) is not None:
                winners.append(i)

        assert side_by_side(claim) == []
        assert len(winners) == 1
        assert coll.find_one({"_id": doc_id})["spent_by"] == winners[0]


def test_a_conditional_update_by_another_field_is_atomic_too(db: Any) -> None:
    coll = db["race"]
    coll.insert_many([{"_id": f"lease-{i}", "group": "g", "holder": None} for i in range(3)])
    winners: list[int] = []

    def take(i: int) -> None:  # no `_id` in the filter: the whole collection is locked
        if coll.update_one({"group": "g", "holder": None}, {"$set": {"holder": i}}).modified_count:
            winners.append(i)

    assert side_by_side(take) == []
    assert len(winners) == 3
    assert sorted(d["holder"] for d in coll.find({"group": "g"})) == sorted(winners)


def test_insert_new_adds_what_is_missing_and_skips_what_exists(db: Any) -> None:
    coll = db["sends"]
    coll.insert_one({"_id": "a", "v": "first"})
    assert insert_new(coll, [{"_id": "a", "v": "again"}, {"_id": "b", "v": 1}, {"_id": "c", "v": 2}]) == 2
    assert insert_new(coll, [{"_id": "b", "v": "again"}]) == 0
    assert {d["_id"]: d["v"] for d in coll.find()} == {"a": "first", "b": 1, "c": 2}
