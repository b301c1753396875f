"""Registration quotas in the real Mongo (SMS pumping): per client address, per phone, per email."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from identity_support import random_mobile, registration, settings_for

from identity.app import create_app
from identity.config import Throttling
from identity.throttle import Throttle, Throttled

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(service_env):
    return settings_for(
        service_env,
        IDENTITY_THROTTLE_REGISTRATIONS_PER_IP="3",
        IDENTITY_THROTTLE_REGISTRATIONS_PER_CONTACT="2",
    )


def post(app, body, ip):
    return app.test_client().post("/api/v1/registrations", json=body, environ_base={"REMOTE_ADDR": ip})


def registered(runtime) -> int:
    return sum(1 for e in runtime.store.all() if e.event_type == "UserRegistered")


def test_a_quota_counts_every_attempt_in_a_fixed_window(db):
    throttle = Throttle(db["throttle"], Throttling())

    def take(now):
        throttle.take("registration-ip:203.0.113.1", limit=3, window_seconds=600, reason="r", now=now)

    for minute in range(3):
        take(T0 + timedelta(minutes=minute))
    with pytest.raises(Throttled) as refused:
        take(T0 + timedelta(minutes=4))
    assert (refused.value.retry_after, refused.value.reason) == (360, "r")  # until T0 + 10 min
    with pytest.raises(Throttled):
        take(T0 + timedelta(minutes=9))  # refused attempts do not extend the window
    take(T0 + timedelta(minutes=10))  # a new window
    take(T0 + timedelta(minutes=11))


def test_one_address_is_refused_past_its_quota_on_every_worker_and_another_still_registers(settings, runtime):
    workers = [create_app(settings), create_app(settings)]  # counters are shared through Mongo
    for n in range(3):
        assert post(workers[n % 2], registration(), "203.0.113.5").status_code == 201
    refused = post(workers[1], registration(), "203.0.113.5")
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    problem = refused.json
    assert problem["type"].endswith("/too-many-attempts") and problem["reason"] == "registrations-per-ip"
    assert (
        1 <= problem["retry_after"] <= 600 and int(refused.headers["Retry-After"]) == problem["retry_after"]
    )
    assert "from this address" in problem["detail"]
    assert registered(runtime) == 3
    assert post(workers[0], registration(), "203.0.113.6").status_code == 201
    assert registered(runtime) == 4


@pytest.mark.parametrize("kind", ["phone", "email"])
def test_one_phone_or_email_is_refused_past_its_quota_from_any_address(settings, runtime, kind):
    app = create_app(settings)
    same = {"phone": random_mobile()} if kind == "phone" else {"email": "Pumped.Victim@example.ru"}
    for n in range(2):
        assert post(app, registration(**same), f"198.51.100.{n + 1}").status_code == 201
    refused = post(app, registration(**same), "198.51.100.77")
    assert refused.status_code == 429 and refused.json["reason"] == f"registrations-per-{kind}"
    assert post(app, registration(), "198.51.100.77").status_code == 201  # other contacts still pass
    stored = " ".join(doc["_id"] for doc in runtime.db["throttle"].find())
    clear = "".join(filter(str.isdigit, same["phone"]))[1:] if kind == "phone" else "pumped"
    assert clear not in stored.casefold()  # keyed digests, no contact in clear


def test_first_attempts_racing_on_a_new_key_never_fail(db):
    throttle = Throttle(db["throttle"], Throttling())
    errors: list[BaseException] = []

    def attempt(key: str, barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            throttle.take(key, limit=1000, window_seconds=600, reason="r")
        except BaseException as exc:  # a duplicate-key error of the racing upserts would land here
            errors.append(exc)

    for n in range(5):
        key, barrier = f"registration-ip:192.0.2.{n}", threading.Barrier(8)
        threads = [threading.Thread(target=attempt, args=(key, barrier)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        # all counted on MongoDB; FerretDB v1 may lose racing increments, never the document
        assert errors == [] and 1 <= db["throttle"].find_one({"_id": key})["failures"] <= 8
