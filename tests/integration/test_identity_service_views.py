"""The gateway's service view on the real server: link streams and the billing feed, in any order.

Events are applied as the `services` consumer applies them (the consumer loop itself and the
rebuild from Kafka are pinned in test_ops_rebuild_services.py); each test reads the view the
way `GET /api/v1/services` does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from identity.service_views import ServiceViews
from kabinet.consumer import Poison
from kabinet.contracts import REGISTRY, Envelope, new_envelope
from kabinet.contracts.topics import ACCOUNTS, BILLING_FEED, SERVICES

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@dataclass
class FakeRecord:
    """Where a record sat in Kafka: all the view reads of it."""

    topic: str
    partition: int = 0
    offset: int = 0
    key: bytes | None = None


class World:
    """A subscriber, their billing account, and the events about them."""

    def __init__(self, views: ServiceViews) -> None:
        self.views = views
        self.account_id = str(uuid.uuid4())
        self.link_id = str(uuid.uuid4())
        self.number = str(uuid.uuid4().int)[:12]
        self.version = 0
        self.offset = 0

    def link(self, event_type: str, minute: int, **payload: Any) -> Envelope:
        """The link's next event (`minute`s after T0), applied."""
        self.version += 1
        ids = {"link_id": self.link_id, "account_id": self.account_id}
        ids |= {"account_number": self.number, "identifier": self.number}
        env = self._envelope(event_type, self.link_id, self.version, minute, {**ids, **payload})
        self.views.apply(env, FakeRecord(SERVICES))
        return env

    def feed(self, event_type: str, minute: int, *, offset: int | None = None, **payload: Any) -> None:
        """A billing message about the account, at the next offset (or the one given), applied."""
        self.offset = offset if offset is not None else self.offset + 1
        env = self._envelope(event_type, self.number, 1, minute, {"account_number": self.number, **payload})
        self.views.apply(env, FakeRecord(BILLING_FEED, offset=self.offset, key=self.number.encode()))

    def _envelope(self, event_type: str, stream: str, version: int, minute: int, payload: Any) -> Envelope:
        spec = REGISTRY.latest(event_type)
        return new_envelope(
            event_type, {**spec.example, **payload}, event_version=spec.version, producer=spec.producer,
            stream_id=stream, stream_version=version, correlation_id="c-1",
            occurred_at=T0 + timedelta(minutes=minute),
        )  # fmt: skip

    def shown(self) -> list[dict[str, Any]]:
        return self.views.list(self.account_id)


@pytest.fixture
def views(db) -> ServiceViews:
    view = ServiceViews(db)
    view.create_indexes()
    return view


@pytest.fixture
def world(views) -> World:
    return World(views)


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "RUB"}


def test_a_pending_request_shows_without_its_account_and_a_link_shows_the_balance(world):
    world.feed("BillingAccountUpserted", 1, balance=money("250.00"), status="active", plan="Домашний 500")
    world.link("ServiceLinkRequested", 2)

    [pending] = world.shown()
    assert pending["status"] == "pending_proof" and pending["balance"] is None
    assert (
        pending["service_status"] is None
        and pending["identifier"] == world.number[:4] + "****" + world.number[-4:]
    )
    assert world.views.details(world.account_id, world.link_id)["plan"] is None  # learns nothing yet

    world.link("ServiceAdded", 3)

    [linked] = world.shown()
    assert linked["status"] == "linked" and linked["balance"] == money("250.00")
    assert (
        linked["service_status"] == "active"
        and linked["updated_at"] == (T0 + timedelta(minutes=3)).isoformat()
    )
    assert world.views.details(world.account_id, world.link_id)["plan"] == "Домашний 500"


def test_feed_changes_reach_linked_services_and_older_messages_change_nothing(world):
    world.feed("BillingAccountUpserted", 1, balance=money("250.00"), status="active")
    world.link("ServiceAdded", 2)
    world.feed("BalanceChanged", 5, balance=money("-12.40"))
    world.feed("AccountStatusChanged", 6, status="suspended")

    [shown] = world.shown()
    assert shown["balance"] == money("-12.40") and shown["service_status"] == "suspended"
    assert shown["updated_at"] == (T0 + timedelta(minutes=6)).isoformat()  # the billing's newer time

    world.feed("BalanceChanged", 4, offset=2, balance=money("999.00"))  # redelivered, older
    assert world.shown() == [shown]


def test_a_feed_message_before_the_link_exists_is_copied_when_the_link_comes(world):
    world.feed("BalanceChanged", 1, balance=money("80.00"))
    world.link("ServiceLinkRequested", 2)
    world.feed("BalanceChanged", 3, balance=money("70.00"))  # while pending: copied, not shown
    assert world.shown()[0]["balance"] is None

    world.link("ServiceAdded", 4)

    assert world.shown()[0]["balance"] == money("70.00")


def test_a_redelivered_link_event_changes_nothing_and_a_removed_link_goes(world):
    world.feed("BillingAccountUpserted", 1)
    added = world.link("ServiceAdded", 2)
    before = world.shown()
    world.views.apply(added, FakeRecord(SERVICES))  # the same version again
    assert world.shown() == before

    world.link("ServiceRemoved", 3, reason="unlinked")

    assert world.shown() == []
    assert world.views.details(world.account_id, world.link_id) is None


def test_a_failed_request_is_shown_in_details_with_its_reason(world):
    world.link("ServiceLinkRequested", 1)
    world.link("ServiceLinkFailed", 2, reason="proof_failed")

    assert world.shown() == []
    details = world.views.details(world.account_id, world.link_id)
    assert details["status"] == "failed" and details["reason"] == "proof_failed"


def test_another_subscribers_link_is_not_shown(world, views):
    world.link("ServiceAdded", 1)

    assert views.details(str(uuid.uuid4()), world.link_id) is None
    assert views.list(str(uuid.uuid4())) == []


def test_a_link_requested_again_for_another_account_shows_that_accounts_balance_only(world, views):
    world.feed("BillingAccountUpserted", 1, offset=50, balance=money("1.00"))
    world.link("ServiceAdded", 2)
    world.link("ServiceRemoved", 3, reason="unlinked")
    other = World(views)
    other.feed("BillingAccountUpserted", 4, offset=7, balance=money("2.00"))  # a lower offset
    world.link("ServiceAdded", 5, account_number=other.number)

    [shown] = world.shown()
    assert shown["balance"] == money("2.00")
    world.feed("BalanceChanged", 6, offset=51, balance=money("3.00"))  # the old account moves on
    assert world.shown()[0]["balance"] == money("2.00")


def test_a_commands_reply_shows_at_once_and_its_event_changes_nothing_after(world):
    world.feed("BillingAccountUpserted", 1, balance=money("250.00"))
    at = T0 + timedelta(minutes=2)
    state = {
        "account_id": world.account_id, "type": "internet", "region": "RU-MOW", "status": "linked",
        "identifier": world.number, "account_number": world.number, "reason": None, "version": 1,
        "at": at.isoformat(),
    }  # fmt: skip

    world.views.record(world.link_id, state)

    [recorded] = world.shown()
    assert recorded["status"] == "linked" and recorded["balance"] == money("250.00")
    world.link("ServiceAdded", 2)  # version 1, as the reply said
    assert world.shown() == [recorded]


def test_an_erased_subscribers_services_go_and_stay_gone(world):
    world.feed("BillingAccountUpserted", 1)
    world.link("ServiceAdded", 2)
    erased = REGISTRY.latest("AccountErased")
    env = new_envelope(
        "AccountErased", {**erased.example, "account_id": world.account_id}, event_version=erased.version,
        producer="identity", stream_id=f"account-{world.account_id}", stream_version=9, correlation_id="c-2",
    )  # fmt: skip

    world.views.apply(env, FakeRecord(ACCOUNTS))
    world.link("ServiceLinkRequested", 3)  # a late event from another topic
    world.feed("BalanceChanged", 4, balance=money("5.00"))

    assert world.shown() == []


def test_a_feed_record_keyed_by_anything_but_its_account_number_is_poison(world):
    spec = REGISTRY.latest("BalanceChanged")
    env = new_envelope(
        "BalanceChanged", {**spec.example, "account_number": world.number}, event_version=spec.version,
        producer="billing", stream_id=world.number, stream_version=1, correlation_id="c-3",
    )  # fmt: skip

    with pytest.raises(Poison):
        world.views.apply(env, FakeRecord(BILLING_FEED, offset=1, key=b"not-the-account"))


def test_a_feed_message_redelivered_after_a_crash_before_its_copies_makes_them(world, db):
    world.feed("BillingAccountUpserted", 1, balance=money("250.00"))
    world.link("ServiceAdded", 2)
    # the state took message 2 and the process died before copying it into the links
    db.billing_states.update_one(
        {"_id": world.number}, {"$set": {"balance": money("7.00"), "_p": 0, "_o": 2}}
    )
    assert world.shown()[0]["balance"] == money("250.00")

    world.feed("BalanceChanged", 3, offset=2, balance=money("7.00"))  # redelivered

    assert world.shown()[0]["balance"] == money("7.00")


def test_a_link_event_redelivered_after_a_crash_before_its_copy_makes_it(world, db):
    world.feed("BillingAccountUpserted", 1, balance=money("250.00"))
    added = world.link("ServiceAdded", 2)
    db.service_links.update_one(
        {"_id": world.link_id}, {"$unset": {"billing": "", "_n": "", "_p": "", "_o": ""}}
    )
    assert world.shown()[0]["balance"] is None  # as a crash after the link's write leaves it

    world.views.apply(added, FakeRecord(SERVICES))  # redelivered

    assert world.shown()[0]["balance"] == money("250.00")
