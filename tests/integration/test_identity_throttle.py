"""The sign-in throttle's counters in the real Mongo: back-off, ASVS V2.2.1's bound, window reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from identity.config import Throttling
from identity.throttle import Throttle, Throttled

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def throttle(db):
    return Throttle(db["throttle"], Throttling())


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
