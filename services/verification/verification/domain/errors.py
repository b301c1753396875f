"""Named errors of the verification domain."""

from __future__ import annotations


class VerificationError(Exception):
    """Base of the named verification errors."""


class ChallengeNotFound(VerificationError):
    """No challenge matches the request."""


class ChallengeGone(VerificationError):
    """The challenge can no longer be confirmed (`reason` says why)."""

    reason = "gone"


class CodeAlreadyUsed(ChallengeGone):
    """The challenge was already confirmed."""

    reason = "used"


class CodeExpired(ChallengeGone):
    """The code's ten minutes are over."""

    reason = "expired"


class AttemptsExhausted(ChallengeGone):
    """Too many wrong codes: the challenge is dead."""

    reason = "attempts_exhausted"


class ChallengeReplaced(ChallengeGone):
    """A newer challenge for the same request replaced this one."""

    reason = "superseded"


class WrongCode(VerificationError):
    """The code does not match; `attempts_left` more tries."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"Wrong code, {attempts_left} attempts left.")
        self.attempts_left = attempts_left


class ResendRefused(VerificationError):
    """A new code may not be sent yet; `retry_after` seconds to wait."""

    def __init__(self, retry_after: int, why: str) -> None:
        super().__init__(why)
        self.retry_after = retry_after


class ResendTooSoon(ResendRefused):
    """The cooldown since the last code has not passed."""


class SendBudgetExhausted(ResendRefused):
    """The hourly budget of codes for this contact or account is used up."""
