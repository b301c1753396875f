"""In-memory fakes of billing-link's adapters (same protocols as the Mongo ones) and factories."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from billing_link.domain import (
    BillingRecord,
    Event,
    Link,
    Person,
    Service,
    Subscriber,
    fold,
    holder_print,
    phone_print,
)
from billing_link.eventstore import Loaded
from billing_link.handlers import Deps
from kabinet.eventstore import ConcurrencyConflict
from kabinet.privacy.blind import BlindIndex

DIGEST = BlindIndex(b"unit-test-index-key", "billing-mirror").digest


class FakeLinks:
    """Link streams in a dict."""

    def __init__(self) -> None:
        self.streams: dict[str, list[Event]] = {}

    def load(self, link_id: str) -> Loaded:
        events = self.streams.get(link_id, [])
        return Loaded(fold(events), len(events))

    def append(self, link_id: str, version: int, event: Event) -> datetime:
        events = self.streams.setdefault(link_id, [])
        if version != len(events) + 1:
            raise ConcurrencyConflict(f"{link_id}:{version}")
        events.append(event)
        return datetime.now(UTC)

    def published(self) -> list[Event]:
        return [e for events in self.streams.values() for e in events]


class FakeViews:
    """Link views in a dict, newest version wins."""

    def __init__(self) -> None:
        self.docs: dict[str, tuple[int, Link]] = {}

    def save(self, link: Link, version: int, at: datetime) -> bool:
        if link.link_id in self.docs and self.docs[link.link_id][0] >= version:
            return False
        self.docs[link.link_id] = (version, link)
        return True

    def live_on_account(
        self, account_number: str, identifier: str | None = None, *, linked_only: bool = False
    ) -> list[str]:
        statuses = ("linked",) if linked_only else ("pending_proof", "linked")
        return [
            link.link_id
            for _, link in self.docs.values()
            if link.account_number == account_number
            and link.status in statuses
            and identifier in (None, link.service.identifier)
        ]

    def linked_to_other(self, account_number: str, account_id: str) -> bool:
        return any(
            link.account_number == account_number
            and link.status == "linked"
            and link.account_id != account_id
            for _, link in self.docs.values()
        )


class FakeDirectory:
    """Billing records by account number."""

    def __init__(self, *records: BillingRecord) -> None:
        self.records = {r.account_number: r for r in records}

    def get(self, account_number: str) -> BillingRecord | None:
        return self.records.get(account_number)

    def find(self, service: Service) -> BillingRecord | None:
        if service.type in ("mobile", "home_phone"):
            return next((r for r in self.records.values() if r.serves(service)), None)
        return self.records.get(service.identifier)

    def put(self, record: BillingRecord) -> None:
        self.records[record.account_number] = record


class FakeSubscribers:
    """Subscribers by account id."""

    def __init__(self, *subscribers: Subscriber) -> None:
        self.by_id = {s.account_id: s for s in subscribers}

    def get(self, account_id: str) -> Subscriber | None:
        return self.by_id.get(account_id)


def fake_deps(*, records: tuple[BillingRecord, ...] = (), subscribers: tuple[Subscriber, ...] = ()) -> Deps:
    return Deps(FakeLinks(), FakeViews(), FakeDirectory(*records), FakeSubscribers(*subscribers))


def new_id() -> str:
    return str(uuid.uuid4())


def person(**overrides: Any) -> Person:
    base = Person(
        last_name="Иванов", first_name="Пётр", middle_name="Сергеевич", birth_date=date(1985, 4, 12)
    )
    return replace(base, **overrides)


def record(**overrides: Any) -> BillingRecord:
    """A record as the directory reads it: `holder` (a Person) and `identifiers` (phones) as prints."""
    holder = overrides.pop("holder", person())
    phones = overrides.pop("identifiers", ())
    base = BillingRecord(
        account_number="770012345678",
        region="RU-MOW",
        service_type="internet",
        identifiers=tuple(phone_print(p, DIGEST) for p in phones),
        holder=holder_print(holder, DIGEST),
        contract_phone="+79161234567",
        status="active",
        digest=DIGEST,
    )
    return replace(base, **overrides)


def mobile_record(**overrides: Any) -> BillingRecord:
    return record(
        **{
            "account_number": "100200300",
            "service_type": "mobile",
            "identifiers": ("+79161234567",),
            **overrides,
        }
    )


def subscriber(**overrides: Any) -> Subscriber:
    base = Subscriber(
        account_id=new_id(), holder=holder_print(person(), DIGEST), confirmed_phone="+79161234567"
    )
    return replace(base, **overrides)


def service(**overrides: Any) -> Service:
    return replace(Service(region="RU-MOW", type="internet", identifier="770012345678"), **overrides)
