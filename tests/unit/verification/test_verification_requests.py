"""Request events become `Issue` commands: purpose, binding, destination; same id on redelivery."""

from __future__ import annotations

import uuid

import pytest

from kabinet.contracts import REGISTRY, new_envelope
from verification.consumers import challenge_id_for, to_issue


def event(event_type: str, **overrides):
    payload = {**REGISTRY.latest(event_type).example, **overrides}
    return new_envelope(
        event_type,
        payload,
        event_version=1,
        producer="test",
        stream_id="s",
        stream_version=1,
        correlation_id="c",
    )


def test_registration_asks_for_a_code_on_the_chosen_channel():
    env = event("UserRegistered", confirm_via="email")
    cmd = to_issue(env)
    assert cmd.challenge_id == challenge_id_for(env.event_id) == to_issue(env).challenge_id
    assert (cmd.binding.purpose, cmd.binding.channel, cmd.destination) == (
        "registration",
        "email",
        "petr@example.ru",
    )


@pytest.mark.parametrize("event_type", ["UserRegistered", "ContactChangeRequested"])
def test_a_contact_confirmed_by_another_account_gets_no_code(event_type):
    assert to_issue(event(event_type, contact_in_use=True)) is None


def test_contact_change_proves_the_new_contact_for_its_request():
    request_id = str(uuid.uuid4())
    cmd = to_issue(event("ContactChangeRequested", kind="phone", value="+79990001122", request_id=request_id))
    assert (cmd.binding.purpose, cmd.binding.channel, cmd.binding.request_id) == (
        "contact_change",
        "sms",
        request_id,
    )
    assert cmd.destination == "+79990001122"


def test_password_reset_and_service_link_are_bound_to_their_request():
    reset = to_issue(event("PasswordResetRequested"))
    assert (reset.binding.purpose, reset.binding.request_id) == (
        "password_reset",
        "0b8f5c8e-1d2a-4e7f-8c3b-5a6d7e8f9012",
    )
    link = to_issue(event("ServiceLinkRequested"))
    assert (link.binding.purpose, link.binding.request_id) == (
        "service_link",
        "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
    )
    assert link.destination == "+79161234567" and link.binding.channel == "sms"
    assert to_issue(event("ServiceLinkRequested", proof_destination=None)) is None


def test_other_events_ask_for_nothing():
    assert to_issue(event("PasswordChanged")) is None


def test_the_requests_consumer_reads_every_type_that_can_open_a_challenge():
    from verification.consumers import CONSUMERS, REQUESTS

    wanted = CONSUMERS["requests"].event_types
    for spec in REGISTRY:
        if spec.event_type not in wanted:
            assert to_issue(event(spec.event_type)) is None, spec.event_type
    assert set(REQUESTS) <= wanted and "AccountErased" in wanted
