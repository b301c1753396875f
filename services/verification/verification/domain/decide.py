"""Decisions over a challenge: issue, submit, resend, supersede."""

from __future__ import annotations

import hmac
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from verification.domain.errors import (
    AttemptsExhausted,
    ChallengeNotFound,
    ChallengeReplaced,
    CodeAlreadyUsed,
    CodeExpired,
    ResendTooSoon,
    SendBudgetExhausted,
    VerificationError,
    WrongCode,
)
from verification.domain.model import (
    Challenge,
    CodeIssued,
    CodeRejected,
    Command,
    Confirmed,
    Event,
    Failed,
    Issue,
    Policy,
    RecentSends,
    Resend,
    Submit,
    Supersede,
    Superseded,
    Tools,
)


def decide(state: Challenge | None, command: Command, tools: Tools, policy: Policy) -> list[Event]:
    """The events a command produces; a named error when it is refused."""
    if isinstance(command, Issue):
        return [] if state is not None else [_issue(command, tools, policy)]
    if state is None:
        raise ChallengeNotFound("No such challenge.")
    if isinstance(command, Supersede):
        if not _open(state):
            return []
        return [Superseded(state.challenge_id, state.binding, command.by, tools.now())]
    if isinstance(command, Resend):
        return [_resend(state, command.recent, tools, policy)]
    return [_submit(state, command, tools)]


def _open(state: Challenge) -> bool:
    return state.status in ("pending", "failed")


def _issue(cmd: Issue, tools: Tools, policy: Policy) -> CodeIssued:
    now, code = tools.now(), tools.new_code()
    token = tools.new_token() if cmd.binding.channel == "email" else None
    return CodeIssued(
        challenge_id=cmd.challenge_id,
        binding=cmd.binding,
        destination=cmd.destination,
        locale=cmd.locale,
        code=code,
        link_token=token,
        code_hash=tools.code_digest(cmd.challenge_id, code),
        link_hash=tools.link_digest(token) if token else None,
        expires_at=now + policy.ttl,
        at=now,
    )


def _resend(state: Challenge, recent: RecentSends, tools: Tools, policy: Policy) -> CodeIssued:
    _refuse_if_closed(state)
    now = tools.now()
    wait = state.last_sent_at + policy.cooldown - now
    if wait > timedelta(0):
        raise ResendTooSoon(_seconds(wait), "A code was sent moments ago; wait before asking again.")
    for sends, limit in ((recent.contact, policy.per_contact), (recent.account, policy.per_account)):
        after = budget_wait(sends, now, limit=limit, window=policy.window)
        if after:
            raise SendBudgetExhausted(after, "Too many codes were sent this hour.")
    # a failed (dead) challenge reopens with a fresh code and fresh attempts, within the budget
    issue = Issue(state.challenge_id, state.binding, state.destination, state.locale)
    return _issue(issue, tools, policy)


def _submit(state: Challenge, cmd: Submit, tools: Tools) -> Confirmed | CodeRejected | Failed:
    _refuse_if_closed(state)
    if state.status == "failed":
        raise CodeExpired("The code expired.") if state.failure == "expired" else _exhausted()
    now = tools.now()
    if state.expired(now):
        return Failed(state.challenge_id, state.binding, "expired", now)
    if _matches(state, cmd, tools):
        return Confirmed(state.challenge_id, state.binding, state.destination, now)
    left = state.attempts_left - 1
    if left <= 0:
        return Failed(state.challenge_id, state.binding, "attempts_exhausted", now)
    return CodeRejected(state.challenge_id, state.binding, left, now)


def _matches(state: Challenge, cmd: Submit, tools: Tools) -> bool:
    if cmd.by_link:
        token_hash = tools.link_digest(cmd.secret)
        return state.link_hash is not None and hmac.compare_digest(state.link_hash, token_hash)
    return hmac.compare_digest(state.code_hash, tools.code_digest(state.challenge_id, cmd.secret))


def _refuse_if_closed(state: Challenge) -> None:
    if state.status == "confirmed":
        raise CodeAlreadyUsed("The code was already used.")
    if state.status == "superseded":
        raise ChallengeReplaced("A newer code replaced this one.")


def verdict(events: Sequence[Event]) -> VerificationError | None:
    """The error a submission's outcome is reported as (after its event is stored)."""
    last = events[-1] if events else None
    if isinstance(last, CodeRejected):
        return WrongCode(last.attempts_left)
    if isinstance(last, Failed):
        return CodeExpired("The code expired.") if last.reason == "expired" else _exhausted()
    return None


def _exhausted() -> AttemptsExhausted:
    return AttemptsExhausted("Too many wrong codes; ask for a new one.")


def budget_wait(sends: Sequence[datetime], now: datetime, *, limit: int, window: timedelta) -> int:
    """Seconds until one more send fits `limit` sends per `window` (0 when it fits now)."""
    inside = sorted(t for t in sends if t > now - window)
    if len(inside) < limit:
        return 0
    return _seconds(inside[len(inside) - limit] + window - now)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))
