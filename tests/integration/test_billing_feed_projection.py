"""The billing feed builds billing-link's directory on the real broker and database.

Redelivered and replayed messages change nothing, an older message never overwrites a
newer one, and malformed messages go to the dead-letter topic while the feed goes on.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from support import billing_runtime, drive, read_topic

from billing_link.bootstrap import wire
from billing_link.consumers import CONSUMERS
from billing_link.domain import Service
from kabinet.contracts import REGISTRY, Envelope, decode, encode, new_envelope
from kabinet.contracts.topics import BILLING_FEED, dlq
from kabinet.runtime import Runtime
from kabinet.service import build_loop

pytestmark = pytest.mark.integration


class Feed:
    """The operator's billing system, as far as the tests need it."""

    def __init__(self, runtime: Runtime) -> None:
        self.topic = runtime.topic(BILLING_FEED)
        self._producer = runtime.producer()

    def publish(self, event_type: str, payload: dict[str, Any], key: str | None = None) -> Any:
        return self.put(feed_event(event_type, payload), key)

    def put(self, envelope: Envelope, key: str | None = None) -> Any:
        wire_msg = encode(envelope)
        return self.send((key or envelope.stream_id).encode(), wire_msg.value, wire_msg.headers)

    def send(self, key: bytes, value: bytes, headers: list[tuple[str, bytes]] | None = None) -> Any:
        return self._producer.send(self.topic, key=key, value=value, headers=headers or []).get(timeout=10)


def feed_event(event_type: str, payload: dict[str, Any]) -> Envelope:
    return new_envelope(
        event_type, payload, event_version=1, producer="billing",
        stream_id=payload["account_number"], stream_version=1, correlation_id="billing-export",
    )  # fmt: skip


def balance_changed(number: str, amount: str) -> Envelope:
    payload = {"account_number": number, "balance": {"amount": amount, "currency": "RUB"}, "reason": "charge"}
    return feed_event("BalanceChanged", payload)


def account(**overrides: Any) -> dict[str, Any]:
    number = str(random.randrange(10**11, 10**12))
    base = dict(REGISTRY.latest("BillingAccountUpserted").example)
    return {**base, "account_number": number, **overrides}


@pytest.fixture
def runtime(service_env: dict[str, str]) -> Iterator[Runtime]:
    with billing_runtime(service_env, BILLING_FEED) as rt:
        yield rt


@pytest.fixture
def feed(runtime: Runtime) -> Feed:
    return Feed(runtime)


@pytest.fixture
def loop(runtime: Runtime) -> Iterator[Any]:
    # the directory is the projection consumer's; here it reads only the feed
    consumer, loop = build_loop(runtime, replace(CONSUMERS["projection"], topics=(BILLING_FEED,)))
    loop.consumer = consumer
    yield loop
    consumer.close(autocommit=False)


def test_feed_events_build_the_directory(runtime: Runtime, feed: Feed, loop: Any) -> None:
    mobile = account(service_type="mobile", identifiers=["+79031112233"], region="RU-SPE")
    feed.publish("BillingAccountUpserted", mobile)
    feed.put(balance_changed(mobile["account_number"], "-12.00"))
    feed.publish("AccountStatusChanged", {"account_number": mobile["account_number"], "status": "suspended"})
    directory = wire(runtime).directory
    drive(loop, lambda: loop.stats.handled >= 3, what="three feed events")

    doc = directory.doc(mobile["account_number"])
    assert doc is not None
    assert (doc["balance"], doc["status"], doc["plan"]) == (
        {"amount": "-12.00", "currency": "RUB"}, "suspended", mobile["plan"],
    )  # fmt: skip
    found = directory.find(Service("RU-SPE", "mobile", "+79031112233"))
    assert found is not None and found.account_number == mobile["account_number"]


def test_a_replayed_feed_changes_nothing(runtime: Runtime, feed: Feed, loop: Any) -> None:
    acc = account()
    feed.publish("BillingAccountUpserted", acc)
    feed.put(balance_changed(acc["account_number"], "7.00"))
    directory = wire(runtime).directory
    drive(loop, lambda: loop.stats.handled >= 2, what="two feed events")
    before = directory.doc(acc["account_number"])

    loop.consumer.seek_to_beginning()  # an operator's replay, or a redelivery after a crash
    drive(loop, lambda: loop.stats.handled >= 4, what="the same two events again")
    assert directory.doc(acc["account_number"]) == before


def test_an_older_message_never_overwrites_a_newer_one(runtime: Runtime, feed: Feed, loop: Any) -> None:
    acc = account(balance={"amount": "100.00", "currency": "RUB"})
    feed.publish("BillingAccountUpserted", acc)
    feed.put(balance_changed(acc["account_number"], "50.00"))
    drive(loop, lambda: loop.stats.handled >= 2, what="two feed events")
    records = read_topic(runtime.infra.kafka_bootstrap, feed.topic, expect=2)
    upsert = next(r for r in records if decode(r.value).event_type == "BillingAccountUpserted")

    w = wire(runtime)
    handler = CONSUMERS["projection"].build(runtime)
    handler(decode(upsert.value), upsert)  # the upsert again, after the balance change
    doc = w.directory.doc(acc["account_number"])
    assert doc is not None and doc["balance"]["amount"] == "50.00"


def test_malformed_feed_messages_go_to_the_dlq_and_the_feed_goes_on(
    runtime: Runtime, feed: Feed, loop: Any
) -> None:
    good = account()
    feed.send(good["account_number"].encode(), b"{not json")
    bad_amount = json.loads(encode(balance_changed(good["account_number"], "1.00")).value)
    bad_amount["payload"]["balance"]["amount"] = "1"  # not a decimal with two places
    feed.send(good["account_number"].encode(), json.dumps(bad_amount).encode())
    feed.publish("BillingAccountUpserted", good, key="someone-else")  # breaks per-key order: poison
    feed.publish("BillingAccountUpserted", good)
    directory = wire(runtime).directory
    drive(loop, lambda: directory.doc(good["account_number"]), what="the good upsert")

    assert loop.stats.dead_lettered == 3
    dead = read_topic(runtime.infra.kafka_bootstrap, dlq(feed.topic), expect=3)
    errors = sorted(dict(r.headers)["dlq_error"].decode().split(":")[0] for r in dead)
    assert errors == ["DecodeError", "DecodeError", "Poison"]
