"""The challenge aggregate: expiry, attempts, single use, binding, cooldown, budget, resend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from verification.domain import (
    AttemptsExhausted,
    ChallengeReplaced,
    CodeAlreadyUsed,
    CodeExpired,
    CodeIssued,
    CodeRejected,
    Confirmed,
    Failed,
    Issue,
    RecentSends,
    Resend,
    ResendTooSoon,
    SendBudgetExhausted,
    Submit,
    Supersede,
    budget_wait,
    decide,
    evolve,
    replay,
    verdict,
)


@pytest.fixture
def opened(world, make_issue):
    """A freshly issued SMS challenge whose code is 402913."""
    world.codes.queue.append("402913")
    events = decide(None, make_issue(), world.tools, world.policy)
    return replay(events), events[0]


def test_issue_keeps_only_the_digest_and_expires_in_ten_minutes(world, opened):
    state, issued = opened
    assert isinstance(issued, CodeIssued) and issued.code == "402913"
    assert "402913" not in state.code_hash and not hasattr(state, "code")
    assert state.expires_at == world.clock.now + timedelta(minutes=10)
    assert state.attempts_left == 5 and state.link_hash is None


def test_email_challenges_also_carry_a_link_token(world, make_issue):
    [issued] = decide(None, make_issue(channel="email"), world.tools, world.policy)
    assert issued.link_token and issued.link_hash == world.tools.link_digest(issued.link_token)


def test_issuing_twice_changes_nothing(world, opened):
    state, issued = opened
    assert decide(state, _issue_of(issued), world.tools, world.policy) == []


def test_the_right_code_confirms_once(world, opened):
    state, _ = opened
    [event] = decide(state, Submit("402913"), world.tools, world.policy)
    assert isinstance(event, Confirmed) and event.destination == "+79161234567"
    with pytest.raises(CodeAlreadyUsed):
        decide(evolve(state, event), Submit("402913"), world.tools, world.policy)


def test_a_wrong_code_counts_down_and_the_fifth_kills_the_challenge(world, opened):
    state, _ = opened
    for left in (4, 3, 2, 1):
        [event] = decide(state, Submit("000000"), world.tools, world.policy)
        assert isinstance(event, CodeRejected) and event.attempts_left == left
        assert str(verdict([event])) == f"Wrong code, {left} attempts left."
        state = evolve(state, event)
    [dead] = decide(state, Submit("000000"), world.tools, world.policy)
    assert isinstance(dead, Failed) and dead.reason == "attempts_exhausted"
    assert isinstance(verdict([dead]), AttemptsExhausted)
    with pytest.raises(AttemptsExhausted):  # even the right code no longer works
        decide(_apply(state, dead), Submit("402913"), world.tools, world.policy)


def test_after_ten_minutes_the_code_is_expired(world, opened):
    state, _ = opened
    world.clock.advance(minutes=10)
    [event] = decide(state, Submit("402913"), world.tools, world.policy)
    assert isinstance(event, Failed) and event.reason == "expired"
    assert isinstance(verdict([event]), CodeExpired)
    with pytest.raises(CodeExpired):
        decide(_apply(state, event), Submit("402913"), world.tools, world.policy)


def test_a_code_is_bound_to_its_challenge(world, make_issue):
    """The same digits issued for another account or purpose do not match this challenge."""
    world.codes.queue.extend(["111111", "222222"])
    mine = replay(decide(None, make_issue(), world.tools, world.policy))
    other = replay(decide(None, make_issue(purpose="password_reset"), world.tools, world.policy))
    assert isinstance(decide(mine, Submit("222222"), world.tools, world.policy)[0], CodeRejected)
    assert isinstance(decide(other, Submit("111111"), world.tools, world.policy)[0], CodeRejected)


def test_resend_waits_for_the_cooldown(world, opened):
    state, _ = opened
    world.clock.advance(seconds=20)
    with pytest.raises(ResendTooSoon) as too_soon:
        decide(state, Resend(), world.tools, world.policy)
    assert too_soon.value.retry_after == 40


def test_a_resent_code_replaces_the_old_one(world, opened):
    state, _ = opened
    world.clock.advance(seconds=61)
    world.codes.queue.append("555555")
    [again] = decide(state, Resend(), world.tools, world.policy)
    state = _apply(state, again)
    assert isinstance(decide(state, Submit("402913"), world.tools, world.policy)[0], CodeRejected)
    assert isinstance(decide(state, Submit("555555"), world.tools, world.policy)[0], Confirmed)
    assert state.expires_at == world.clock.now + timedelta(minutes=10)


def test_resend_reopens_a_dead_challenge_with_fresh_attempts(world, opened):
    state, _ = opened
    state = _apply(state, Failed(state.challenge_id, state.binding, "attempts_exhausted", world.clock.now))
    world.clock.advance(minutes=2)
    [again] = decide(state, Resend(), world.tools, world.policy)
    assert _apply(state, again).attempts_left == 5


def test_resend_respects_the_hourly_budgets(world, opened):
    state, _ = opened
    world.clock.advance(minutes=5)
    now = world.clock.now
    full = [now - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    with pytest.raises(SendBudgetExhausted) as exhausted:
        decide(state, Resend(RecentSends(contact=full)), world.tools, world.policy)
    assert exhausted.value.retry_after == 10 * 60  # the oldest send leaves the window in 10 min
    with pytest.raises(SendBudgetExhausted):
        decide(state, Resend(RecentSends(account=full * 2)), world.tools, world.policy)
    assert decide(state, Resend(RecentSends(contact=full[1:])), world.tools, world.policy)


def test_budget_wait_counts_only_sends_inside_the_window(world):
    now, hour = world.clock.now, timedelta(hours=1)
    old = [now - timedelta(minutes=61)] * 10
    assert budget_wait(old, now, limit=1, window=hour) == 0
    assert budget_wait([now - timedelta(minutes=1)], now, limit=1, window=hour) == 59 * 60


def test_a_superseded_challenge_no_longer_confirms(world, opened):
    state, _ = opened
    [gone] = decide(state, Supersede(by="newer"), world.tools, world.policy)
    state = _apply(state, gone)
    with pytest.raises(ChallengeReplaced):
        decide(state, Submit("402913"), world.tools, world.policy)
    assert decide(state, Supersede(by="newest"), world.tools, world.policy) == []


def _apply(state, event):
    return evolve(state, event)


def _issue_of(issued):
    return Issue(issued.challenge_id, issued.binding, issued.destination, issued.locale)
