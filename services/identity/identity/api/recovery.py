"""`POST /api/v1/password-recovery`, `POST /api/v1/password-recovery/complete`."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from identity.api.context import audit, gateway
from identity.api.schemas import Problem
from identity.api.schemas_me import AcceptedOut, RecoveryCompleteIn, RecoveryIn
from identity.handlers.recovery import complete_recovery, request_recovery

blp = Blueprint("recovery", __name__, url_prefix="/api/v1", description="Forgotten password")
ACCEPTED = {
    "status": "accepted",
    "detail": "If an account matches, a code and a link were sent to its confirmed contact.",
}


@blp.route("/password-recovery", methods=["POST"])
@blp.arguments(RecoveryIn)
@blp.response(202, AcceptedOut)
@blp.alt_response(429, schema=Problem)
def post_recovery(data: dict[str, Any]) -> dict[str, str]:
    """Ask for a recovery code: always the same reply, in about the same time."""
    request_recovery(
        gateway(), login=data.get("login"), email=data.get("email"), phone=data.get("phone"), audit=audit()
    )
    return ACCEPTED


@blp.route("/password-recovery/complete", methods=["POST"])
@blp.arguments(RecoveryCompleteIn)
@blp.response(204)
@blp.alt_response(410, schema=Problem, description="Wrong, used or expired code or link")
@blp.alt_response(422, schema=Problem, description="Weak password, or a wrong code (`attempts_left`)")
def post_recovery_complete(data: dict[str, Any]) -> None:
    """Set a new password with the code (+ login) or the link token; every session ends."""
    complete_recovery(
        gateway(),
        login=data.get("login"),
        code=data.get("code"),
        token=data.get("token"),
        new=data["new_password"],
        confirmation=data["new_password_confirmation"],
        audit=audit(),
    )
