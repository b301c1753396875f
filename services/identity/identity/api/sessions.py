"""Sign-in, refresh and sign-out (`/api/v1/sessions…`), and the subscriber's own sessions:
`GET /api/v1/sessions`, `DELETE /api/v1/sessions/{session_id}`, `DELETE /api/v1/sessions/others`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint

from identity.api.context import BEARER, audit, authenticated, claims, gateway
from identity.api.schemas import Problem, RefreshIn, SessionsEndedOut, SessionsOut, SignInIn, TokensOut
from identity.handlers.signin import (
    Tokens,
    end_other_sessions,
    end_session,
    refresh,
    sessions_of,
    sign_in,
    sign_out,
)

blp = Blueprint("sessions", __name__, url_prefix="/api/v1", description="Sign-in and sessions")


@blp.route("/sessions", methods=["POST"])
@blp.arguments(SignInIn)
@blp.response(200, TokensOut)
@blp.alt_response(401, schema=Problem, description="Wrong login or password (one reply for both)")
@blp.alt_response(403, schema=Problem, description="`type` ends with `confirmation-required`")
@blp.alt_response(429, schema=Problem, description="Too many failures; see `Retry-After`")
def post_session(data: dict[str, Any]) -> Tokens:
    """Sign in with login and password."""
    return sign_in(gateway(), data["login"], data["password"], audit())


@blp.route("/sessions/refresh", methods=["POST"])
@blp.arguments(RefreshIn)
@blp.response(200, TokensOut)
@blp.alt_response(401, schema=Problem, description="Unknown, expired or reused refresh token")
def post_refresh(data: dict[str, Any]) -> Tokens:
    """Rotate the refresh token (each one works once; a reused one ends its session)."""
    return refresh(gateway(), data["refresh_token"], audit())


@blp.route("/sessions/current", methods=["DELETE"])
@authenticated
@blp.response(204)
@blp.doc(security=BEARER)
def delete_session() -> None:
    """Sign out: end the session of this access token."""
    sign_out(gateway(), claims(), audit())


@blp.route("/sessions", methods=["GET"])
@authenticated
@blp.response(200, SessionsOut)
@blp.doc(security=BEARER)
def get_sessions() -> dict[str, Any]:
    """The subscriber's signed-in devices: each live session, where and when it was opened and
    last active; `current` is this one."""
    return {"sessions": sessions_of(gateway(), claims())}


@blp.route("/sessions/others", methods=["DELETE"])
@authenticated
@blp.response(200, SessionsEndedOut)
@blp.doc(security=BEARER)
def delete_other_sessions() -> dict[str, int]:
    """Sign out everywhere else: end every session but this one."""
    return {"ended": end_other_sessions(gateway(), claims(), audit())}


@blp.route("/sessions/<uuid:session_id>", methods=["DELETE"])
@authenticated
@blp.response(204)
@blp.alt_response(404, schema=Problem, description="Not a live session of this subscriber")
@blp.doc(security=BEARER)
def delete_one_session(session_id: UUID) -> None:
    """End one of the subscriber's sessions (a lost phone's, say); its tokens stop working at once."""
    end_session(gateway(), claims(), str(session_id), audit())
