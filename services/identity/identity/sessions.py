"""Sessions and rotating refresh tokens in Mongo (tokens stored as SHA-256, never in clear).

A session is a family of refresh tokens. Each refresh spends its token (one atomic
single-document update) and issues the next. Presenting a spent token again means it
leaked: the whole family is revoked. Expiry is checked in code (no TTL indexes here).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING
from pymongo.database import Database

from kabinet.mongo import Doc


class RefreshInvalid(Exception):
    """The refresh token is unknown, expired or its session ended."""


class RefreshReused(RefreshInvalid):
    """A spent refresh token came back: its session was revoked."""

    def __init__(self, account_id: str, session_id: str) -> None:
        super().__init__("refresh token reuse")
        self.account_id = account_id
        self.session_id = session_id


@dataclass(frozen=True)
class Grant:
    """A live session and its newest refresh token (in clear, shown once)."""

    account_id: str
    session_id: str
    refresh_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    """`sessions` (one per sign-in) and `refresh_tokens` (one per rotation) collections."""

    def __init__(self, db: Database[Doc], *, refresh_ttl: timedelta = timedelta(days=30)) -> None:
        self._sessions = db["sessions"]
        self._tokens = db["refresh_tokens"]
        self._ttl = refresh_ttl

    def create_indexes(self) -> None:
        """Indexes for revoke-all and family revocation."""
        self._sessions.create_index([("account_id", ASCENDING)])
        self._tokens.create_index([("session_id", ASCENDING)])

    def open(self, account_id: str, *, now: datetime | None = None) -> Grant:
        """Start a session with its first refresh token."""
        now = now or datetime.now(UTC)
        session_id = str(uuid.uuid4())
        self._sessions.insert_one(
            {"_id": session_id, "account_id": account_id, "created_at": now, "revoked_at": None}
        )
        return Grant(account_id, session_id, self._issue(account_id, session_id, now))

    def _issue(self, account_id: str, session_id: str, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        self._tokens.insert_one(
            {
                "_id": _digest(token),
                "account_id": account_id,
                "session_id": session_id,
                "expires_at": now + self._ttl,
                "spent_at": None,
            }
        )
        return token

    def rotate(self, token: str, *, now: datetime | None = None) -> Grant:
        """Spend `token` and issue its successor; `RefreshReused` / `RefreshInvalid` otherwise."""
        now = now or datetime.now(UTC)
        digest = _digest(token)
        doc = self._tokens.find_one_and_update({"_id": digest, "spent_at": None}, {"$set": {"spent_at": now}})
        if doc is None:
            spent = self._tokens.find_one({"_id": digest})
            if spent is not None:
                self.revoke(spent["session_id"], now=now)
                raise RefreshReused(spent["account_id"], spent["session_id"])
            raise RefreshInvalid("unknown refresh token")
        if doc["expires_at"] <= now or not self.is_live(doc["session_id"]):
            raise RefreshInvalid("the session ended")
        return Grant(
            doc["account_id"], doc["session_id"], self._issue(doc["account_id"], doc["session_id"], now)
        )

    def is_live(self, session_id: str) -> bool:
        """Whether the session was not revoked.

        Looked up by `_id` alone and checked here: FerretDB serves only `{_id: …}` filters from
        its primary key and scans the whole collection for anything more (every request pays it).
        """
        doc = self._sessions.find_one({"_id": session_id}, projection=["revoked_at"])
        return doc is not None and doc.get("revoked_at") is None

    def revoke(self, session_id: str, *, now: datetime | None = None) -> bool:
        """End one session; whether it was live."""
        res = self._sessions.update_one(
            {"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": now or datetime.now(UTC)}}
        )
        return res.modified_count > 0

    def revoke_all(self, account_id: str, *, before: datetime, now: datetime | None = None) -> int:
        """End every session of the account started before `before` (idempotent)."""
        res = self._sessions.update_many(
            {"account_id": account_id, "revoked_at": None, "created_at": {"$lt": before}},
            {"$set": {"revoked_at": now or datetime.now(UTC)}},
        )
        return res.modified_count
