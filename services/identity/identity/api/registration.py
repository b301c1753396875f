"""`POST /api/v1/registrations`, `POST /api/v1/password-strength`, `GET /api/v1/regions`."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from identity.api.context import audit, gateway
from identity.api.schemas import Problem, RegionOut, RegistrationIn, RegistrationOut, StrengthIn, StrengthOut
from identity.domain import passwords
from identity.handlers.registration import NewAccount, register
from identity.regions import regions
from kabinet.write_gate import appends_nothing

blp = Blueprint("registration", __name__, url_prefix="/api/v1", description="Registration and its helpers")


@blp.route("/registrations", methods=["POST"])
@blp.arguments(RegistrationIn)
@blp.response(201, RegistrationOut)
@blp.alt_response(409, schema=Problem, description="The login is taken (case-insensitive)")
@blp.alt_response(422, schema=Problem, description="Bad input; `errors` names every bad field")
@blp.alt_response(
    429, schema=Problem, description="Too many registrations per address, phone or email; see `Retry-After`"
)
def post_registration(data: dict[str, Any]) -> dict[str, Any]:
    """Register; the account waits for a confirmed contact (a code goes to `confirm_via`)."""
    fields = {k: data[k] for k in NewAccount.__dataclass_fields__}
    result = register(gateway(), NewAccount(**fields), audit())
    confirmation = {
        "channel": result.channel,
        "destination": result.destination,
        "expires_at": result.expires_at,
    }
    return {"account_id": result.account_id, "status": result.status, "confirmation": confirmation}


@blp.route("/password-strength", methods=["POST"])
@appends_nothing
@blp.arguments(StrengthIn)
@blp.response(200, StrengthOut)
def post_strength(data: dict[str, Any]) -> passwords.Strength:
    """Strength feedback: the policy's verdict plus advice (length, cases, digits, punctuation)."""
    return passwords.strength(data["password"], login=data.get("login"), common=gateway().common_passwords)


@blp.route("/regions", methods=["GET"])
@blp.response(200, RegionOut(many=True))
def get_regions() -> list[dict[str, str]]:
    """ISO 3166-2:RU regions with Russian and English names."""
    return list(regions())
