"""Steps several handlers share."""

from __future__ import annotations

import contextlib
import uuid

from identity import domain as d
from identity.eventstore import Audit
from identity.gateway import Gateway


def audit_fields(audit: Audit) -> dict[str, str | None]:
    """The audit part of a security event's payload."""
    return {"ip": audit.ip, "user_agent": audit.user_agent}


def note_reuse(gw: Gateway, owner: str, kind: str, value: str) -> None:
    """The owner of a confirmed contact learns that someone else tried to use it."""
    with contextlib.suppress(d.DomainError):  # the owner's account is gone: nobody to tell
        gw.accounts.execute(owner, d.NoteContactReuse(d.CHANNEL_OF[kind], value))


def store_hash(gw: Gateway, account_id: str, password: str) -> str:
    """Hash a password into a new credential blob; its id becomes the password event's id."""
    credential_id = str(uuid.uuid4())
    gw.accounts.credentials.put(credential_id, account_id, gw.hasher.hash(password))
    return credential_id


def end_sessions(gw: Gateway, account_id: str, audit: Audit) -> None:
    """Revoke every session now (the projection repeats it from PasswordChanged, idempotently)."""
    gw.sessions.revoke_all(account_id, before=gw.clock())
    revoked = {"account_id": account_id, "session_id": None, "reason": "password_changed"}
    gw.accounts.record("SessionsRevoked", revoked | audit_fields(audit))
