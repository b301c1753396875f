"""`GET /api/v1/me`, `PATCH …/me/contacts`, `POST …/me/password`, `GET …/me/notifications`,
`GET|PUT …/me/notification-settings`."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from identity.api.context import BEARER, audit, authenticated, claims, gateway
from identity.api.schemas import Problem
from identity.api.schemas_me import (
    ContactsIn,
    ContactsOut,
    MeOut,
    NoticeSettingsIn,
    NoticeSettingsOut,
    NoticesOut,
    PasswordChangeIn,
)
from identity.handlers.account import (
    NoticeSettings,
    change_contacts,
    change_notification_settings,
    change_password,
)
from identity.queries import ready

blp = Blueprint("me", __name__, url_prefix="/api/v1", description="The signed-in subscriber")
NOTICES_SHOWN = 50


@blp.route("/me", methods=["GET"])
@authenticated
@blp.response(200, MeOut)
@blp.alt_response(401, schema=Problem)
@blp.doc(security=BEARER)
def get_me() -> dict[str, Any]:
    """Profile, contacts with `confirmed` flags (and pending changes), status."""
    return ready(gateway().directory.me(claims().account_id))


@blp.route("/me/contacts", methods=["PATCH"])
@authenticated
@blp.arguments(ContactsIn)
@blp.response(202, ContactsOut)
@blp.alt_response(422, schema=Problem)
@blp.doc(security=BEARER)
def patch_contacts(data: dict[str, Any]) -> dict[str, Any]:
    """Replace phone and/or email; the old contact works until the new one is confirmed."""
    made = change_contacts(gateway(), claims().account_id, phone=data.get("phone"), email=data.get("email"))
    return {"status": "pending_confirmation", "requests": made}


@blp.route("/me/password", methods=["POST"])
@authenticated
@blp.arguments(PasswordChangeIn)
@blp.response(204)
@blp.alt_response(422, schema=Problem, description="Wrong current password or a weak new one")
@blp.alt_response(429, schema=Problem)
@blp.doc(security=BEARER)
def post_password(data: dict[str, Any]) -> None:
    """Change the password; every session ends (sign in again)."""
    change_password(
        gateway(),
        claims().account_id,
        current=data["current_password"],
        new=data["new_password"],
        confirmation=data["new_password_confirmation"],
        audit=audit(),
    )


@blp.route("/me/notifications", methods=["GET"])
@authenticated
@blp.response(200, NoticesOut)
@blp.doc(security=BEARER)
def get_notifications() -> dict[str, Any]:
    """The messages Kabinet sent the subscriber (codes, notices), the newest 50 first: which, when,
    by which channel, to which masked address, and whether it left. Never a code or a body."""
    return {"notifications": gateway().exports.notifications(claims().account_id, latest=NOTICES_SHOWN)}


@blp.route("/me/notification-settings", methods=["GET"])
@authenticated
@blp.response(200, NoticeSettingsOut)
@blp.doc(security=BEARER)
def get_notification_settings() -> dict[str, Any]:
    """Where notices about the account go, and whether a low balance is told."""
    return ready(gateway().directory.notification_settings(claims().account_id))


@blp.route("/me/notification-settings", methods=["PUT"])
@authenticated
@blp.arguments(NoticeSettingsIn)
@blp.response(200, NoticeSettingsOut)
@blp.alt_response(409, schema=Problem, description="The account is not active yet")
@blp.alt_response(422, schema=Problem, description="The chosen channel's contact is not confirmed")
@blp.doc(security=BEARER)
def put_notification_settings(data: dict[str, Any]) -> NoticeSettings:
    """Choose the channel of account notices (a confirmed contact's), whether to hear of a low
    balance, and the language of messages. Security notices always go; codes always go to the
    contact they confirm."""
    return change_notification_settings(
        gateway(),
        claims().account_id,
        channel=data["channel"],
        low_balance=data["low_balance"],
        locale=data["locale"],
    )
