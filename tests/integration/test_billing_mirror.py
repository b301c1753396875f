"""billing-link's mirror of the billing feed on the real broker and database: it keeps keyed
prints and a sealed contract phone, the holder match and proofs still work, the privacy scan
finds none of the holder's data there, and `python -m billing_link migrate` minimises a
mirror written before."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from support import billing_runtime, drive

from billing_link.bootstrap import wire
from billing_link.consumers import CONSUMERS
from billing_link.domain import Person, Service
from billing_link.handlers import add_service
from kabinet.contracts import REGISTRY, encode, new_envelope
from kabinet.contracts.topics import BILLING_FEED
from kabinet.privacy.scan import Needles, Report, scan_database
from kabinet.runtime import Runtime
from kabinet.service import build_loop

pytestmark = pytest.mark.integration
HOLDER = {
    "last_name": "Фёдорова",
    "first_name": "Ольга",
    "middle_name": "Николаевна",
    "birth_date": "1995-06-05",
}


@pytest.fixture
def runtime(service_env: dict[str, str]) -> Iterator[Runtime]:
    with billing_runtime(service_env, BILLING_FEED) as rt:
        yield rt


@pytest.fixture
def loop(runtime: Runtime) -> Iterator[Any]:
    # the directory is the projection consumer's; here it reads only the feed
    consumer, loop = build_loop(runtime, replace(CONSUMERS["projection"], topics=(BILLING_FEED,)))
    yield loop
    consumer.close(autocommit=False)


def phone() -> str:
    return f"+7917{random.randrange(10**7):07d}"


def account(**overrides: Any) -> dict[str, Any]:
    base = dict(REGISTRY.latest("BillingAccountUpserted").example)
    number = str(random.randrange(10**11, 10**12))
    return {**base, "account_number": number, "region": "RU-TA", "holder": HOLDER, **overrides}


def publish(runtime: Runtime, event_type: str, payload: dict[str, Any]) -> None:
    envelope = new_envelope(
        event_type, payload, event_version=1, producer="billing", stream_id=payload["account_number"],
        stream_version=1, correlation_id="billing-export",
    )  # fmt: skip
    msg = encode(envelope)
    runtime.producer().send(
        runtime.topic(BILLING_FEED), key=msg.key, value=msg.value, headers=msg.headers
    ).get(10)


def plaintext_hits(runtime: Runtime, values: list[str]) -> list[str]:
    """Where the privacy scan finds any of `values` in the service's database."""
    report = Report(scanned_at="now")
    scan_database(report, Needles(values), runtime.client, runtime.infra.mongo_db)
    return [f"{h.owner}:{h.where}" for h in report.hits]


def subscriber(runtime: Runtime, **person: Any) -> str:
    account_id = str(uuid.uuid4())
    payload = {"account_id": account_id, **HOLDER, "region": "RU-TA", "locale": "ru", **person}
    wire(runtime).subscribers.registered(payload)
    return account_id


def test_the_mirror_keeps_no_holder_in_clear_and_the_holder_still_links(runtime: Runtime, loop: Any):
    contract, mobile = phone(), phone()
    internet = account(service_type="internet", identifiers=[], contract_phone=contract)
    cell = account(service_type="mobile", identifiers=[mobile], contract_phone=contract)
    publish(runtime, "BillingAccountUpserted", internet)
    publish(runtime, "BillingAccountUpserted", cell)
    w = wire(runtime)
    drive(
        loop, lambda: w.directory.doc(internet["account_number"]) and w.directory.doc(cell["account_number"])
    )

    plain = [*HOLDER.values(), "Федорова", contract, mobile]
    assert plaintext_hits(runtime, plain) == []
    doc = w.directory.doc(internet["account_number"])
    assert doc is not None and doc["minimised"] == 1 and doc["balance"] == internet["balance"]

    same = subscriber(runtime, last_name="ФЕДОРОВА", first_name="ольга", middle_name=None)
    linked = add_service(w.deps, same, Service("RU-TA", "internet", internet["account_number"]))
    assert (linked.status, linked.linked_via) == ("linked", "holder_match")

    other = subscriber(runtime, first_name="Оксана")
    pending = add_service(w.deps, other, Service("RU-TA", "internet", internet["account_number"]))
    assert (pending.status, pending.proof_destination) == ("pending_proof", contract)  # opened for the code

    found = w.directory.find(Service("RU-TA", "mobile", mobile))
    assert found is not None and found.account_number == cell["account_number"]
    publish(runtime, "NumberReleased", {"account_number": cell["account_number"], "phone": mobile})
    drive(loop, lambda: w.directory.find(Service("RU-TA", "mobile", mobile)) is None, what="the release")


def test_migrate_minimises_a_mirror_written_before_and_it_still_matches(
    runtime: Runtime, loop: Any, service_env: dict[str, str]
):
    released, kept, contract = phone(), phone(), phone()
    legacy = account(service_type="mobile", identifiers=[released, kept], contract_phone=contract)
    number = legacy.pop("account_number")
    coll = runtime.db["billing_accounts"]
    coll.insert_one({"_id": number, **legacy})  # as billing-link wrote it before (position left out)
    w = wire(runtime)
    assert w.directory.find(Service("RU-TA", "mobile", kept)) is not None  # read as it is, meanwhile
    publish(runtime, "NumberReleased", {"account_number": number, "phone": released})
    drive(loop, lambda: released not in (w.directory.doc(number) or {}).get("identifiers", []))

    env = {**os.environ, **service_env, "LOG_JSON": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "billing_link", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    doc = coll.find_one({"_id": number})
    assert doc is not None and doc["minimised"] == 1 and doc["balance"] == legacy["balance"]
    assert plaintext_hits(runtime, [*HOLDER.values(), contract, released, kept]) == []
    record = w.directory.find(Service("RU-TA", "mobile", kept))
    assert record is not None and record.contract_phone == contract
    assert record.held_by(Person("ФЁДОРОВА", "Ольга", date(1995, 6, 5)))
    assert not record.held_by(Person("Фёдорова", "Оксана", date(1995, 6, 5)))
    assert json.dumps(doc, default=str).count("ksiv:v1:") == 1
