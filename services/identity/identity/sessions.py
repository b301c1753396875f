"""Sessions and rotating refresh tokens in Mongo (tokens stored as SHA-256, never in clear).

A session is a family of refresh tokens. Each refresh spends its token (one atomic
single-document update) and issues the next. Presenting a spent token again means it
leaked: the whole family is revoked. Expiry is checked in code (no TTL indexes here).

A sign-in writes one document: the session keeps its first refresh token (`first_refresh`),
whose clear form `<session id>.<secret>` says which session to look in; each later token
has a document of its own in `refresh_tokens`. The session also keeps, renewed at each
refresh, when it was last active and when it expires, for the subscriber's list of sessions
(where each was opened is read from the sealed audit trail: no IP in clear here).

Housekeeping deletes sessions and tokens past their expiry (`purge_expired`): they can no
longer be used, and a session outlives each of its tokens, so a spent token coming back is
told apart as a reuse for as long as it could have worked.
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


@dataclass(frozen=True)
class SessionInfo:
    """A live session as its owner sees it in the list."""

    session_id: str
    created_at: datetime
    last_active_at: datetime


FIRST = "."  # separates a first token's session id from its secret (not in the token_urlsafe alphabet)


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
        """Start a session with its first refresh token (one insert)."""
        now = now or datetime.now(UTC)
        session_id = str(uuid.uuid4())
        token = f"{session_id}{FIRST}{secrets.token_urlsafe(32)}"
        first = {"digest": _digest(token), "expires_at": now + self._ttl, "spent_at": None}
        self._sessions.insert_one(
            {
                "_id": session_id,
                "account_id": account_id,
                "created_at": now,
                "revoked_at": None,
                "first_refresh": first,
                "last_active_at": now,
                "expires_at": now + self._ttl,
            }
        )
        return Grant(account_id, session_id, token)

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
        session_id, sep, _ = token.partition(FIRST)
        if sep:
            account_id = self._spend_first(session_id, _digest(token), now)
        else:
            account_id, session_id = self._spend(_digest(token), now)
        return Grant(account_id, session_id, self._issue(account_id, session_id, now))

    def _spend(self, digest: str, now: datetime) -> tuple[str, str]:
        """Spend a token of `refresh_tokens`: its account and session."""
        doc = self._tokens.find_one_and_update({"_id": digest, "spent_at": None}, {"$set": {"spent_at": now}})
        if doc is None:
            spent = self._tokens.find_one({"_id": digest})
            if spent is not None:
                self.revoke(spent["session_id"], now=now)
                raise RefreshReused(spent["account_id"], spent["session_id"])
            raise RefreshInvalid("unknown refresh token")
        if doc["expires_at"] <= now or not self._renew(doc["session_id"], now):
            raise RefreshInvalid("the session ended")
        return str(doc["account_id"]), str(doc["session_id"])

    def _renew(self, session_id: str, now: datetime) -> bool:
        """Note a refresh on its session (last active, expiry: the new token's); whether it is live.
        The same one round trip as reading it."""
        renewed = {"$set": {"last_active_at": now, "expires_at": now + self._ttl}}
        doc = self._sessions.find_one_and_update({"_id": session_id}, renewed)  # FerretDB: no projection
        return doc is not None and doc.get("revoked_at") is None

    def _spend_first(self, session_id: str, digest: str, now: datetime) -> str:
        """Spend a session's first token: its account (the session document says if it is live)."""
        doc = self._sessions.find_one_and_update(
            {"_id": session_id, "first_refresh.digest": digest, "first_refresh.spent_at": None},
            {"$set": {"first_refresh.spent_at": now, "last_active_at": now, "expires_at": now + self._ttl}},
        )
        if doc is None:
            session = self._sessions.find_one({"_id": session_id})
            if session is not None and (session.get("first_refresh") or {}).get("digest") == digest:
                self.revoke(session_id, now=now)
                raise RefreshReused(session["account_id"], session_id)
            raise RefreshInvalid("unknown refresh token")
        if doc["first_refresh"]["expires_at"] <= now or doc.get("revoked_at") is not None:
            raise RefreshInvalid("the session ended")
        return str(doc["account_id"])

    def is_live(self, session_id: str) -> bool:
        """Whether the session was not revoked."""
        return self.owner(session_id) is not None

    def revoke(self, session_id: str, *, now: datetime | None = None) -> bool:
        """End one session; whether it was live."""
        res = self._sessions.update_one(
            {"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": now or datetime.now(UTC)}}
        )
        return res.modified_count > 0

    def live(self, account_id: str, *, now: datetime | None = None) -> list[SessionInfo]:
        """The account's sessions not ended nor expired, the most recently active first."""
        now = now or datetime.now(UTC)
        out = []
        for doc in self._sessions.find({"account_id": account_id, "revoked_at": None}):
            if doc.get("expires_at", doc["created_at"] + self._ttl) <= now:
                continue
            at = doc.get("last_active_at") or doc["created_at"]
            out.append(SessionInfo(doc["_id"], doc["created_at"], at))
        return sorted(out, key=lambda s: s.last_active_at, reverse=True)

    def owner(self, session_id: str) -> str | None:
        """The account a live session belongs to (None: ended or unknown).

        Looked up by `_id` alone and checked here: FerretDB serves only `{_id: …}` filters from
        its primary key and scans the whole collection for anything more (every request pays it).
        """
        doc = self._sessions.find_one({"_id": session_id}, projection=["account_id", "revoked_at"])
        return str(doc["account_id"]) if doc is not None and doc.get("revoked_at") is None else None

    def revoke_all(self, account_id: str, *, before: datetime, now: datetime | None = None) -> int:
        """End every session of the account started before `before` (idempotent)."""
        res = self._sessions.update_many(
            {"account_id": account_id, "revoked_at": None, "created_at": {"$lt": before}},
            {"$set": {"revoked_at": now or datetime.now(UTC)}},
        )
        return res.modified_count

    def purge_expired(self, *, now: datetime | None = None) -> dict[str, int]:
        """Delete the sessions and refresh tokens past their expiry; how many of each.

        A session ended early is kept until it expires too, so that a spent token coming back is
        still told apart as a reuse. One written before sessions kept `expires_at` expires
        `refresh_ttl` after its start.
        """
        now = now or datetime.now(UTC)
        expired = [
            {"expires_at": {"$lte": now}},
            {"expires_at": {"$exists": False}, "created_at": {"$lte": now - self._ttl}},
        ]
        sessions = self._sessions.delete_many({"$or": expired}).deleted_count
        tokens = self._tokens.delete_many({"expires_at": {"$lte": now}}).deleted_count
        return {"sessions": sessions, "refresh_tokens": tokens}
