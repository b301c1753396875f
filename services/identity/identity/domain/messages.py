"""Commands and events of the account aggregate (frozen dataclasses, stdlib only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Channel = Literal["sms", "email"]
Kind = Literal["phone", "email"]
Locale = Literal["ru", "en"]
KIND_OF: dict[str, Kind] = {"sms": "phone", "email": "email"}
CHANNEL_OF: dict[str, Channel] = {"phone": "sms", "email": "email"}


@dataclass(frozen=True)
class Profile:
    """Who the subscriber is."""

    login: str
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: date
    region: str
    locale: str = "ru"


# --- commands -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Register:
    profile: Profile
    phone: str
    email: str
    confirm_via: Channel
    credential_id: str
    contact_in_use: bool = False


@dataclass(frozen=True)
class ConfirmContact:
    """Translated from verification's ContactConfirmed."""

    purpose: str
    channel: Channel
    destination: str
    request_id: str | None = None


@dataclass(frozen=True)
class RequestContactChange:
    request_id: str
    kind: Kind
    value: str
    contact_in_use: bool = False


@dataclass(frozen=True)
class ChangePassword:
    current_password_valid: bool
    credential_id: str


@dataclass(frozen=True)
class RequestPasswordReset:
    request_id: str
    channel: Channel | None = None


@dataclass(frozen=True)
class CompletePasswordReset:
    request_id: str
    credential_id: str


@dataclass(frozen=True)
class NoteContactReuse:
    """Someone else registered with a contact this account has confirmed."""

    channel: Channel
    destination: str


@dataclass(frozen=True)
class ReleaseNumber:
    """Billing says the phone number left this subscriber (ported, terminated, reassigned)."""

    phone: str


@dataclass(frozen=True)
class ChangeNotificationSettings:
    """Where account notices go (a confirmed contact's channel), whether low balance is told,
    and the language of messages."""

    channel: Channel
    low_balance: bool
    locale: Locale


@dataclass(frozen=True)
class Erase:
    """Close the account and erase its personal data (the subscriber, or an operator)."""

    requested_by: Literal["subscriber", "operator"]
    at: datetime


Command = (
    Register
    | ConfirmContact
    | RequestContactChange
    | ChangePassword
    | RequestPasswordReset
    | CompletePasswordReset
    | NoteContactReuse
    | ReleaseNumber
    | ChangeNotificationSettings
    | Erase
)


# --- events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Registered:
    profile: Profile
    phone: str
    email: str
    confirm_via: Channel
    credential_id: str
    contact_in_use: bool = False


@dataclass(frozen=True)
class Activated:
    channel: Channel
    destination: str


@dataclass(frozen=True)
class ContactVerified:
    channel: Channel
    destination: str


@dataclass(frozen=True)
class ContactChangeRequested:
    request_id: str
    kind: Kind
    value: str
    previous_value: str
    contact_in_use: bool = False


@dataclass(frozen=True)
class ContactChanged:
    request_id: str
    kind: Kind
    value: str
    previous_value: str


@dataclass(frozen=True)
class PasswordChanged:
    reason: Literal["change", "recovery"]
    credential_id: str


@dataclass(frozen=True)
class PasswordResetRequested:
    request_id: str
    channel: Channel
    destination: str


@dataclass(frozen=True)
class ContactUsedAgain:
    channel: Channel
    destination: str


@dataclass(frozen=True)
class PhoneReleased:
    """The confirmed phone was recycled: it no longer receives codes or recovery."""

    phone: str


@dataclass(frozen=True)
class NotificationSettingsChanged:
    channel: Channel
    low_balance: bool
    locale: Locale


@dataclass(frozen=True)
class Erased:
    requested_by: Literal["subscriber", "operator"]
    at: datetime


Event = (
    Registered
    | Activated
    | ContactVerified
    | ContactChangeRequested
    | ContactChanged
    | PasswordChanged
    | PasswordResetRequested
    | ContactUsedAgain
    | PhoneReleased
    | NotificationSettingsChanged
    | Erased
)
