"""The sign-in throttle's counters in the real Mongo: back-off, ASVS V2.2.1's bound, window reset,
keyed ids (no address or login in clear), removal of expired documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from identity.config import Throttling
from identity.housekeep import main as housekeep
from identity.throttle import Throttle, Throttled
from kabinet.privacy.blind import BlindIndex

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def throttle(db):
    return Throttle(db["throttle"], Throttling(), BlindIndex(b"integration-test-key", "throttle"))


def test_an_attacker_retrying_as_soon_as_allowed_gets_far_under_100_tries_an_hour(throttle):
    now, tries = T0, 0
    while now < T0 + timedelta(hours=1):
        try:
            throttle.check(["login:victim"], now=now)
        except Throttled as wait:
            now += timedelta(seconds=wait.retry_after)
            continue
        throttle.fail("login:victim", free=5, now=now)
        tries += 1
    assert 5 < tries <= 25  # ASVS V2.2.1: never more than 100 an hour


def test_the_lock_grows_exponentially_up_to_the_cap(throttle):
    waits = []
    for n in range(20):
        failure = throttle.fail("login:x", free=5, now=T0)
        if failure.locked_until:
            waits.append((failure.locked_until - T0).total_seconds())
        assert failure.newly_locked == (n == 4)
    assert waits[:4] == [1, 2, 4, 8] and max(waits) == 900


def test_a_success_or_a_quiet_hour_forgets_the_failures(throttle):
    for _ in range(5):
        throttle.fail("login:y", free=5, now=T0)
    with pytest.raises(Throttled):
        throttle.check(["login:y", "ip:203.0.113.9"], now=T0)
    later = throttle.fail("login:y", free=5, now=T0 + timedelta(hours=2))
    assert later.failures == 1 and later.locked_until is None
    throttle.clear("login:y")
    throttle.check(["login:y"], now=T0)


def test_documents_are_stored_under_keyed_digests_of_their_keys(throttle, db):
    for _ in range(20):
        throttle.fail("ip:203.0.113.9", free=20, now=T0)
    throttle.fail("login:victim.login", free=5, now=T0)
    throttle.take("registration-ip:2001:db8::7", limit=5, window_seconds=600, reason="r", now=T0)
    ids = [doc["_id"] for doc in db["throttle"].find()]
    assert sorted(i.split(":", 1)[0] for i in ids) == ["ip", "login", "registration-ip"]
    stored = " ".join(ids)
    assert "203.0.113.9" not in stored and "victim" not in stored and "2001:db8" not in stored
    with pytest.raises(Throttled):  # the digest finds the same document again
        throttle.check(["ip:203.0.113.9"], now=T0)
    other_key = Throttle(db["throttle"], Throttling(), BlindIndex(b"another-key", "throttle"))
    other_key.check(["ip:203.0.113.9"], now=T0)  # digests under another key name other documents


def test_expired_documents_are_deleted_and_live_ones_kept(throttle, db):
    for _ in range(30):
        throttle.fail("login:locked", free=5, now=T0)  # window over soon, but locked until T0 + 15 min
    throttle.fail("ip:198.51.100.1", free=20, now=T0)  # window over, never locked
    throttle.fail("ip:198.51.100.2", free=20, now=T0 + timedelta(minutes=8))  # window still running
    window = timedelta(minutes=5)
    assert throttle.purge_expired(older_than=window, now=T0 + timedelta(minutes=10)) == 1
    assert db["throttle"].count_documents({}) == 2
    with pytest.raises(Throttled):
        throttle.check(["login:locked"], now=T0 + timedelta(minutes=10))  # the lock survived
    assert throttle.purge_expired(older_than=window, now=T0 + timedelta(minutes=20)) == 2
    assert db["throttle"].count_documents({}) == 0


def test_the_housekeep_command_deletes_expired_documents_of_the_service(service_env, mongo_client, capsys):
    coll = mongo_client[service_env["MONGO_DB"]]["throttle"]
    throttle = Throttle(coll, Throttling(), BlindIndex(b"integration-test-key", "throttle"))
    throttle.fail("ip:192.0.2.1", free=20, now=datetime.now(UTC) - timedelta(days=2))
    throttle.take("registration-email:x", limit=5, window_seconds=3600, reason="r")  # a running window
    assert housekeep([], env=service_env) == 0
    assert '"throttle": 1' in capsys.readouterr().out
    assert [d["_id"].split(":")[0] for d in coll.find()] == ["registration-email"]
