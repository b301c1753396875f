"""Translation between the account's domain events and the public `kabinet.accounts` contracts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from identity import domain as d
from kabinet.contracts import Envelope
from kabinet.contracts.envelope import rfc3339
from kabinet.privacy.crypto import ERASED


def to_payload(
    account_id: str,
    state: d.Account | None,
    event: d.Event,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The contract event type and payload of a domain event on `account_id`'s stream."""
    locale = state.profile.locale if state else "ru"
    base: dict[str, Any] = {"account_id": account_id}
    if isinstance(event, d.Registered):
        p = event.profile
        return "UserRegistered", base | {
            "login": p.login,
            "last_name": p.last_name,
            "first_name": p.first_name,
            "middle_name": p.middle_name,
            "birth_date": p.birth_date.isoformat(),
            "region": p.region,
            "phone": event.phone,
            "email": event.email,
            "confirm_via": event.confirm_via,
            "locale": p.locale,
            "contact_in_use": event.contact_in_use,
        }
    if isinstance(event, d.Activated):
        return "AccountActivated", base | {"channel": event.channel, "destination": event.destination}
    if isinstance(event, d.ContactVerified):
        return "ContactVerified", base | {"channel": event.channel, "destination": event.destination}
    if isinstance(event, d.ContactChangeRequested):
        return "ContactChangeRequested", base | {
            "request_id": event.request_id,
            "kind": event.kind,
            "value": event.value,
            "previous_value": event.previous_value,
            "confirm_via": d.CHANNEL_OF[event.kind],
            "locale": locale,
            "contact_in_use": event.contact_in_use,
        }
    if isinstance(event, d.ContactChanged):
        return "ContactChanged", base | {
            "request_id": event.request_id,
            "kind": event.kind,
            "value": event.value,
            "previous_value": event.previous_value,
            "locale": locale,
        }
    if isinstance(event, d.PasswordChanged):
        return "PasswordChanged", base | {
            "reason": event.reason,
            "ip": ip,
            "user_agent": user_agent,
            "locale": locale,
        }
    if isinstance(event, d.PasswordResetRequested):
        return "PasswordResetRequested", base | {
            "request_id": event.request_id,
            "channel": event.channel,
            "destination": event.destination,
            "locale": locale,
        }
    if isinstance(event, d.PhoneReleased):
        return "ContactReleased", base | {
            "kind": "phone",
            "value": event.phone,
            "reason": "number_released",
            "locale": locale,
        }
    if isinstance(event, d.NotificationSettingsChanged):
        return "NotificationSettingsChanged", base | {
            "channel": event.channel,
            "low_balance": event.low_balance,
            "locale": event.locale,
        }
    if isinstance(event, d.Erased):
        return "AccountErased", base | {"requested_by": event.requested_by, "erased_at": rfc3339(event.at)}
    return "ContactUsedAgain", base | {
        "channel": event.channel,
        "destination": event.destination,
        "locale": locale,
    }


def from_envelope(env: Envelope) -> d.Event | None:
    """The domain event an account-stream envelope holds (None for other types)."""
    p = env.payload
    t = env.event_type
    if t == "UserRegistered":
        profile = d.Profile(
            login=p["login"],
            last_name=p["last_name"],
            first_name=p["first_name"],
            middle_name=p.get("middle_name"),
            birth_date=_date(p["birth_date"]),
            region=p["region"],
            locale=p.get("locale", "ru"),
        )
        return d.Registered(
            profile, p["phone"], p["email"], p["confirm_via"], env.event_id, p.get("contact_in_use", False)
        )
    if t == "AccountActivated":
        return d.Activated(p["channel"], p["destination"])
    if t == "ContactVerified":
        return d.ContactVerified(p["channel"], p["destination"])
    if t == "ContactChangeRequested":
        return d.ContactChangeRequested(
            str(p["request_id"]),
            p["kind"],
            p["value"],
            p.get("previous_value") or "",
            p.get("contact_in_use", False),
        )
    if t == "ContactChanged":
        return d.ContactChanged(str(p["request_id"]), p["kind"], p["value"], p.get("previous_value") or "")
    if t == "PasswordChanged":
        return d.PasswordChanged(p["reason"], env.event_id)
    if t == "PasswordResetRequested":
        return d.PasswordResetRequested(str(p["request_id"]), p["channel"], p["destination"])
    if t == "ContactUsedAgain":
        return d.ContactUsedAgain(p["channel"], p["destination"])
    if t == "ContactReleased":
        return d.PhoneReleased(p["value"])
    if t == "NotificationSettingsChanged":
        return d.NotificationSettingsChanged(p["channel"], bool(p["low_balance"]), p["locale"])
    if t == "AccountErased":
        return d.Erased(p["requested_by"], _moment(p["erased_at"]))
    return None


def _date(value: Any) -> date:
    """A birth date; an erased one reads as `date.min` (the account is closed anyway)."""
    return date.min if value == ERASED else date.fromisoformat(str(value))


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
