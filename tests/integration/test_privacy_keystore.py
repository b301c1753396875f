"""The Mongo key store on the real server: subject keys wrapped by the master key, destroyed on
erasure, and master-key rotation that re-wraps every subject key while readers keep reading."""

from __future__ import annotations

import threading
import uuid

import pytest

from kabinet.privacy.crypto import new_key, seal, unseal
from kabinet.privacy.keystore import TOGETHER, MongoKeyStore
from kabinet.privacy.master import MasterKeyring, UnknownMasterKey

pytestmark = pytest.mark.integration
OLD, NEW = MasterKeyring.entry("m1", new_key()), MasterKeyring.entry("m2", new_key())


def store(db, *entries: str, cache: float = 0.0) -> MongoKeyStore:
    keys = MongoKeyStore(db["subject_keys"], MasterKeyring.parse(",".join(entries)), cache_seconds=cache)
    keys.create_indexes()
    return keys


def test_subject_keys_are_stored_wrapped_and_shared_by_every_process(db):
    writer, reader = store(db, OLD), store(db, OLD)
    subject = str(uuid.uuid4())
    key = writer.key_for(subject, "account")
    assert key is not None and reader.existing(subject, "account") == key
    doc = db["subject_keys"].find_one({"subject": subject})
    assert doc["master_kid"] == "m1" and key.hex() not in str(doc)


def test_destroying_a_subject_leaves_no_key_material_and_no_new_key_is_made(db):
    keys = store(db, OLD)
    subject = str(uuid.uuid4())
    keys.key_for(subject, "account")
    keys.key_for(subject, "security")
    destroyed = keys.destroy(subject)
    assert {(k.purpose, k.existed) for k in destroyed} == {(p, True) for p in TOGETHER}
    assert keys.existing(subject, "account") is None
    assert keys.key_for(subject, "secret") is None
    assert not list(db["subject_keys"].find({"subject": subject, "wrapped": {"$exists": True}}))
    assert keys.is_erased(subject)


def test_master_key_rotation_re_wraps_every_subject_key_while_readers_keep_reading(db):
    before = store(db, OLD)
    subjects = [str(uuid.uuid4()) for _ in range(60)]
    sealed = {}
    for s in subjects:
        key = before.key_for(s, "account")
        assert key is not None
        sealed[s] = seal(key, subject=s, purpose="account", value=f"phone of {s}")

    # step 1: every process learns the new key (not yet used), step 2: the new key goes first
    reader = store(db, OLD, NEW)
    rotator = store(db, NEW, OLD)
    failures: list[BaseException] = []
    stop = threading.Event()

    def keep_reading() -> None:
        while not stop.is_set():
            for s in subjects:
                try:
                    key = reader.existing(s, "account")
                    assert key is not None and unseal(key, sealed[s]) == f"phone of {s}"
                except BaseException as exc:
                    failures.append(exc)

    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        assert rotator.rotate(batch=7) == len(subjects) * len(TOGETHER)  # step 3: re-wrap every key
    finally:
        stop.set()
        thread.join()
    assert failures == []
    assert rotator.count_by_master().get("m1", 0) == 0

    only_new = store(db, NEW)  # step 4: the old master key is gone
    for s in subjects:
        key = only_new.existing(s, "account")
        assert key is not None and unseal(key, sealed[s]) == f"phone of {s}"
    with pytest.raises(UnknownMasterKey):
        store(db, OLD).existing(subjects[0], "account")
    assert rotator.rotate() == 0  # nothing left to do


def test_the_first_key_of_a_subject_brings_its_siblings_in_the_same_write(db):
    identity, verification = store(db, OLD), store(db, OLD, cache=60.0)
    subject = str(uuid.uuid4())
    account_key = identity.key_for(subject, "account")  # registration seals the profile
    assert verification.existing(subject, "account") == account_key  # verification opens it: one read

    def no_more_round_trips(*_a: object, **_k: object) -> None:
        raise AssertionError("the code key should come from the read that opened the registration")

    verification._coll = no_more_round_trips  # type: ignore[assignment]
    secret = verification.key_for(subject, "secret")  # a code is sealed
    assert secret is not None and secret != account_key
    assert identity.existing(subject, "secret") == secret
    assert {d["purpose"] for d in db["subject_keys"].find({"subject": subject})} == set(TOGETHER)


def test_a_purpose_outside_the_family_is_made_alone(db):
    keys = store(db, OLD)
    keys.key_for("billing-link", "index")  # the blind-index key of a service
    assert [d["purpose"] for d in db["subject_keys"].find({"subject": "billing-link"})] == ["index"]
