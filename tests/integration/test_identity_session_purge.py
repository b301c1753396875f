"""Housekeeping deletes sessions and refresh tokens once they have expired, and nothing live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from identity.housekeep import main as housekeep
from identity.sessions import RefreshInvalid, RefreshReused, SessionStore

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(days=30)


@pytest.fixture
def store(db):
    s = SessionStore(db, refresh_ttl=TTL)
    s.create_indexes()
    return s


def test_expired_sessions_and_tokens_go_and_live_ones_keep_working(store, db):
    forgotten = store.open("acc-1", now=T0)  # never refreshed: expires at T0 + 30 days
    kept_alive = store.open("acc-1", now=T0)
    newest = store.rotate(kept_alive.refresh_token, now=T0 + timedelta(days=20))
    signed_out = store.open("acc-1", now=T0 + timedelta(days=25))
    store.revoke(signed_out.session_id, now=T0 + timedelta(days=25))

    now = T0 + timedelta(days=31)
    assert store.purge_expired(now=now) == {"sessions": 1, "refresh_tokens": 0}
    assert db["sessions"].find_one({"_id": forgotten.session_id}) is None
    with pytest.raises(RefreshInvalid):
        store.rotate(forgotten.refresh_token, now=now)

    # started as long ago, but refreshed since: it lives on, and so does its token
    assert store.owner(kept_alive.session_id) == "acc-1"
    later = store.rotate(newest.refresh_token, now=now)
    # ended early, yet kept until it expires: its spent first token still reads as a reuse
    with pytest.raises(RefreshReused):
        store.rotate(kept_alive.refresh_token, now=now)

    gone = store.purge_expired(now=now + timedelta(days=31))
    assert gone == {"sessions": 2, "refresh_tokens": 2}  # the two rotated tokens with their session
    assert db["sessions"].count_documents({}) == 0 and db["refresh_tokens"].count_documents({}) == 0
    with pytest.raises(RefreshInvalid):
        store.rotate(later.refresh_token, now=now + timedelta(days=31))


def test_a_session_from_before_expiry_was_kept_expires_a_ttl_after_its_start(store, db):
    for sid, started in (("old", T0), ("recent", T0 + timedelta(days=5))):
        db["sessions"].insert_one({"_id": sid, "account_id": "a", "created_at": started, "revoked_at": None})
    assert store.purge_expired(now=T0 + timedelta(days=32))["sessions"] == 1
    assert [d["_id"] for d in db["sessions"].find()] == ["recent"]


def test_the_housekeep_command_purges_the_services_expired_sessions(service_env, mongo_client, capsys):
    store = SessionStore(mongo_client[service_env["MONGO_DB"]], refresh_ttl=TTL)
    expired = store.open("acc-3", now=datetime.now(UTC) - timedelta(days=40))
    live = store.open("acc-3")
    assert housekeep([], env=service_env) == 0
    assert '"sessions": 1' in capsys.readouterr().out
    assert store.owner(expired.session_id) is None and store.owner(live.session_id) == "acc-3"
