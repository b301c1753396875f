"""Sign-in, refresh, sign-out, the subscriber's list of sessions and bearer authentication."""

from __future__ import annotations

from dataclasses import dataclass

from identity import domain as d
from identity.domain.rules import login_key
from identity.eventstore import Audit
from identity.gateway import Gateway
from identity.handlers.common import audit_fields
from identity.security import AccessClaims, TokenInvalid
from identity.sessions import Grant, RefreshReused
from identity.throttle import Throttled


@dataclass(frozen=True)
class Tokens:
    """What a sign-in or a refresh returns."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


def _tokens(gw: Gateway, grant: Grant) -> Tokens:
    access = gw.tokens.issue(grant.account_id, grant.session_id)
    return Tokens(access, grant.refresh_token, gw.tokens.ttl)


def sign_in(gw: Gateway, login: str, password: str, audit: Audit) -> Tokens:
    """Open a session; the throttle is checked before any hashing, unknown logins hash a dummy."""
    key = login_key(login)
    keys = [f"login:{key}"] + ([f"ip:{audit.ip}"] if audit.ip else [])
    try:
        counted = gw.throttle.check(keys)
    except Throttled:
        gw.accounts.record(
            "LoginFailed",
            {"account_id": None, "login_key": key, "reason": "throttled", **audit_fields(audit)},
        )
        raise
    account_id = gw.accounts.account_for_login(key)
    state = gw.accounts.load(account_id) if account_id else None
    password_hash = gw.accounts.current_hash(state) if state else None
    valid = gw.hasher.verify(password, password_hash)
    try:
        account = d.check_sign_in(state, password_valid=valid)
    except d.InvalidCredentials:
        _failed(gw, key, state, audit)
        raise
    except d.ConfirmationRequired:
        failed = {"account_id": account_id, "login_key": key, "reason": "confirmation_required"}
        gw.accounts.record("LoginFailed", failed | audit_fields(audit))
        raise
    if f"login:{key}" in counted:  # no counter, nothing to forget: no round trip
        gw.throttle.clear(f"login:{key}")
    grant = gw.sessions.open(account.account_id)
    gw.accounts.record(
        "LoginSucceeded",
        {"account_id": account.account_id, "session_id": grant.session_id, **audit_fields(audit)},
    )
    return _tokens(gw, grant)


def _failed(gw: Gateway, key: str, state: d.Account | None, audit: Audit) -> None:
    policy = gw.settings.throttling
    failure = gw.throttle.fail(f"login:{key}", free=policy.login_free)
    if audit.ip:
        gw.throttle.fail(f"ip:{audit.ip}", free=policy.ip_free)
    account_id = state.account_id if state else None
    gw.accounts.record(
        "LoginFailed",
        {"account_id": account_id, "login_key": key, "reason": "bad_credentials", **audit_fields(audit)},
    )
    if state and failure.newly_locked and failure.locked_until:
        locked = {"account_id": state.account_id, "locked_until": failure.locked_until.isoformat()}
        extra = {"failures": failure.failures, "locale": state.profile.locale}
        gw.accounts.record("AccountSoftLocked", locked | extra | audit_fields(audit))


def refresh(gw: Gateway, refresh_token: str, audit: Audit) -> Tokens:
    """Rotate the refresh token; a reused one revokes its whole session."""
    try:
        grant = gw.sessions.rotate(refresh_token)
    except RefreshReused as reused:
        revoked = {
            "account_id": reused.account_id,
            "session_id": reused.session_id,
            "reason": "refresh_reuse",
        }
        gw.accounts.record("SessionsRevoked", revoked | audit_fields(audit))
        raise
    return _tokens(gw, grant)


def sign_out(gw: Gateway, claims: AccessClaims, audit: Audit) -> None:
    """End the caller's session."""
    _log_out(gw, claims.account_id, claims.session_id, audit)


def sessions_of(gw: Gateway, claims: AccessClaims) -> list[dict[str, object]]:
    """The caller's live sessions, the most recently active first, each with where it was opened
    (its LoginSucceeded's IP and user agent); `current` marks the caller's."""
    live = gw.sessions.live(claims.account_id)
    since = min((info.created_at for info in live), default=None)
    where = gw.exports.sign_ins(claims.account_id, [s.session_id for s in live], since) if since else {}
    return [
        {
            **vars(info),
            **where.get(info.session_id, {"ip": None, "user_agent": None}),
            "current": info.session_id == claims.session_id,
        }
        for info in live
    ]


def end_session(gw: Gateway, claims: AccessClaims, session_id: str, audit: Audit) -> None:
    """End one of the caller's sessions (another device's, or this one); `SessionNotFound` for a
    session that is not the caller's or has ended."""
    mine = gw.sessions.owner(session_id) == claims.account_id
    if not mine or not _log_out(gw, claims.account_id, session_id, audit):
        raise d.SessionNotFound("No such session.")


def end_other_sessions(gw: Gateway, claims: AccessClaims, audit: Audit) -> int:
    """Sign out everywhere but here; how many sessions ended."""
    others = [s.session_id for s in gw.sessions.live(claims.account_id) if s.session_id != claims.session_id]
    return sum(_log_out(gw, claims.account_id, session_id, audit) for session_id in others)


def _log_out(gw: Gateway, account_id: str, session_id: str, audit: Audit) -> bool:
    """Revoke one session and record it, by its owner's hand; whether it was live."""
    if not gw.sessions.revoke(session_id):
        return False
    revoked = {"account_id": account_id, "session_id": session_id, "reason": "logout"}
    gw.accounts.record("SessionsRevoked", revoked | audit_fields(audit))
    return True


def authenticate(gw: Gateway, authorization: str | None) -> AccessClaims:
    """The claims of a `Bearer` access token whose session is still live, or `TokenInvalid`."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenInvalid("a Bearer access token is required")
    claims = gw.tokens.decode(token.strip())
    if not gw.sessions.is_live(claims.session_id):
        raise TokenInvalid("the session ended")
    return claims
