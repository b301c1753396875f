"""Billing-link's projection: a write racing an account's erasure does not outlive it.

AccountErased comes on identity's topic; link events and phone confirmations come on other
topics, handled in other lanes (or instances) at the same time. Each test lets the erasure
run in the instant between the projection's check and its write.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from support import billing_runtime

from billing_link.bootstrap import SERVICE, wire
from billing_link.domain import Service
from billing_link.eventstore import LinkStore
from billing_link.handlers import add_service
from billing_link.read_models import ReadModels
from kabinet.contracts import REGISTRY, Envelope, new_envelope
from kabinet.contracts.topics import ACCOUNTS, SERVICES, VERIFICATION
from kabinet.privacy.erased import ErasedSubjects
from kabinet.runtime import Runtime

pytestmark = pytest.mark.integration


@pytest.fixture
def runtime(service_env: dict[str, str]) -> Iterator[Runtime]:
    with billing_runtime(service_env) as rt:
        SERVICE.setup(rt)
        yield rt


def models(runtime: Runtime) -> ReadModels:
    """The projection's read models, as one lane (or instance) holds them."""
    w = wire(runtime)
    erased = ErasedSubjects(runtime.db)
    return ReadModels(w.directory, w.subscribers, w.views, LinkStore(runtime.store), erased)


def event(event_type: str, stream_id: str, **payload: Any) -> Envelope:
    spec = REGISTRY.latest(event_type)
    return new_envelope(
        event_type, {**spec.example, **payload}, event_version=spec.version, producer=spec.producer,
        stream_id=stream_id, stream_version=1, correlation_id="c", occurred_at=datetime.now(UTC),
    )  # fmt: skip


def on(topic: str) -> Any:
    """The part of a consumed record the projection reads: its topic."""
    return SimpleNamespace(topic=topic)


def erasure_first(write: Callable[..., Any], erase: Callable[[], None]) -> Callable[..., Any]:
    """`write`, once the erasure ran in the other lane (its check had already passed)."""

    def racing(*args: Any, **kwargs: Any) -> Any:
        erase()
        return write(*args, **kwargs)

    return racing


def test_a_link_view_written_while_the_account_is_erased_keeps_only_its_tombstone(runtime: Runtime) -> None:
    account = str(uuid.uuid4())
    link = add_service(wire(runtime).deps, account, Service("RU-TA", "internet", "112233445566"))
    [requested] = runtime.store.load(link.link_id)
    runtime.db["links"].delete_one({"_id": link.link_id})  # the view as a rebuild starts it: empty
    erased = event("AccountErased", f"account-{account}", account_id=account)
    lane, other_lane = models(runtime), models(runtime)
    lane.views.save = erasure_first(lane.views.save, lambda: other_lane.apply(erased, on(ACCOUNTS)))  # type: ignore[method-assign]

    lane.apply(requested, on(SERVICES))

    doc = runtime.db["links"].find_one({"_id": link.link_id})
    assert doc["status"] == "erased" and "identifier" not in doc and "account_number" not in doc


def test_a_phone_confirmed_while_the_account_is_erased_is_not_kept(runtime: Runtime) -> None:
    account = str(uuid.uuid4())
    lane, other_lane = models(runtime), models(runtime)
    lane.apply(event("UserRegistered", f"account-{account}", account_id=account), on(ACCOUNTS))
    erased = event("AccountErased", f"account-{account}", account_id=account)
    subscribers = lane.subscribers
    subscribers.phone_confirmed = erasure_first(  # type: ignore[method-assign]
        subscribers.phone_confirmed, lambda: other_lane.apply(erased, on(ACCOUNTS))
    )
    challenge = str(uuid.uuid4())
    confirmed = event("ContactConfirmed", challenge, challenge_id=challenge, account_id=account,
                      purpose="registration", channel="sms", destination="+79161234567")  # fmt: skip

    lane.apply(confirmed, on(VERIFICATION))

    doc = runtime.db["subscribers"].find_one({"_id": account})
    assert doc == {"_id": account, "erased": True}


def test_a_link_view_a_request_wrote_after_the_erasure_is_tombstoned_by_its_event(runtime: Runtime) -> None:
    account = str(uuid.uuid4())
    ErasedSubjects(runtime.db).mark(account)  # the erasure ran (no view to forget yet) …
    link = add_service(wire(runtime).deps, account, Service("RU-TA", "internet", "112233445577"))
    [requested] = runtime.store.load(link.link_id)  # … then a request wrote the view at this version

    models(runtime).apply(requested, on(SERVICES))

    doc = runtime.db["links"].find_one({"_id": link.link_id})
    assert doc["status"] == "erased" and "identifier" not in doc
