"""The link aggregate decides linking, proof, unlinking and billing-driven endings."""

from __future__ import annotations

from datetime import date

import pytest
from unit.billing_link.fakes import mobile_record, new_id, person, record, service, subscriber

from billing_link.domain import (
    BalanceLow,
    ConfirmProof,
    EndByBilling,
    FailProof,
    Link,
    LinkFailed,
    LinkNotFound,
    LinkRequested,
    RequestLink,
    ServiceLinked,
    ServiceUnlinked,
    Unlink,
    WarnLowBalance,
    decide,
    fold,
    link_id_for,
)


def request(**overrides: object) -> RequestLink:
    sub = overrides.pop("subscriber", subscriber())
    base: dict[str, object] = {
        "link_id": new_id(),
        "account_id": sub.account_id if sub else new_id(),  # type: ignore[union-attr]
        "service": service(),
        "record": record(),
        "subscriber": sub,
        "taken_by_other": False,
    }
    return RequestLink(**{**base, **overrides})  # type: ignore[arg-type]


def pending(cmd: RequestLink) -> Link:
    state = fold(decide(None, cmd))
    assert state is not None and state.status == "pending_proof"
    return state


def test_holder_match_links_at_once() -> None:
    cmd = request()
    [event] = decide(None, cmd)
    assert event == ServiceLinked(cmd.link_id, cmd.account_id, cmd.service, "770012345678", "holder_match")


def test_holder_match_ignores_case_yo_and_spaces() -> None:
    holder = person(last_name="  ИВАНОВ ", first_name="петр", middle_name="сергеевич")
    [event] = decide(None, request(record=record(holder=holder)))
    assert isinstance(event, ServiceLinked)


def test_other_birth_date_needs_proof_sent_to_the_contract_phone() -> None:
    cmd = request(record=record(holder=person(birth_date=date(1985, 4, 13))))
    [event] = decide(None, cmd)
    assert event == LinkRequested(cmd.link_id, cmd.account_id, cmd.service, "770012345678", "+79161234567")


def test_mobile_needs_the_confirmed_phone_as_well_as_the_holder() -> None:
    mobile = service(type="mobile", identifier="+79161234567")
    sub = subscriber(confirmed_phone="+79990000000")
    [event] = decide(None, request(service=mobile, record=mobile_record(), subscriber=sub))
    assert isinstance(event, LinkRequested) and event.proof_destination == "+79161234567"
    [event] = decide(None, request(service=mobile, record=mobile_record(), subscriber=subscriber()))
    assert isinstance(event, ServiceLinked) and event.account_number == "100200300"


@pytest.mark.parametrize(
    "found",
    [None, record(region="RU-SPE"), record(status="terminated"), record(service_type="tv")],
    ids=["unknown", "wrong-region", "terminated", "wrong-type"],
)
def test_no_usable_account_gives_the_same_pending_reply_and_no_code(found: object) -> None:
    [event] = decide(None, request(record=found))
    assert isinstance(event, LinkRequested)
    assert (event.account_number, event.proof_destination) == (None, None)


def test_an_account_linked_by_someone_else_needs_proof_even_on_holder_match() -> None:
    [event] = decide(None, request(taken_by_other=True))
    assert isinstance(event, LinkRequested) and event.proof_destination == "+79161234567"


def test_unknown_subscriber_data_needs_proof() -> None:
    cmd = request(subscriber=None, account_id=new_id())
    [event] = decide(None, cmd)
    assert isinstance(event, LinkRequested) and event.proof_destination == "+79161234567"


def test_the_same_service_twice_keeps_the_existing_link() -> None:
    cmd = request()
    linked = fold(decide(None, cmd))
    assert decide(linked, cmd) == []
    mismatch = request(record=record(holder=person(first_name="Павел")))
    assert decide(pending(mismatch), mismatch) == []


def test_a_record_that_appears_later_does_not_complete_the_old_request() -> None:
    first = request(record=None)
    state = pending(first)
    confirm = ConfirmProof(first.link_id, first.account_id, "+79161234567", record())
    assert decide(state, confirm) == []
    again = request(
        link_id=first.link_id, subscriber=first.subscriber, record=record(holder=person(last_name="Х"))
    )
    [event] = decide(state, again)
    assert isinstance(event, LinkRequested) and event.proof_destination == "+79161234567"


def test_the_code_from_the_contract_phone_links() -> None:
    cmd = request(record=record(holder=person(first_name="Павел")))
    state = pending(cmd)
    [event] = decide(state, ConfirmProof(cmd.link_id, cmd.account_id, "+79161234567", record()))
    assert event == ServiceLinked(cmd.link_id, cmd.account_id, cmd.service, "770012345678", "code")
    assert (
        decide(fold([event], state), ConfirmProof(cmd.link_id, cmd.account_id, "+79161234567", record()))
        == []
    )


def test_a_proof_from_elsewhere_or_for_another_account_changes_nothing() -> None:
    cmd = request(record=record(holder=person(first_name="Павел")))
    state = pending(cmd)
    assert decide(state, ConfirmProof(cmd.link_id, cmd.account_id, "+79990000000", record())) == []
    assert decide(state, ConfirmProof(cmd.link_id, new_id(), "+79161234567", record())) == []


def test_a_proof_for_an_account_terminated_meanwhile_fails_the_request() -> None:
    cmd = request(record=record(holder=person(first_name="Павел")))
    confirm = ConfirmProof(cmd.link_id, cmd.account_id, "+79161234567", record(status="terminated"))
    assert decide(pending(cmd), confirm) == [LinkFailed(cmd.link_id, cmd.account_id, "account_unavailable")]


def test_a_dead_challenge_fails_only_a_pending_request() -> None:
    cmd = request(record=record(holder=person(first_name="Павел")))
    assert decide(pending(cmd), FailProof(cmd.link_id, cmd.account_id)) == [
        LinkFailed(cmd.link_id, cmd.account_id, "proof_failed")
    ]
    assert decide(fold(decide(None, request())), FailProof(cmd.link_id, cmd.account_id)) == []


def test_unlink_ends_the_link_of_its_own_account_only() -> None:
    cmd = request()
    linked = fold(decide(None, cmd))
    assert decide(linked, Unlink(cmd.link_id, cmd.account_id)) == [
        ServiceUnlinked(cmd.link_id, cmd.account_id, "unlinked")
    ]
    with pytest.raises(LinkNotFound):
        decide(linked, Unlink(cmd.link_id, new_id()))
    removed = fold(decide(linked, Unlink(cmd.link_id, cmd.account_id)), linked)
    with pytest.raises(LinkNotFound):
        decide(removed, Unlink(cmd.link_id, cmd.account_id))
    with pytest.raises(LinkNotFound):
        decide(None, Unlink(cmd.link_id, cmd.account_id))


def test_billing_ending_a_number_removes_links_and_fails_pending_requests() -> None:
    cmd = request()
    linked = fold(decide(None, cmd))
    assert decide(linked, EndByBilling(cmd.link_id, "number_released")) == [
        ServiceUnlinked(cmd.link_id, cmd.account_id, "number_released")
    ]
    waiting = request(record=record(holder=person(first_name="Павел")))
    assert decide(pending(waiting), EndByBilling(waiting.link_id, "terminated")) == [
        LinkFailed(waiting.link_id, waiting.account_id, "terminated")
    ]
    removed = fold(decide(linked, EndByBilling(cmd.link_id, "terminated")), linked)
    assert decide(removed, EndByBilling(cmd.link_id, "terminated")) == []


def test_a_removed_service_can_be_added_again_on_the_same_link() -> None:
    cmd = request()
    linked = fold(decide(None, cmd))
    removed = fold(decide(linked, Unlink(cmd.link_id, cmd.account_id)), linked)
    [event] = decide(removed, cmd)
    assert isinstance(event, ServiceLinked)
    assert fold([event], removed) == linked


def test_link_ids_are_one_per_account_and_service() -> None:
    a, b = new_id(), new_id()
    assert link_id_for(a, service()) == link_id_for(a, service())
    assert link_id_for(a, service()) != link_id_for(b, service())
    assert link_id_for(a, service()) != link_id_for(a, service(region="RU-SPE"))


def test_a_low_balance_is_told_once_per_drop_and_only_for_linked_services() -> None:
    cmd = request()
    linked = fold(decide(None, cmd))
    drop = WarnLowBalance(cmd.link_id, "0:17", "12.30", "RUB", "50.00")
    [event] = decide(linked, drop)
    assert isinstance(event, BalanceLow) and (event.amount, event.cause) == ("12.30", "0:17")
    warned = fold([event], linked)
    assert decide(warned, drop) == []  # the same feed message again
    assert len(decide(warned, WarnLowBalance(cmd.link_id, "0:42", "3.00", "RUB", "50.00"))) == 1
    waiting = request(record=record(holder=person(first_name="Павел")))
    assert decide(pending(waiting), WarnLowBalance(waiting.link_id, "0:17", "1.00", "RUB", "50.00")) == []
