""" "Add service" end to end: feed and account events in, HTTP calls, link events out.

Real Kafka and Mongo; the billing system, identity and verification are played by
publishing their contract events; billing-link runs its real consumers (one loop over
their topics, each record to every consumer reading it), its Flask app and its outbox relay.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from support import drive, read_topic

from billing_link.app import create_app
from billing_link.bootstrap import wire
from billing_link.config import Settings
from billing_link.consumers import CONSUMERS
from kabinet import kafka as kafka_clients
from kabinet.consumer import ConsumerLoop
from kabinet.contracts import REGISTRY, decode, encode, new_envelope, topics
from kabinet.relay import OutboxRelay
from kabinet.runtime import Runtime

pytestmark = pytest.mark.e2e
HOLDER = {"last_name": "Кузнецова", "first_name": "Алёна", "middle_name": None, "birth_date": "1992-07-03"}


class World:
    """Billing-link under test and the outside systems it listens to."""

    def __init__(self, runtime: Runtime, settings: Settings) -> None:
        self.runtime = runtime
        self.http = create_app(settings).test_client()
        self.relay = OutboxRelay(runtime.store, runtime.producer())
        self.wiring = wire(runtime)
        handlers: dict[str, list[Any]] = {}
        for spec in CONSUMERS.values():  # the projection first, as it runs ahead of the effects live
            handler = spec.build(runtime)
            for t in spec.topics:
                handlers.setdefault(runtime.topic(t), []).append(handler)
        group = f"{runtime.infra.topic_prefix}billing-link.e2e"
        self.consumer = kafka_clients.consumer(
            runtime.infra.kafka_bootstrap, group_id=group, topics=list(handlers), client_id="e2e"
        )
        self.loop = ConsumerLoop(
            consumer=self.consumer,
            producer=runtime.producer(),
            handler=lambda env, rec: fan_out(handlers[rec.topic], env, rec),
            group_id=group,
        )

    def publish(self, event_type: str, stream_id: str, **payload: Any) -> None:
        spec = REGISTRY.latest(event_type)
        envelope = new_envelope(
            event_type, {**spec.example, **payload}, event_version=spec.version, producer=spec.producer,
            stream_id=stream_id, stream_version=1, correlation_id="e2e",
        )  # fmt: skip
        msg = encode(envelope)
        self.runtime.producer().send(
            self.runtime.topic(spec.topic), key=msg.key, value=msg.value, headers=msg.headers
        ).get(timeout=10)

    def billing_account(self, **fields: Any) -> dict[str, Any]:
        number = str(random.randrange(10**11, 10**12))
        acc = {"account_number": number, "region": "RU-MOW", "service_type": "internet", "identifiers": [],
               "holder": HOLDER, "contract_phone": "+79035550101", "status": "active",
               "balance": {"amount": "250.00", "currency": "RUB"}, "plan": "Домашний 500",
               "options": [{"code": "static-ip", "name": "Статический IP", "status": "on"}],
               **fields}  # fmt: skip
        self.publish("BillingAccountUpserted", acc["account_number"], **acc)
        return acc

    def subscriber(self, phone: str = "+79161230000", **person: Any) -> str:
        account_id = str(uuid.uuid4())
        self.publish("UserRegistered", account_id, account_id=account_id, phone=phone, **{**HOLDER, **person})
        self.confirm(account_id, phone, purpose="registration")
        return account_id

    def confirm(self, account_id: str, phone: str, *, purpose: str, request_id: str | None = None) -> None:
        challenge = str(uuid.uuid4())
        self.publish("ContactConfirmed", challenge, challenge_id=challenge, account_id=account_id,
                     purpose=purpose, request_id=request_id, channel="sms", destination=phone)  # fmt: skip

    def until(self, probe: Any, what: str) -> None:
        drive(self.loop, probe, what=what)

    def settled(self, account_id: str, number: str) -> None:
        """Wait until billing-link knows the subscriber and the billing account."""
        sub = self.wiring.subscribers
        self.until(
            lambda: (s := sub.get(account_id)) and s.confirmed_phone and self.wiring.directory.get(number),
            "subscriber and billing account projected",
        )

    def url(self, account_id: str, link_id: str = "") -> str:
        return f"/internal/v1/accounts/{account_id}/services" + (f"/{link_id}" if link_id else "")

    def add(self, account_id: str, **body: Any) -> dict[str, Any]:
        resp = self.http.post(self.url(account_id), json=body)
        assert resp.status_code == 202, resp.get_json()
        return resp.get_json()

    def link_events(self, expect: int) -> list[Any]:
        while self.relay.publish_pending():
            pass
        records = read_topic(
            self.runtime.infra.kafka_bootstrap, self.runtime.topic(topics.SERVICES), expect=expect
        )
        return [decode(r.value) for r in records]


def fan_out(handlers: list[Any], env: Any, record: Any) -> None:
    for handle in handlers:
        handle(env, record)


@pytest.fixture
def world(service_env: dict[str, str]) -> Iterator[World]:
    settings = Settings.from_env(service_env)
    runtime = Runtime.open(settings.infra)
    names = [
        runtime.topic(t) for t in (topics.BILLING_FEED, topics.ACCOUNTS, topics.VERIFICATION, topics.SERVICES)
    ]
    kafka_clients.ensure_topics(runtime.infra.kafka_bootstrap, names, partitions=3, replication=1)
    w = World(runtime, settings)
    yield w
    w.consumer.close(autocommit=False)
    runtime.close()


def test_a_holder_match_links_at_once_and_shows_balance_plan_and_changes(world: World) -> None:
    acc = world.billing_account()
    account_id = world.subscriber(last_name="КУЗНЕЦОВА ", first_name="Алена")
    world.settled(account_id, acc["account_number"])

    reply = world.add(account_id, region="RU-MOW", type="internet", identifier=acc["account_number"])
    assert reply["status"] == "linked"
    [item] = world.http.get(world.url(account_id)).get_json()
    assert item["identifier"] == acc["account_number"][:4] + "****" + acc["account_number"][-4:]
    assert (item["status"], item["balance"]) == ("linked", {"amount": "250.00", "currency": "RUB"})
    details = world.http.get(world.url(account_id, reply["link_id"])).get_json()
    assert details["plan"] == "Домашний 500" and details["options"][0]["code"] == "static-ip"

    world.publish("BalanceChanged", acc["account_number"], account_number=acc["account_number"],
                  balance={"amount": "-15.50", "currency": "RUB"}, reason="charge")  # fmt: skip
    world.publish("AccountStatusChanged", acc["account_number"], account_number=acc["account_number"],
                  status="suspended")  # fmt: skip
    world.until(
        lambda: world.http.get(world.url(account_id)).get_json()[0]["service_status"] == "suspended",
        "the status change visible",
    )
    assert world.http.get(world.url(account_id)).get_json()[0]["balance"]["amount"] == "-15.50"

    again = world.add(account_id, region="RU-MOW", type="internet", identifier=acc["account_number"])
    # the same service twice: the existing link (its state has moved on: a low-balance notice)
    assert (again["link_id"], again["status"]) == (reply["link_id"], reply["status"])
    assert again["state"]["version"] == reply["state"]["version"] + 1
    added, low = world.link_events(expect=2)  # one link stream: one partition, in order
    assert (added.event_type, added.payload["linked_via"], added.stream_id) == (
        "ServiceAdded", "holder_match", reply["link_id"],
    )  # fmt: skip
    assert (low.event_type, low.payload["balance"]["amount"]) == ("ServiceBalanceLow", "-15.50")


def test_a_mismatch_is_linked_by_the_code_sent_to_the_contract_phone(world: World) -> None:
    acc = world.billing_account()
    account_id = world.subscriber(first_name="Ольга")
    world.settled(account_id, acc["account_number"])

    reply = world.add(account_id, region="RU-MOW", type="internet", identifier=acc["account_number"])
    assert reply["status"] == "pending_proof"
    [item] = world.http.get(world.url(account_id)).get_json()
    assert (item["status"], item["balance"]) == ("pending_proof", None)  # nothing shown before proof

    world.confirm(account_id, acc["contract_phone"], purpose="service_link", request_id=reply["link_id"])
    world.until(
        lambda: world.http.get(world.url(account_id, reply["link_id"])).get_json()["status"] == "linked",
        "the link completed by the code",
    )
    requested, added = world.link_events(expect=2)
    assert requested.event_type == "ServiceLinkRequested"
    assert requested.payload["proof_destination"] == acc["contract_phone"]
    assert (added.event_type, added.payload["linked_via"]) == ("ServiceAdded", "code")


def test_unknown_foreign_or_misplaced_accounts_get_the_same_reply_and_no_code(world: World) -> None:
    acc = world.billing_account()
    owner = world.subscriber()
    stranger = world.subscriber(phone="+79161239999", last_name="Петров", first_name="Олег")
    world.settled(stranger, acc["account_number"])
    world.settled(owner, acc["account_number"])
    assert (
        world.add(owner, region="RU-MOW", type="internet", identifier=acc["account_number"])["status"]
        == "linked"
    )

    unknown = world.add(stranger, region="RU-MOW", type="internet", identifier="123456789012")
    misplaced = world.add(stranger, region="RU-SPE", type="internet", identifier=acc["account_number"])
    assert unknown["status"] == misplaced["status"] == "pending_proof"
    owners_link = world.add(owner, region="RU-MOW", type="internet", identifier=acc["account_number"])[
        "link_id"
    ]
    assert world.http.get(world.url(stranger, owners_link)).status_code == 404
    assert world.http.delete(world.url(stranger, owners_link)).status_code == 404

    events = world.link_events(expect=3)
    requests = [e.payload for e in events if e.event_type == "ServiceLinkRequested"]
    assert len(requests) == 2 and all(p["proof_destination"] is None for p in requests)


def test_a_released_number_and_an_unlink_end_links(world: World) -> None:
    phone = "+79167770011"
    mobile = world.billing_account(service_type="mobile", identifiers=[phone], contract_phone=phone)
    internet = world.billing_account()
    account_id = world.subscriber(phone=phone)
    world.settled(account_id, mobile["account_number"])
    world.until(lambda: world.wiring.directory.get(internet["account_number"]), "second account")

    mob = world.add(account_id, region="RU-MOW", type="mobile", identifier="8 (916) 777-00-11")
    net = world.add(account_id, region="RU-MOW", type="internet", identifier=internet["account_number"])
    assert mob["status"] == net["status"] == "linked"

    world.publish(
        "NumberReleased", mobile["account_number"], phone=phone, account_number=mobile["account_number"]
    )
    world.until(lambda: len(world.http.get(world.url(account_id)).get_json()) == 1, "the mobile link removed")
    assert world.wiring.subscribers.get(account_id).confirmed_phone is None  # type: ignore[union-attr]
    assert world.http.delete(world.url(account_id, net["link_id"])).status_code == 200
    assert world.http.get(world.url(account_id, net["link_id"])).status_code == 404
    assert world.http.get(world.url(account_id)).get_json() == []

    removed = [e.payload for e in world.link_events(expect=4) if e.event_type == "ServiceRemoved"]
    assert sorted((p["link_id"], p["reason"]) for p in removed) == sorted(
        [(mob["link_id"], "number_released"), (net["link_id"], "unlinked")]
    )


def test_a_balance_falling_below_the_threshold_warns_once_per_drop(world: World) -> None:
    acc = world.billing_account()  # 250.00, the threshold is 50.00
    account_id = world.subscriber()
    world.settled(account_id, acc["account_number"])
    link = world.add(account_id, region="RU-MOW", type="internet", identifier=acc["account_number"])
    number = acc["account_number"]

    for amount in ("20.00", "5.00", "120.00", "-3.00"):  # two drops below 50.00
        world.publish("BalanceChanged", number, account_number=number,
                      balance={"amount": amount, "currency": "RUB"}, reason="charge")  # fmt: skip
    doc = world.wiring.directory.doc
    world.until(lambda: doc(number)["balance"]["amount"] == "-3.00", "the balance changes")  # type: ignore[index]
    handled = world.loop.stats.handled
    world.consumer.seek_to_beginning()  # everything again: a redelivery tells nobody twice
    world.until(lambda: world.loop.stats.handled >= 2 * handled, "the replay")

    warnings = [e.payload for e in world.link_events(expect=3) if e.event_type == "ServiceBalanceLow"]
    assert [w["balance"]["amount"] for w in warnings] == ["20.00", "-3.00"]
    assert {w["link_id"] for w in warnings} == {link["link_id"]}
