"""Named domain errors: each maps to one HTTP problem in the app's table."""

from __future__ import annotations


class DomainError(Exception):
    """A command the account refuses; each subclass maps to one HTTP problem."""


class LoginTaken(DomainError):
    """Another account holds this login (case-insensitive)."""


class InvalidCredentials(DomainError):
    """Login or password is wrong (one error for both: no enumeration)."""


class ConfirmationRequired(DomainError):
    """The account has no confirmed contact yet."""


class CurrentPasswordWrong(DomainError):
    """A signed-in subscriber typed a wrong current password."""


class PasswordMismatch(DomainError):
    """The password and its confirmation differ; `field` names the confirmation field."""

    def __init__(
        self, message: str = "The passwords do not match.", *, field: str = "password_confirmation"
    ) -> None:
        super().__init__(message)
        self.field = field


class WeakPassword(DomainError):
    """The password breaks the policy; `reasons` say how, `field` names the input field."""

    def __init__(self, reasons: list[str], *, field: str = "password") -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
        self.field = field


class AccountNotFound(DomainError):
    """No such account."""


class ServiceNotFound(DomainError):
    """No such service link of the caller's (another subscriber's, removed or unknown)."""


class SessionNotFound(DomainError):
    """No such live session of the caller's (another subscriber's, ended or unknown)."""


class AccountNotActive(DomainError):
    """The command needs an active account."""


class ChannelNotConfirmed(DomainError):
    """Notices may go only to a confirmed contact; `field` names the input field."""

    def __init__(self, message: str = "Confirm this contact first.", *, field: str = "channel") -> None:
        super().__init__(message)
        self.field = field


class NoConfirmedContact(DomainError):
    """There is no confirmed contact to send a recovery code to."""


class ResetNotRequested(DomainError):
    """No open password-reset request with this id."""
