"""Verification use cases over in-memory adapters: idempotent issue, supersede, submit, resend."""

from __future__ import annotations

import uuid

import pytest

from verification.domain import (
    ChallengeNotFound,
    ChallengeReplaced,
    CodeIssued,
    Confirmed,
    ResendTooSoon,
    SendBudgetExhausted,
    Superseded,
    WrongCode,
)
from verification.handlers import Target


def issued_codes(world):
    return [e for stream in world.repo.streams.values() for e in stream if isinstance(e, CodeIssued)]


def test_a_redelivered_request_opens_no_second_challenge(world, make_issue):
    cmd = make_issue()
    world.service.issue(cmd)
    world.service.issue(cmd)
    assert len(issued_codes(world)) == 1
    assert (
        len(world.sends.since(f"account:{cmd.binding.account_id}", world.clock.now.replace(year=2000))) == 1
    )


def test_submit_confirms_the_live_registration_challenge(world, make_issue):
    world.codes.queue.append("402913")
    cmd = make_issue()
    world.service.issue(cmd)
    result = world.service.submit(Target(cmd.binding.account_id, ("registration",), "sms"), "402913")
    assert (result.challenge_id, result.purpose) == (cmd.challenge_id, "registration")
    assert isinstance(world.repo.streams[cmd.challenge_id][-1], Confirmed)


def test_a_wrong_code_is_recorded_and_reported_with_attempts_left(world, make_issue):
    cmd = make_issue()
    world.service.issue(cmd)
    with pytest.raises(WrongCode) as wrong:
        world.service.submit(Target(cmd.binding.account_id, ("registration",)), "999999")
    assert wrong.value.attempts_left == 4
    assert world.repo.load(cmd.challenge_id)[0].attempts_left == 4


def test_a_code_for_another_purpose_or_request_finds_nothing(world, make_issue):
    cmd = make_issue(purpose="service_link", request_id=str(uuid.uuid4()))
    world.codes.queue.append("402913")
    world.service.issue(cmd)
    account = cmd.binding.account_id
    with pytest.raises(ChallengeNotFound):
        world.service.submit(Target(account, ("registration", "contact_change")), "402913")
    with pytest.raises(ChallengeNotFound):
        world.service.submit(Target(account, ("service_link",), request_id=str(uuid.uuid4())), "402913")


def test_a_newer_request_supersedes_the_older_challenge_of_its_scope(world, make_issue):
    account = str(uuid.uuid4())
    first = make_issue(account_id=account, purpose="password_reset", request_id=str(uuid.uuid4()))
    world.codes.queue.extend(["111111", "222222"])
    world.service.issue(first)
    world.clock.advance(seconds=5)
    second = make_issue(account_id=account, purpose="password_reset", request_id=str(uuid.uuid4()))
    world.service.issue(second)
    assert isinstance(world.repo.streams[first.challenge_id][-1], Superseded)
    world.service.issue(first)  # a late redelivery of the older request leaves the newer one alone
    assert isinstance(world.repo.streams[second.challenge_id][-1], CodeIssued)
    with pytest.raises(ChallengeReplaced):
        world.service.submit(
            Target(account, ("password_reset",), request_id=first.binding.request_id), "111111"
        )
    assert (
        world.service.submit(Target(account, ("password_reset",)), "222222").challenge_id
        == second.challenge_id
    )


def test_confirm_by_email_link(world, make_issue):
    cmd = make_issue(channel="email")
    world.service.issue(cmd)
    [issued] = issued_codes(world)
    result = world.service.submit_link(issued.link_token)
    assert result.channel == "email" and result.account_id == cmd.binding.account_id
    with pytest.raises(ChallengeNotFound):  # a registration link is no password-reset proof
        world.service.submit_link(issued.link_token, ("password_reset",))


def test_resend_cooldown_then_budget_per_contact(world, make_issue):
    cmd = make_issue()
    world.service.issue(cmd)
    target = Target(cmd.binding.account_id, ("registration",), "sms")
    with pytest.raises(ResendTooSoon):
        world.service.resend(target)
    for _ in range(4):  # 1 issue + 4 resends = the 5 codes a contact may get per hour
        world.clock.advance(seconds=61)
        assert world.service.resend(target) == world.clock.now + world.policy.ttl
    world.clock.advance(seconds=61)
    with pytest.raises(SendBudgetExhausted) as exhausted:
        world.service.resend(target)
    assert 0 < exhausted.value.retry_after <= 3600 - 4 * 61


def test_resend_without_a_challenge_is_not_found(world):
    with pytest.raises(ChallengeNotFound):
        world.service.resend(Target(str(uuid.uuid4()), ("registration",), "sms"))
