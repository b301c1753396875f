"""Canonical hashing and diffs of projection documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from kabinet.ops.compare import (
    canonical,
    collection_hash,
    diff_prints,
    field_changes,
    fingerprints,
    first_difference,
    strip,
)


def doc(**overrides):
    return {
        "_id": "account-1",
        "_version": 3,
        "status": "active",
        "phone": {"value": "+79161234567"},
        **overrides,
    }


def test_key_order_and_time_zones_do_not_change_the_canonical_form():
    moment = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)
    same_moment = moment.astimezone(timezone(timedelta(hours=3)))
    a = {"b": 1, "a": {"y": moment, "x": 2.0}}
    b = {"a": {"x": 2, "y": same_moment}, "b": 1}
    assert canonical(a) == canonical(b)


def test_bookkeeping_fields_are_left_out_but_id_and_version_kept():
    stamped = doc(_applied_at=datetime.now(UTC), _offset=17)
    assert strip(stamped) == doc()
    assert strip(doc(seen={"at": 1, "by": "x"}), ignore=["seen.at"]) == doc(seen={"by": "x"})


def test_a_collection_hash_ignores_document_order_and_bookkeeping():
    one = fingerprints([doc(), doc(_id="account-2", _offset=1)])
    two = fingerprints([doc(_id="account-2", _offset=99), doc()])
    assert collection_hash(one) == collection_hash(two)
    assert collection_hash(one) != collection_hash(fingerprints([doc(status="locked"), doc(_id="account-2")]))


def test_a_diff_names_missing_and_changed_documents():
    live = fingerprints([doc(), doc(_id="account-2"), doc(_id="account-3")])
    shadow = fingerprints([doc(status="locked"), doc(_id="account-2"), doc(_id="account-4")])
    d = diff_prints("accounts", live, shadow)
    assert (d.only_live, d.only_shadow, d.changed) == (['"account-3"'], ['"account-4"'], ['"account-1"'])
    assert d.differences == 3
    assert first_difference(live, shadow) == '"account-1"'
    assert first_difference(live, live) is None


def test_field_changes_are_reported_by_dotted_path():
    changes = field_changes(doc(), doc(phone={"value": "+79160000000"}, extra=1))
    assert changes == {
        "extra": {"live": None, "shadow": 1},
        "phone.value": {"live": "+79161234567", "shadow": "+79160000000"},
    }
