"""Linked services through the gateway while the billing feed moves, across every service as real processes.

The operator's billing system is played by publishing its contract events (API.md part B) to
the billing feed topic of the stack; everything else is HTTP through the gateway and the dev
inbox: status and balance changes seen in the service details, unlinking, a foreign account
getting the uniform reply with no code to anyone but the contract phone, and a released number
ending its link and (identity side) losing its confirmed status with a notice to the owner.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from journey_support import (
    active_subscriber,
    add_service,
    api,
    bearer,
    billing_account,
    billing_system,  # noqa: F401 - the `billing` fixture
    code_in,
    confirm,
    contacts,
    email,
    inbox,
    linked,
    me,
    nth_message,
    phone,
    quiet,
    service_ids,
    settled,
)
from support import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def linked_internet(stack, billing):
    """An active subscriber with an internet service linked by holder match: (auth, account, link id)."""
    person, _, tokens = active_subscriber(stack)
    auth = bearer(tokens)
    account = billing_account(person)
    billing("BillingAccountUpserted", account)
    body = {"region": person["region"], "type": "internet", "identifier": account["account_number"]}
    return auth, account, linked(stack, auth, body)["link_id"]


def details(stack, auth, link_id):
    resp = api(stack, "GET", f"/api/v1/services/{link_id}", auth=auth)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_a_status_change_shows_in_the_service_details(stack, billing, linked_internet):
    auth, account, link_id = linked_internet
    before = details(stack, auth, link_id)
    assert before.get("service_status") == "active", f"no billing status in the details: {before}"

    billing("AccountStatusChanged", {"account_number": account["account_number"], "status": "suspended"})

    shown = wait_for(
        lambda: (d := details(stack, auth, link_id)).get("service_status") == "suspended" and d,
        what="the suspended status in the service details",
    )
    assert shown["status"] == "linked"  # suspended by billing, still linked to the subscriber


def test_a_balance_change_shows_in_the_service_details_within_a_second(
    stack, billing, linked_internet, record_property
):
    auth, account, link_id = linked_internet
    before = details(stack, auth, link_id)
    assert Decimal(before["balance"]["amount"]) == Decimal("250.00")
    change = {"account_number": account["account_number"], "balance": {"amount": "-12.40", "currency": "RUB"},
              "reason": "monthly fee"}  # fmt: skip

    started = time.monotonic()
    billing("BalanceChanged", change)
    shown = wait_for(
        lambda: (d := details(stack, auth, link_id))["balance"]["amount"] == "-12.40" and d,
        every=0.01,
        what="the new balance in the service details",
    )
    seconds = time.monotonic() - started

    record_property("balance_visible_seconds", round(seconds, 3))
    print(f"\nbalance change visible through the gateway after {seconds * 1000:.0f} ms")
    assert seconds < 5.0  # the goal is < 1 s; generous on a loaded two-core machine (the figure is recorded)
    assert shown["balance"]["currency"] == "RUB"
    assert shown["updated_at"] >= before["updated_at"]
    [listed] = [s for s in api(stack, "GET", "/api/v1/services", auth=auth).json() if s["link_id"] == link_id]
    assert listed["balance"] == {"amount": "-12.40", "currency": "RUB"}


def test_unlinking_removes_the_service(stack, linked_internet):
    auth, _, link_id = linked_internet
    assert link_id in service_ids(stack, auth)

    resp = api(stack, "DELETE", f"/api/v1/services/{link_id}", auth=auth)

    assert resp.status_code == 204, resp.text
    assert link_id not in service_ids(stack, auth)
    assert api(stack, "GET", f"/api/v1/services/{link_id}", auth=auth).status_code == 404
    assert api(stack, "DELETE", f"/api/v1/services/{link_id}", auth=auth).status_code == 404


def test_a_foreign_account_gets_the_uniform_reply_and_no_code_goes_but_to_the_contract_phone(
    stack, billing, linked_internet
):
    owner_auth, account, owner_link = linked_internet
    contract_phone = phone()  # the phone on the contract is nobody's contact in Kabinet
    billing("BillingAccountUpserted", {**account, "contract_phone": contract_phone})
    stranger, _, tokens = active_subscriber(
        stack, last_name="Петров", first_name="Олег", birth_date="1979-02-01"
    )
    auth = bearer(tokens)
    body = {"region": account["region"], "type": "internet"}

    unknown = add_service(stack, auth, {**body, "identifier": "998877665544"})
    foreign = add_service(stack, auth, {**body, "identifier": account["account_number"]})

    assert set(unknown) == set(foreign) == {"link_id", "status"}
    assert unknown["status"] == foreign["status"] == "pending_proof"
    code_in(nth_message(stack, contract_phone, 1))  # a proof code may go to the contract phone only
    seen = foreign["link_id"]
    shown = details(stack, auth, seen)
    assert (shown["status"], shown["balance"], shown["plan"]) == (
        "pending_proof",
        None,
        None,
    )  # learns nothing

    def someone_else_got_something():
        return (
            len(inbox(stack, stranger["phone"])) > 1  # more than the registration code
            or inbox(stack, stranger["email"])
            or len(inbox(stack, contract_phone)) > 1
        )

    quiet(someone_else_got_something, for_seconds=2.0)
    assert owner_link in service_ids(stack, owner_auth)  # the owner's link stands
    assert seen not in service_ids(stack, owner_auth)


def test_a_released_mobile_number_ends_its_link(stack, billing):
    person, _, tokens = active_subscriber(stack)
    auth = bearer(tokens)
    number = person["phone"]
    account = billing_account(person, service_type="mobile", identifiers=[number])
    billing("BillingAccountUpserted", account)
    spaced = f"{number[:2]} {number[2:5]} {number[5:8]}-{number[8:10]}-{number[10:]}"
    link_id = linked(stack, auth, {"region": person["region"], "type": "mobile", "identifier": spaced})[
        "link_id"
    ]

    billing("NumberReleased", {"phone": number, "account_number": account["account_number"]})

    wait_for(lambda: link_id not in service_ids(stack, auth), what="the released number's link removed")
    assert api(stack, "GET", f"/api/v1/services/{link_id}", auth=auth).status_code == 404


def test_a_released_number_is_no_longer_a_confirmed_contact_and_the_owner_is_told(stack, billing):
    """Identity's side of the number recycling guard (issue 6, "Done means")."""
    person, account_id, tokens = active_subscriber(stack)
    auth = bearer(tokens)
    new_email = email()  # a second confirmed channel to be told on
    assert api(stack, "PATCH", "/api/v1/me/contacts", json={"email": new_email}, auth=auth).status_code == 202
    assert confirm(stack, account_id, "email", code_in(nth_message(stack, new_email, 1))).status_code == 200
    settled(stack, auth, "email")
    letters = len(inbox(stack, new_email))
    account = billing_account(person, service_type="mobile", identifiers=[person["phone"]])
    billing("BillingAccountUpserted", account)

    billing("NumberReleased", {"phone": person["phone"], "account_number": account["account_number"]})

    def unconfirmed():
        phones = contacts(me(stack, auth), "phone")
        return all(not c["confirmed"] for c in phones) and phones

    wait_for(unconfirmed, timeout=20, what="the released phone shown unconfirmed in the profile")
    wait_for(
        lambda: len(inbox(stack, new_email)) > letters, what="a notice by email about the released number"
    )
