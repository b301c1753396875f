"""Every event delivered three times, and the topics replayed twice more, gives identical projections.

A subscriber's whole journey (register, confirm, sign in, add a service, a balance change) runs
through the suite; its records on every consumed topic are then fed to each service's real
consumer handlers in fresh databases: once, and each record three times in a row with the
whole sequence replayed three times. The canonical hashes of the projections must be equal,
and the notifier must have sent the same messages once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chaos import checks
from chaos.people import linked_service, publish, signed_in
from support import wait_for

from billing_link.consumers import CONSUMERS as BILLING_LINK
from identity.consumers import CONSUMERS as IDENTITY
from identity.consumers import build_projection
from kabinet import kafka as kafka_clients
from kabinet.contracts import topics
from notifier.bootstrap import build_notifier
from notifier.config import Settings as NotifierSettings
from notifier.consumers import CONSUMERS as NOTIFIER
from notifier.consumers import build_contacts, message_handler
from verification.consumers import CONSUMERS as VERIFICATION

pytestmark = pytest.mark.e2e


class CountingSender:
    """Records what would have been sent."""

    def __init__(self, sent: list[tuple[str, str]]) -> None:
        self.sent = sent

    def send(self, message: Any, *, message_id: str) -> None:
        self.sent.append((message.to, message_id))


def notifier_with(sent: list[tuple[str, str]]) -> Callable[[Any], Any]:
    def build(runtime: Any) -> Any:
        senders = {"sms": CountingSender(sent), "email": CountingSender(sent)}
        return message_handler(build_notifier(runtime, NotifierSettings.from_env({}), senders=senders))

    return build


def routed(prefix: str, *specs: tuple[Callable[[Any], Any], tuple[str, ...]]) -> Callable[[Any], Any]:
    """One handler per consumer spec, each given only the records of its own topics."""

    def build(runtime: Any) -> Any:
        handlers = [(b(runtime), {prefix + t for t in ts}) for b, ts in specs]

        def handle(env: Any, record: Any) -> None:
            for h, subscribed in handlers:
                if record.topic in subscribed:
                    h(env, record)

        return handle

    return build


def journey(suite: Any) -> list[bytes]:
    """Run one subscriber's journey; the ids that mark its records."""
    person, account_id, auth = signed_in(suite, wait_for)
    number, link_id = linked_service(suite, person, auth, wait_for)
    producer = kafka_clients.producer(suite.env["KAFKA_BOOTSTRAP_SERVERS"], client_id="chaos-redelivery")
    try:
        change = {
            "account_number": number,
            "balance": {"amount": "12.00", "currency": "RUB"},
            "reason": "fee",
        }
        publish(producer, suite.topic(topics.BILLING_FEED), "BalanceChanged", number, 2, change)
    finally:
        producer.close(5)
    wait_for(lambda: len(suite.messages(person["phone"])) >= 2, timeout=60, what="the low-balance notice")
    return [account_id.encode(), number.encode(), link_id.encode()]


def test_every_event_delivered_three_times_leaves_identical_projections(chaos_suite, mongo_client):
    suite = chaos_suite
    marks = journey(suite)
    bootstrap = suite.env["KAFKA_BOOTSTRAP_SERVERS"]
    everything = checks.in_order(
        *(checks.read_all(bootstrap, suite.topic(t)) for t in (topics.ACCOUNTS, topics.VERIFICATION,
                                                                topics.SERVICES, topics.BILLING_FEED))
    )  # fmt: skip
    records = [r for r in everything if any(m in (r.key or b"") + (r.value or b"") for m in marks)]
    assert len(records) >= 8

    once_sent: list[tuple[str, str]] = []
    thrice_sent: list[tuple[str, str]] = []
    p = suite.topic_prefix
    services = {
        "identity": (routed(p, (build_projection, IDENTITY["projection"].topics)), ["accounts", "contacts"]),
        "identity-services": (
            routed(p, (IDENTITY["services"].build, IDENTITY["services"].topics)),
            ["service_links", "billing_states"],
        ),
        "verification": (
            routed(p, (VERIFICATION["requests"].build, VERIFICATION["requests"].topics)),
            ["challenges"],
        ),
        "billing-link": (
            routed(p, *((s.build, s.topics) for s in BILLING_LINK.values())),
            ["subscribers", "billing_accounts", "links"],
        ),
    }
    for name, (build, collections) in services.items():
        service = name.split("-services")[0]  # the gateway's two projections: one service's settings
        once, drop_once = checks.rebuild(mongo_client, build, records, service=service, suite_env=suite.env)
        thrice, drop_thrice = checks.rebuild(
            mongo_client, build, records, times=3, replays=3, service=service, suite_env=suite.env
        )
        try:
            hashes = checks.canonical(once, collections)
            assert hashes == checks.canonical(thrice, collections), name
            assert any(not h.endswith("/0") for h in hashes.values()), f"{name} projected nothing"
        finally:
            drop_once()
            drop_thrice()

    once, drop_once = checks.rebuild(
        mongo_client,
        routed(
            p,
            (build_contacts, NOTIFIER["contacts"].topics),
            (notifier_with(once_sent), NOTIFIER["messages"].topics),
        ),
        records,
        service="notifier",
        suite_env=suite.env,
    )
    thrice, drop_thrice = checks.rebuild(
        mongo_client,
        routed(
            p,
            (build_contacts, NOTIFIER["contacts"].topics),
            (notifier_with(thrice_sent), NOTIFIER["messages"].topics),
        ),
        records,
        times=3,
        replays=3,
        service="notifier",
        suite_env=suite.env,
    )
    try:
        collections = ["contacts", "notifications"]  # the notifier's read model and its log
        assert checks.canonical(once, collections) == checks.canonical(thrice, collections)
    finally:
        drop_once()
        drop_thrice()
    assert len(once_sent) >= 2  # the confirmation code and the low-balance notice
    assert sorted(thrice_sent) == sorted(once_sent)  # each message sent exactly once
