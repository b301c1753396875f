"""The subscriber's data rights: erasure (right to be forgotten) and export (right of access)."""

from __future__ import annotations

from typing import Any

from identity import domain as d
from identity.domain.rules import login_key
from identity.eventstore import Audit
from identity.gateway import Gateway
from identity.handlers.facade import list_services
from identity.queries import ready


class ErasurePasswordWrong(d.CurrentPasswordWrong):
    """The re-entered password does not match (422 naming `password`)."""

    field = "password"


def erase(gw: Gateway, account_id: str, *, password: str | None, requested_by: str = "subscriber") -> Any:
    """Close the account and erase its personal data; the receipt.

    A subscriber re-enters the password (throttled like a sign-in); an operator does not.
    """
    state = gw.accounts.load(account_id)
    if state is None or state.status == "erased":
        raise d.AccountNotFound("no such account")
    key = login_key(state.profile.login)
    if requested_by == "subscriber":
        gw.throttle.check([f"login:{key}"])
        if not gw.hasher.verify(password or "", gw.accounts.current_hash(state)):
            gw.throttle.fail(f"login:{key}", free=gw.settings.throttling.login_free)
            raise ErasurePasswordWrong("The password is wrong.")
    command = d.Erase("subscriber" if requested_by == "subscriber" else "operator", gw.clock())
    _, events = gw.accounts.execute(account_id, command, audit=Audit(), loaded=state)
    erased = next(e for e in events if isinstance(e, d.Erased))
    return gw.erasure.complete(
        account_id,
        requested_by=erased.requested_by,
        erased_at=erased.at,
        event_id=gw.accounts.last_event_id(account_id),
        login_key=key,
    )


def export(gw: Gateway, account_id: str) -> dict[str, Any]:
    """Everything Kabinet holds about the caller, as one JSON document."""
    me = ready(gw.directory.me(account_id))
    profile = {k: v for k, v in me.items() if k != "contacts"}
    return {
        "account_id": account_id,
        "exported_at": gw.clock().isoformat(),
        "profile": profile,
        "contacts": me["contacts"],
        "notification_settings": gw.directory.notification_settings(account_id),
        "services": list_services(gw, account_id),
        "notifications": gw.exports.notifications(account_id),
        "security_events": gw.exports.security_events(account_id),
        "sessions": [
            {
                "session_id": info.session_id,
                "created_at": info.created_at.isoformat(),
                "last_active_at": info.last_active_at.isoformat(),
            }
            for info in gw.sessions.live(account_id)
        ],
    }
