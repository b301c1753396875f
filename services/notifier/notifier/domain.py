"""Notifier domain (pure): which message an event calls for, delivery decisions, masking."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

NOTIFICATION_NS = uuid.UUID("0c6f4b7e-2f1d-4a8e-b3c5-9d7e1f2a3b4c")
KIND_CHANNEL = {"phone": "sms", "email": "email"}
# events about an account that name no address: the notice goes to the account's confirmed contact
ACCOUNT_NOTICES = {
    "PasswordChanged": "password_changed",
    "AccountSoftLocked": "soft_locked",
    "ServiceAdded": "service_added",
    "ServiceRemoved": "service_removed",
    "ServiceBalanceLow": "low_balance",  # billing-link emits one per crossing of its threshold
}
# every event type `plan` may answer with a message
MESSAGE_EVENTS = frozenset(
    {
        "VerificationRequested",
        "ContactChangeRequested",
        "ContactUsedAgain",
        "ContactReleased",
        *ACCOUNT_NOTICES,
    }
)


@dataclass(frozen=True)
class Contacts:
    """What the notifier knows of an account's contacts (from identity's and verification's events)."""

    account_id: str
    phone: str | None = None
    email: str | None = None
    locale: str = "ru"
    preferred: str | None = None  # the channel confirmed first, or chosen; account-only notices go there
    email_confirmed: bool = False
    low_balance: bool = True  # the subscriber may silence low-balance notices (only those)
    login: str | None = None  # told with a recovery code: someone who forgot the password may not know it

    def address(self, channel: str) -> str | None:
        """The contact of `channel`."""
        return self.phone if channel == "sms" else self.email


@dataclass(frozen=True)
class Notice:
    """One message to send: exactly one per `key` (the cause event id, or event id + account)."""

    key: str
    cause_event_id: str
    account_id: str | None
    channel: str
    to: str
    template: str
    locale: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def notification_id(self) -> str:
        """Deterministic id of the notification, the same on every redelivery."""
        return str(uuid.uuid5(NOTIFICATION_NS, self.key))


def contact_update(event_type: str, p: Mapping[str, Any]) -> dict[str, Any] | None:
    """The fields an event sets in the contacts read model of `p["account_id"]`, if any."""
    if event_type == "UserRegistered":
        return {
            "phone": p["phone"],
            "email": p["email"],
            "locale": p.get("locale") or "ru",
            "registered_via": p["confirm_via"],
            "login": p["login"],
        }
    if event_type in ("AccountActivated", "ContactVerified"):
        update: dict[str, Any] = {
            "phone" if p["channel"] == "sms" else "email": p["destination"],
            "confirmed_" + p["channel"]: True,
        }
        if event_type == "AccountActivated":
            update["preferred"] = p["channel"]
        return update
    if event_type == "ContactChanged":
        return {p["kind"]: p["value"], "confirmed_" + KIND_CHANNEL[p["kind"]]: True}
    if event_type == "ContactReleased":  # a recycled number: account notices go by email from now on
        return {"phone": None, "confirmed_sms": False, "preferred": None}
    if event_type == "NotificationSettingsChanged":  # identity allows only a confirmed channel
        return {"preferred": p["channel"], "low_balance": bool(p["low_balance"]), "locale": p["locale"]}
    return None


def to_contacts(doc: Mapping[str, Any] | None) -> Contacts | None:
    """The contacts value of a read-model document."""
    if not doc:
        return None
    # only a confirmed channel gets account notices: a registration contact may belong to someone else
    confirmed_email = bool(doc.get("confirmed_email"))
    preferred = doc.get("preferred") or ("email" if confirmed_email else None)  # e.g. after a phone release
    return Contacts(
        str(doc["_id"]),
        doc.get("phone"),
        doc.get("email"),
        doc.get("locale") or "ru",
        preferred,
        confirmed_email,
        doc.get("low_balance", True),
        doc.get("login"),
    )


def recovery_code(event_type: str, p: Mapping[str, Any]) -> bool:
    """Whether the event asks for a password-recovery code (its message also reminds the login)."""
    return event_type == "VerificationRequested" and p.get("purpose") == "password_reset"


def plan(event_id: str, event_type: str, p: Mapping[str, Any], contacts: Contacts | None) -> list[Notice]:
    """The messages an event calls for (none for events that need no message)."""
    account = str(p["account_id"]) if p.get("account_id") else None

    def direct(template: str, channel: str, to: str | None, **ctx: Any) -> list[Notice]:
        if not to:
            return []
        locale = p.get("locale") or (contacts.locale if contacts else "ru")
        return [Notice(event_id, event_id, account, channel, to, template, locale, ctx)]

    if event_type == "VerificationRequested":
        ctx = {k: p.get(k) for k in ("code", "link_token", "purpose", "expires_at")}
        if recovery_code(event_type, p) and contacts:  # the login goes with it: the code needs it
            ctx["login"] = contacts.login
        return direct("verification_code", p["channel"], p["destination"], **ctx)
    if event_type == "ContactChangeRequested":
        channel = KIND_CHANNEL[p["kind"]]
        return direct("contact_change_notice", channel, p.get("previous_value"), kind=p["kind"])
    if event_type == "ContactUsedAgain":
        return direct("contact_used_again", p["channel"], p["destination"])
    if event_type == "ContactReleased":  # told on the other channel, never on the released number
        confirmed = contacts.email if contacts and contacts.email_confirmed else None
        return direct("contact_released", "email", confirmed)
    if event_type == "ServiceBalanceLow" and contacts and not contacts.low_balance:
        return []  # silenced by the subscriber
    if event_type in ACCOUNT_NOTICES and contacts and contacts.preferred:
        ctx = {k: v for k, v in p.items() if k in ("reason", "service_type", "identifier", "locked_until")}
        if "balance" in p:
            ctx |= {"amount": p["balance"]["amount"], "currency": p["balance"]["currency"]}
            ctx["account_number"] = p.get("account_number")
        to = contacts.address(contacts.preferred)
        return direct(ACCOUNT_NOTICES[event_type], contacts.preferred, to, **ctx)
    return []


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off between delivery attempts, then give up."""

    base: timedelta = timedelta(seconds=2)
    factor: float = 2.0
    cap: timedelta = timedelta(minutes=5)
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th failed attempt."""
        return min(self.cap, self.base * self.factor ** max(0, attempts - 1))

    def exhausted(self, attempts: int) -> bool:
        """Whether no attempt is left."""
        return attempts >= self.max_attempts


def after_attempt(error: str | None, attempts: int, backoff: Backoff) -> str:
    """The state after the `attempts`-th attempt; `error` is None, `transient`, `permanent` or `unknown`.

    `retry` only when the message surely did not leave; `unknown` (it may have) is never retried.
    """
    if error is None:
        return "sent"
    if error == "transient" and not backoff.exhausted(attempts):
        return "retry"
    return "unknown" if error == "unknown" else "failed"


def on_repeat(state: str, lease_until: datetime, now: datetime) -> str:
    """What a notice seen again calls for: `emit` its outcome, `expire` a dead claim, or `wait`.

    A `sending` claim past its lease belongs to a sender that died mid-attempt: whether the
    message left is unknown, so it is marked `unknown` (reported, never resent blindly).
    A live claim, a scheduled retry (the retrier owns it) or an `unknown` one calls for nothing.
    """
    if state in ("sent", "failed"):
        return "emit"
    return "expire" if state == "sending" and lease_until <= now else "wait"


def mask(channel: str, to: str) -> str:
    """A destination fit for logs and events: `+7916*****67`, `p***@example.ru`."""
    if channel == "sms":
        return to[:5] + "*" * max(0, len(to) - 7) + to[-2:]
    name, _, domain = to.partition("@")
    return f"{name[:1]}***@{domain}"
