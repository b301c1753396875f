"""Erasure tombstones on the real server: a write racing an erasure does not outlive it."""

from __future__ import annotations

import pytest

from kabinet.privacy.erased import ErasedSubjects

pytestmark = pytest.mark.integration


def test_a_write_about_an_erased_subject_is_refused(db):
    erased = ErasedSubjects(db)
    erased.mark("acc-1")

    kept = erased.write_unless_erased("acc-1", lambda: db.links.insert_one({"_id": "l1"}), lambda: None)

    assert not kept and db.links.count_documents({}) == 0


def test_an_erasure_landing_between_the_check_and_the_write_undoes_the_write(db):
    erased = ErasedSubjects(db)
    other_lane = ErasedSubjects(db)  # another lane or instance handling AccountErased meanwhile

    def write() -> None:
        other_lane.mark("acc-1")
        db.links.delete_many({"account": "acc-1"})  # the erasure drops what was there
        db.links.insert_one({"_id": "l1", "account": "acc-1"})  # then this write lands

    kept = erased.write_unless_erased("acc-1", write, lambda: db.links.delete_one({"_id": "l1"}))

    assert not kept
    assert db.links.count_documents({"account": "acc-1"}) == 0


def test_a_write_about_a_live_subject_stays(db):
    erased = ErasedSubjects(db)

    kept = erased.write_unless_erased("acc-2", lambda: db.links.insert_one({"_id": "l2"}), lambda: None)

    assert kept and db.links.count_documents({"_id": "l2"}) == 1
