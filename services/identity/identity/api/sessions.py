"""`POST /api/v1/sessions`, `POST /api/v1/sessions/refresh`, `DELETE /api/v1/sessions/current`."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from identity.api.context import BEARER, audit, authenticated, claims, gateway
from identity.api.schemas import Problem, RefreshIn, SignInIn, TokensOut
from identity.handlers.signin import Tokens, refresh, sign_in, sign_out

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
