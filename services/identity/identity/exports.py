"""What identity holds about an account beyond the read model: security events, notices sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from kabinet.contracts import open_envelope
from kabinet.eventstore import to_envelope
from kabinet.mongo import Doc

SECURITY_EVENTS = (
    "LoginSucceeded",
    "LoginFailed",
    "AccountSoftLocked",
    "SessionsRevoked",
    "PasswordChanged",
    "PasswordResetRequested",
)
SIGN_IN_SKEW = timedelta(seconds=5)  # the event is stamped just after its session was opened
_SHOWN = ("reason", "ip", "user_agent", "session_id", "channel", "locked_until")


class ExportReader:
    """Reads for `GET /api/v1/me/export`."""

    def __init__(self, db: Database[Doc]) -> None:
        self._events = db["events"]
        self._notifications = db["notifications"]

    def security_events(self, account_id: str) -> list[dict[str, Any]]:
        """Sign-ins, failures, locks, revocations and password changes, oldest first (IPs opened)."""
        query = {"payload.account_id": account_id, "event_type": {"$in": list(SECURITY_EVENTS)}}
        out = []
        for doc in self._events.find(query).sort("seq", ASCENDING):
            env = open_envelope(to_envelope(doc))
            shown = {k: env.payload.get(k) for k in _SHOWN if env.payload.get(k) is not None}
            out.append({"event": env.event_type, "at": env.occurred_at.isoformat(), **shown})
        return out

    def sign_ins(
        self, account_id: str, sessions: list[str], since: datetime
    ) -> dict[str, dict[str, str | None]]:
        """Where each of `sessions` (opened since `since`) was opened: session id → `{ip, user_agent}`,
        from their LoginSucceeded events, the only ones opened (sealed) here."""
        query = {
            "payload.account_id": account_id,
            "event_type": "LoginSucceeded",
            "occurred_at": {"$gte": since - SIGN_IN_SKEW},
            "payload.session_id": {"$in": sessions},
        }
        out = {}
        for doc in self._events.find(query):
            payload = open_envelope(to_envelope(doc)).payload
            out[str(payload["session_id"])] = {
                "ip": payload.get("ip"),
                "user_agent": payload.get("user_agent"),
            }
        return out

    def notifications(self, account_id: str, *, latest: int = 0) -> list[dict[str, Any]]:
        """Notices sent (or failed) to the account, oldest first; with `latest`, only that many of
        the newest, newest first (the subscriber's list of messages)."""
        docs = self._notifications.find({"account_id": account_id})
        docs = docs.sort("at", DESCENDING).limit(latest) if latest else docs.sort("at", ASCENDING)
        return [
            {
                "notification_id": d["_id"],
                "channel": d["channel"],
                "template": d["template"],
                "to": d.get("to_masked"),
                "state": d["state"],
                "at": d["at"].isoformat(),
            }
            for d in docs
        ]
