"""The account aggregate: state, `decide` and `evolve` (pure, stdlib only)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from identity.domain.errors import (
    AccountNotActive,
    AccountNotFound,
    ChannelNotConfirmed,
    ConfirmationRequired,
    CurrentPasswordWrong,
    InvalidCredentials,
    LoginTaken,
    NoConfirmedContact,
    ResetNotRequested,
)
from identity.domain.messages import (
    KIND_OF,
    Activated,
    ChangeNotificationSettings,
    ChangePassword,
    Channel,
    Command,
    CompletePasswordReset,
    ConfirmContact,
    ContactChanged,
    ContactChangeRequested,
    ContactUsedAgain,
    ContactVerified,
    Erase,
    Erased,
    Event,
    Kind,
    NoteContactReuse,
    NotificationSettingsChanged,
    PasswordChanged,
    PasswordResetRequested,
    PhoneReleased,
    Profile,
    Register,
    Registered,
    ReleaseNumber,
    RequestPasswordReset,
)


# --- state ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Contact:
    value: str
    confirmed: bool = False


@dataclass(frozen=True)
class Account:
    """What decisions need to know about one account."""

    account_id: str
    profile: Profile
    phone: Contact
    email: Contact
    confirm_via: Channel
    credential_id: str
    status: Literal["pending_confirmation", "active", "erased"] = "pending_confirmation"
    pending_changes: tuple[ContactChangeRequested, ...] = ()
    reset_requests: tuple[str, ...] = ()
    notices: NotificationSettingsChanged | None = None  # the subscriber's last choice, if any
    version: int = 0

    def contact(self, kind: Kind) -> Contact:
        """The phone or the email."""
        return self.phone if kind == "phone" else self.email


def decide(state: Account | None, command: Command) -> list[Event]:
    """The events a command causes on the account (none when it changes nothing)."""
    if isinstance(command, Register):
        if state is not None:
            raise LoginTaken("the account exists")
        c = command
        return [Registered(c.profile, c.phone, c.email, c.confirm_via, c.credential_id, c.contact_in_use)]
    if state is None or state.status == "erased":
        if isinstance(command, Erase) and state is not None:
            return []  # erased already: nothing more to do
        raise AccountNotFound("no such account")
    if isinstance(command, Erase):
        return [Erased(command.requested_by, command.at)]
    if isinstance(command, ConfirmContact):
        return _confirm(state, command)
    if isinstance(command, NoteContactReuse):
        kind = KIND_OF[command.channel]
        mine = state.contact(kind)
        reused = mine.confirmed and mine.value == command.destination
        return [ContactUsedAgain(command.channel, command.destination)] if reused else []
    if isinstance(command, ReleaseNumber):
        released = state.phone.confirmed and state.phone.value == command.phone
        return [PhoneReleased(command.phone)] if released else []
    if isinstance(command, RequestPasswordReset):
        return [_reset_request(state, command)]
    if isinstance(command, CompletePasswordReset):
        if command.request_id not in state.reset_requests:
            raise ResetNotRequested("no open password reset with this id")
        return [PasswordChanged("recovery", command.credential_id)]
    if state.status != "active":
        raise AccountNotActive("the account is not active")
    if isinstance(command, ChangePassword):
        if not command.current_password_valid:
            raise CurrentPasswordWrong("The current password is wrong.")
        return [PasswordChanged("change", command.credential_id)]
    if isinstance(command, ChangeNotificationSettings):
        return _notification_settings(state, command)
    current = state.contact(command.kind).value
    if command.value == current:
        return []
    return [
        ContactChangeRequested(
            command.request_id, command.kind, command.value, current, command.contact_in_use
        )
    ]


def _confirm(state: Account, command: ConfirmContact) -> list[Event]:
    kind = KIND_OF[command.channel]
    if command.purpose == "registration":
        contact = state.contact(kind)
        if contact.value != command.destination or contact.confirmed:
            return []  # stale (the contact changed since) or a redelivery
        if state.status == "pending_confirmation":
            return [Activated(command.channel, command.destination)]
        return [ContactVerified(command.channel, command.destination)]
    if command.purpose == "contact_change":
        for c in state.pending_changes:
            if (c.request_id, c.value, c.kind) == (command.request_id, command.destination, kind):
                return [ContactChanged(c.request_id, c.kind, c.value, c.previous_value)]
    return []  # password_reset and service_link confirmations are handled elsewhere


def _notification_settings(state: Account, command: ChangeNotificationSettings) -> list[Event]:
    if not state.contact(KIND_OF[command.channel]).confirmed:
        what = "phone" if command.channel == "sms" else "email"
        raise ChannelNotConfirmed(f"Confirm your {what} before notices can go there.")
    chosen = NotificationSettingsChanged(command.channel, command.low_balance, command.locale)
    return [] if chosen == state.notices else [chosen]


def _reset_request(state: Account, command: RequestPasswordReset) -> PasswordResetRequested:
    if state.status != "active":
        raise NoConfirmedContact("the account has no confirmed contact")
    order: list[Channel] = [command.channel or state.confirm_via, "sms", "email"]
    for channel in order:
        contact = state.contact(KIND_OF[channel])
        if contact.confirmed:
            return PasswordResetRequested(command.request_id, channel, contact.value)
    raise NoConfirmedContact("the account has no confirmed contact")


def evolve(state: Account | None, event: Event, *, account_id: str = "") -> Account:
    """The account after one event; `account_id` names the stream for the first one."""
    if isinstance(event, Registered):
        return Account(
            account_id=account_id,
            profile=event.profile,
            phone=Contact(event.phone),
            email=Contact(event.email),
            confirm_via=event.confirm_via,
            credential_id=event.credential_id,
            version=1,
        )
    if state is None:
        raise AccountNotFound("an account stream must start with its registration")
    state = replace(state, version=state.version + 1)
    if isinstance(event, (Activated, ContactVerified)):
        state = _with_contact(state, KIND_OF[event.channel], Contact(event.destination, True))
        return replace(state, status="active")
    if isinstance(event, ContactChangeRequested):
        kept = tuple(c for c in state.pending_changes if c.kind != event.kind)
        return replace(state, pending_changes=(*kept, event))
    if isinstance(event, ContactChanged):
        state = _with_contact(state, event.kind, Contact(event.value, True))
        kept = tuple(c for c in state.pending_changes if c.kind != event.kind)
        return replace(state, pending_changes=kept)
    if isinstance(event, PasswordChanged):
        return replace(state, credential_id=event.credential_id, reset_requests=())
    if isinstance(event, PasswordResetRequested):
        return replace(state, reset_requests=(*state.reset_requests[-4:], event.request_id))
    if isinstance(event, PhoneReleased):
        return replace(state, phone=Contact(event.phone, confirmed=False))
    if isinstance(event, NotificationSettingsChanged):  # later events carry the new language
        return replace(state, notices=event, profile=replace(state.profile, locale=event.locale))
    if isinstance(event, Erased):
        return replace(state, status="erased", pending_changes=(), reset_requests=())
    return state  # ContactUsedAgain changes nothing the account decides on


def _with_contact(state: Account, kind: Kind, contact: Contact) -> Account:
    return replace(state, phone=contact) if kind == "phone" else replace(state, email=contact)


def fold(events: list[Event], *, account_id: str) -> Account | None:
    """Rebuild the state from the stream's events."""
    state: Account | None = None
    for event in events:
        state = evolve(state, event, account_id=account_id)
    return state


def check_sign_in(state: Account | None, *, password_valid: bool) -> Account:
    """The account a sign-in opens; the password is judged before the status (no enumeration)."""
    if state is None or not password_valid or state.status == "erased":
        raise InvalidCredentials("wrong login or password")
    if state.status != "active":
        raise ConfirmationRequired("confirm your phone or email first")
    return state
