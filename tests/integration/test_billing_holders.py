"""Billing-link learns subscribers' personal data and confirmed phones from identity and verification."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from support import billing_runtime, drive

from billing_link.bootstrap import wire
from billing_link.consumers import CONSUMERS
from billing_link.domain import Person, holder_print
from billing_link.subscribers import SubscriberDirectory
from kabinet.contracts import REGISTRY, encode, new_envelope
from kabinet.contracts.topics import ACCOUNTS, VERIFICATION
from kabinet.runtime import Runtime
from kabinet.service import build_loop

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)


@pytest.fixture
def runtime(service_env: dict[str, str]) -> Iterator[Runtime]:
    with billing_runtime(service_env, ACCOUNTS, VERIFICATION) as rt:
        yield rt


@pytest.fixture
def loop(runtime: Runtime) -> Iterator[Any]:
    # subscribers are the projection consumer's; here it reads only identity's and verification's topics
    consumer, loop = build_loop(runtime, replace(CONSUMERS["projection"], topics=(ACCOUNTS, VERIFICATION)))
    yield loop
    consumer.close(autocommit=False)


@pytest.fixture
def subscribers(runtime: Runtime) -> SubscriberDirectory:
    return wire(runtime).subscribers


def publish(runtime: Runtime, event_type: str, stream_id: str, at: datetime = NOW, **payload: Any) -> None:
    spec = REGISTRY.latest(event_type)
    envelope = new_envelope(
        event_type, {**spec.example, **payload}, event_version=spec.version, producer=spec.producer,
        stream_id=stream_id, stream_version=1, correlation_id="c", occurred_at=at,
    )  # fmt: skip
    wire_msg = encode(envelope)
    topic = runtime.topic(spec.topic)
    runtime.producer().send(topic, key=wire_msg.key, value=wire_msg.value, headers=wire_msg.headers).get(10)


def confirmed(
    runtime: Runtime, account_id: str, phone: str, *, purpose: str = "registration", **kw: Any
) -> None:
    challenge = str(uuid.uuid4())
    publish(runtime, "ContactConfirmed", challenge, challenge_id=challenge, account_id=account_id,
            purpose=purpose, channel="sms", destination=phone, **kw)  # fmt: skip


def test_registration_and_a_confirmed_phone_make_a_subscriber_in_any_order(
    runtime: Runtime, loop: Any, subscribers: SubscriberDirectory
) -> None:
    account_id = str(uuid.uuid4())
    confirmed(runtime, account_id, "+79161234567")  # verification's topic may run ahead of identity's
    publish(runtime, "UserRegistered", account_id, account_id=account_id, last_name="Сидорова",
            first_name="Алёна", middle_name=None, birth_date="1990-01-31")  # fmt: skip

    sub = drive_until(loop, lambda: subscribers.get(account_id))
    she = Person("Сидорова", "Алёна", date(1990, 1, 31))
    assert sub.holder == holder_print(she, wire(runtime).directory.keys.digest)
    stored = runtime.db["subscribers"].find_one({"_id": account_id})
    assert "Сидорова" not in str(stored) and "last_name" not in stored  # digests only
    drive(loop, lambda: subscribers.get(account_id).confirmed_phone, what="the confirmed phone")  # type: ignore[union-attr]
    assert subscribers.get(account_id).confirmed_phone == "+79161234567"  # type: ignore[union-attr]


def test_an_older_confirmation_never_replaces_a_newer_phone(
    runtime: Runtime, loop: Any, subscribers: SubscriberDirectory
) -> None:
    account_id = str(uuid.uuid4())
    publish(runtime, "UserRegistered", account_id, account_id=account_id)
    confirmed(runtime, account_id, "+79990001122", purpose="contact_change", request_id=str(uuid.uuid4()))
    confirmed(runtime, account_id, "+79161234567", at=NOW - timedelta(days=1))
    drive(loop, lambda: loop.stats.handled >= 3, what="three events")
    assert subscribers.get(account_id).confirmed_phone == "+79990001122"  # type: ignore[union-attr]


def test_events_billing_link_does_not_use_are_ignored(
    runtime: Runtime, loop: Any, subscribers: SubscriberDirectory
) -> None:
    account_id = str(uuid.uuid4())
    publish(runtime, "PasswordChanged", account_id, account_id=account_id)
    publish(runtime, "ContactConfirmed", "ch", account_id=account_id, channel="email", destination="a@b.ru")
    publish(runtime, "UserRegistered", account_id, account_id=account_id)
    drive(loop, lambda: loop.stats.handled + loop.stats.skipped >= 3, what="three events")
    assert loop.stats.skipped == 1  # PasswordChanged: passed by on its type, never decoded
    sub = subscribers.get(account_id)
    assert sub is not None and sub.confirmed_phone is None
    assert loop.stats.dead_lettered == 0


def test_the_language_the_subscriber_chooses_is_the_one_low_balance_notices_speak(
    runtime: Runtime, loop: Any, subscribers: SubscriberDirectory
) -> None:
    account_id = str(uuid.uuid4())
    publish(runtime, "UserRegistered", account_id, account_id=account_id, locale="ru")
    assert drive_until(loop, lambda: subscribers.get(account_id)).locale == "ru"
    publish(runtime, "NotificationSettingsChanged", account_id, account_id=account_id, locale="en")
    drive(loop, lambda: subscribers.get(account_id).locale == "en", what="the chosen language")  # type: ignore[union-attr]


def drive_until(loop: Any, probe: Any) -> Any:
    found: list[Any] = []
    drive(loop, lambda: found.append(probe()) or found[-1], what="the subscriber")
    return found[-1]


def test_a_subscriber_stored_with_plain_names_is_converted_to_digests_at_set_up(
    runtime: Runtime, subscribers: SubscriberDirectory
) -> None:
    from billing_link.bootstrap import setup

    account_id = str(uuid.uuid4())
    plain = {"last_name": "Сидорова", "first_name": "Алёна", "middle_name": None, "birth_date": "1990-01-31"}
    runtime.db["subscribers"].insert_one({"_id": account_id, **plain, "locale": "ru"})  # as written before
    before = subscribers.get(account_id)
    setup(runtime)
    stored = runtime.db["subscribers"].find_one({"_id": account_id})
    assert "Сидорова" not in str(stored) and "last_name" not in stored
    assert subscribers.get(account_id) == before  # the same print, read either way
    assert before is not None and before.holder == holder_print(
        Person("Сидорова", "Алёна", date(1990, 1, 31)), wire(runtime).directory.keys.digest
    )
