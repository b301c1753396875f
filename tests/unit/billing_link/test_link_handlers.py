"""Handlers gather the directory's and the subscriber's facts, decide, append and refresh the view."""

from __future__ import annotations

import pytest
from unit.billing_link.fakes import (
    DIGEST,
    FakeLinks,
    FakeViews,
    fake_deps,
    mobile_record,
    person,
    record,
    service,
    subscriber,
)

from billing_link.domain import (
    BalanceLow,
    Event,
    LinkNotFound,
    LinkRequested,
    ServiceLinked,
    ServiceUnlinked,
    holder_print,
)
from billing_link.handlers import (
    Deps,
    add_service,
    confirm_proof,
    end_links,
    fail_proof,
    unlink,
    warn_low_balance,
)
from kabinet.eventstore import ConcurrencyConflict


def test_a_holder_match_is_linked_and_shown() -> None:
    sub = subscriber()
    deps = fake_deps(records=(record(),), subscribers=(sub,))
    link = add_service(deps, sub.account_id, service())
    assert link.status == "linked" and link.linked_via == "holder_match"
    assert isinstance(deps.views, FakeViews) and deps.views.docs[link.link_id] == (1, link)


def test_adding_the_same_service_twice_returns_the_existing_link() -> None:
    sub = subscriber()
    deps = fake_deps(records=(record(),), subscribers=(sub,))
    first = add_service(deps, sub.account_id, service())
    again = add_service(deps, sub.account_id, service())
    assert again == first
    assert isinstance(deps.links, FakeLinks) and len(deps.links.published()) == 1


def test_a_mismatch_waits_for_the_code_then_links() -> None:
    sub = subscriber(holder=holder_print(person(first_name="Павел"), DIGEST))
    deps = fake_deps(records=(record(),), subscribers=(sub,))
    link = add_service(deps, sub.account_id, service())
    assert link.status == "pending_proof" and link.proof_destination == "+79161234567"
    done = confirm_proof(deps, link_id=link.link_id, account_id=sub.account_id, destination="+79161234567")
    assert done is not None and done.status == "linked" and done.linked_via == "code"


def test_a_dead_challenge_fails_the_request() -> None:
    sub = subscriber(holder=holder_print(person(first_name="Павел"), DIGEST))
    deps = fake_deps(records=(record(),), subscribers=(sub,))
    link = add_service(deps, sub.account_id, service())
    failed = fail_proof(deps, link_id=link.link_id, account_id=sub.account_id)
    assert failed is not None and failed.status == "failed"


def test_someone_elses_linked_account_gets_the_pending_reply() -> None:
    owner, other = subscriber(), subscriber()
    deps = fake_deps(records=(record(),), subscribers=(owner, other))
    assert add_service(deps, owner.account_id, service()).status == "linked"
    assert add_service(deps, other.account_id, service()).status == "pending_proof"


def test_a_released_number_ends_only_the_links_to_that_number() -> None:
    sub = subscriber()
    mobile = service(type="mobile", identifier="+79161234567")
    deps = fake_deps(
        records=(mobile_record(identifiers=("+79161234567", "+79161234568")),), subscribers=(sub,)
    )
    released = add_service(deps, sub.account_id, mobile)
    kept = add_service(deps, sub.account_id, service(type="mobile", identifier="+79161234568"))
    assert (released.status, kept.status) == ("linked", "pending_proof")
    assert end_links(deps, "100200300", "number_released", "+79161234567") == 1
    assert end_links(deps, "100200300", "number_released", "+79161234567") == 0
    assert deps.links.load(released.link_id).state.status == "removed"  # type: ignore[union-attr]
    assert deps.links.load(kept.link_id).state.status == "pending_proof"  # type: ignore[union-attr]


def test_unlinking_someone_elses_link_is_not_found() -> None:
    sub = subscriber()
    deps = fake_deps(records=(record(),), subscribers=(sub,))
    link = add_service(deps, sub.account_id, service())
    with pytest.raises(LinkNotFound):
        unlink(deps, account_id=subscriber().account_id, link_id=link.link_id)
    unlink(deps, account_id=sub.account_id, link_id=link.link_id)
    assert deps.links.load(link.link_id).state.status == "removed"  # type: ignore[union-attr]


class RacingLinks(FakeLinks):
    """Another writer appends the same request first, once."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    def append(self, link_id: str, version: int, event: Event) -> None:
        if not self.raced:
            self.raced = True
            super().append(link_id, version, event)
            raise ConcurrencyConflict(link_id)
        super().append(link_id, version, event)


def test_a_concurrent_identical_request_is_absorbed() -> None:
    sub = subscriber(holder=holder_print(person(first_name="Павел"), DIGEST))
    base = fake_deps(records=(record(),), subscribers=(sub,))
    deps = Deps(RacingLinks(), base.views, base.directory, base.subscribers)
    link = add_service(deps, sub.account_id, service())
    assert link.status == "pending_proof"
    events = deps.links.published()  # type: ignore[attr-defined]
    assert [type(e) for e in events] == [LinkRequested]


def test_an_unlinked_service_can_be_linked_again() -> None:
    sub = subscriber()
    deps = fake_deps(records=(record(),), subscribers=(sub,))
    link = add_service(deps, sub.account_id, service())
    unlink(deps, account_id=sub.account_id, link_id=link.link_id)
    assert add_service(deps, sub.account_id, service()).status == "linked"
    kinds = [type(e) for e in deps.links.published()]  # type: ignore[attr-defined]
    assert kinds == [ServiceLinked, ServiceUnlinked, ServiceLinked]
    assert link.link_id in deps.views.docs  # type: ignore[attr-defined]


def test_a_low_balance_warns_each_linked_subscriber_once() -> None:
    owner, asker = (
        subscriber(locale="en"),
        subscriber(holder=holder_print(person(first_name="Павел"), DIGEST)),
    )
    deps = fake_deps(records=(record(),), subscribers=(owner, asker))
    add_service(deps, owner.account_id, service())
    add_service(deps, asker.account_id, service())  # pending: learns nothing
    money = {"amount": "10.00", "currency": "RUB"}
    assert warn_low_balance(deps, "770012345678", cause="1:5", balance=money, threshold="50.00") == 1
    assert warn_low_balance(deps, "770012345678", cause="1:5", balance=money, threshold="50.00") == 0
    [warning] = [e for e in deps.links.published() if isinstance(e, BalanceLow)]  # type: ignore[attr-defined]
    assert (warning.account_id, warning.locale) == (owner.account_id, "en")
