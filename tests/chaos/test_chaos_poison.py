"""Poison messages on every consumed topic go to `<topic>.dlq` (once per consumer group); consumers go on.

Three kinds per topic: bytes that are not JSON, an envelope missing its fields, and a known
event type whose payload breaks its contract; on the billing feed also a valid record under a
key that is not its account number. Then fresh, valid traffic still flows on every topic
(a registration and a feed record between bursts: a group that handles only a few event
types, as the gateway's service view does, would otherwise see ten dead letters in a row
across its topics and stop by design).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

import pytest
import requests
from chaos import checks
from chaos.people import subscriber
from support import wait_for

from billing_link.consumers import CONSUMERS as BILLING_LINK
from identity.consumers import CONSUMERS as IDENTITY
from kabinet import kafka as kafka_clients
from kabinet.contracts import REGISTRY, encode, new_envelope, topics
from notifier.consumers import CONSUMERS as NOTIFIER
from verification.consumers import CONSUMERS as VERIFICATION

pytestmark = pytest.mark.e2e
CONSUMED = (topics.ACCOUNTS, topics.VERIFICATION, topics.SERVICES, topics.BILLING_FEED)
SPECS = [*IDENTITY.values(), *VERIFICATION.values(), *BILLING_LINK.values(), *NOTIFIER.values()]


def groups_reading(topic: str, prefix: str) -> set[str]:
    return {prefix + s.group_id for s in SPECS if topic in s.topics}


def broken_contract(topic: str) -> dict[str, Any]:
    """An envelope of a type this topic carries whose payload violates the contract."""
    spec = next(s for s in REGISTRY if s.topic == topic)
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": spec.event_type,
        "event_version": spec.version,
        "occurred_at": "2026-01-01T00:00:00Z",
        "producer": "chaos",
        "stream_id": "poison",
        "stream_version": 1,
        "correlation_id": str(uuid.uuid4()),
        "causation_id": None,
        "payload": {"account_id": {"$ne": None}, "unexpected": ["x"] * 3},
    }


def poison(topic: str) -> list[bytes]:
    return [
        b"\x00\xffnot json at all",
        json.dumps({"event_type": "UserRegistered", "payload": {}}).encode(),
        json.dumps(broken_contract(topic)).encode(),
    ]


def test_poison_goes_to_the_dead_letter_topics_and_consumers_keep_going(chaos_suite, mongo_client):
    suite = chaos_suite
    bootstrap = suite.env["KAFKA_BOOTSTRAP_SERVERS"]
    restarts_before = {n: c for n, c in suite.restarts.items() if n.endswith("-consume")}
    expected: Counter[tuple[str, str]] = Counter()

    def dead_letters() -> Counter[tuple[str, str]]:
        got: Counter[tuple[str, str]] = Counter()
        for t in CONSUMED:
            for r in checks.read_all(bootstrap, suite.topic(t) + ".dlq"):
                h = {k: v.decode() for k, v in r.headers}
                got[(h["dlq_origin_topic"], h["dlq_consumer_group"])] += 1
        return got

    def valid_traffic_flows() -> None:  # a registration's code travels three topics; a feed record one
        feed_record(producer, suite.topic(topics.BILLING_FEED), str(uuid.uuid4().int)[:12])
        person = subscriber()
        created = requests.post(f"{suite.gateway}/api/v1/registrations", json=person, timeout=30)
        assert created.status_code == 201
        wait_for(lambda: suite.messages(person["phone"]), timeout=90, what="a code sent after the poison")

    producer = kafka_clients.producer(bootstrap, client_id="chaos-poison")
    try:
        for topic in CONSUMED:
            for value in poison(topic):
                producer.send(suite.topic(topic), key=b"poison", value=value).get(timeout=30)
                for group in groups_reading(topic, suite.topic_prefix):
                    expected[(suite.topic(topic), group)] += 1
            if topic == topics.BILLING_FEED:
                feed_record(producer, suite.topic(topic), "700000000001", key=b"not-the-account")
                for group in groups_reading(topic, suite.topic_prefix) - {
                    suite.topic_prefix + "identity.numbers"
                }:
                    expected[(suite.topic(topic), group)] += 1  # billing-link's feed and projection consumers
                feed_record(producer, suite.topic(topic), "700000000002")
            # each consumer handles valid messages between the bursts (ten dead letters in a
            # row stop a consumer by design: that smells like a bug, not like bad data)
            try:
                wait_for(lambda: dead_letters() == expected, timeout=60, every=1.0)
            except AssertionError:
                missing, extra = expected - dead_letters(), dead_letters() - expected
                raise AssertionError(
                    f"dead letters of {topic}: missing {missing}, unexpected {extra}"
                ) from None
            valid_traffic_flows()
    finally:
        producer.close(5)

    billing = mongo_client[suite.databases()["billing_link"]]["billing_accounts"]
    wait_for(lambda: billing.find_one({"_id": "700000000002"}), timeout=60, what="the feed after the poison")
    assert dead_letters() == expected
    restarts_after = {n: c for n, c in suite.restarts.items() if n.endswith("-consume")}
    assert restarts_after == restarts_before  # no consumer crashed on the way


def feed_record(producer: Any, topic: str, number: str, *, key: bytes | None = None) -> None:
    """A valid billing feed record (under another key when `key` is given)."""
    feed = {**REGISTRY.latest("BillingAccountUpserted").example, "account_number": number}
    env = new_envelope(
        "BillingAccountUpserted", feed, event_version=1, producer="billing",
        stream_id=number, stream_version=1, correlation_id=str(uuid.uuid4()),
    )  # fmt: skip
    wire = encode(env)
    producer.send(topic, key=key or wire.key, value=wire.value, headers=wire.headers).get(timeout=30)
